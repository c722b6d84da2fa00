from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("me/reschedule/", views.my_reschedule, name="my_reschedule"),
    path("me/cancel/", views.my_cancel, name="my_cancel"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/reschedule/", views.manage_reschedule, name="manage_reschedule"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("agent/week/", views.agent_week, name="agent_week"),
    path("agent/hours/", views.hours, name="hours"),
    path("hours/exceptions/<int:pk>/delete/", views.exception_delete, name="exception_delete"),
    path("supervisor/schedule/", views.supervisor_schedule, name="supervisor_schedule"),
    path("supervisor/settings/", views.interview_settings, name="settings"),
    path("supervisor/staff/<int:pk>/hours/", views.hours, name="staff_hours"),
]
