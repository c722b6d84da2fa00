from django.urls import path

from interviews import views

app_name = "interviews"

urlpatterns = [
    path("me/device-check/", views.device_check, name="device_check"),
    path("me/interview/", views.join, name="join"),
]
