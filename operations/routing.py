from django.urls import path

from operations import consumers

websocket_urlpatterns = [
    path("ws/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/agent/talk-now/", consumers.AgentConsumer.as_asgi()),
    path("ws/supervisor/dashboard/", consumers.DashboardConsumer.as_asgi()),
    path("ws/supervisor/monitor/<int:session_id>/", consumers.MonitorConsumer.as_asgi()),
]
