from django.urls import path

from interviews import consumers

websocket_urlpatterns = [
    path("ws/interviews/<int:session_id>/", consumers.InterviewConsumer.as_asgi()),
    path("ws/device-check/", consumers.DeviceCheckConsumer.as_asgi()),
]
