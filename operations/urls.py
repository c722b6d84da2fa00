from django.urls import path

from operations import views

app_name = "operations"

urlpatterns = [
    path("me/", views.taxpayer_home, name="taxpayer_home"),
    path("agent/", views.agent_home, name="agent_home"),
    path("supervisor/", views.supervisor_home, name="supervisor_home"),
    path("wait-times/", views.wait_times, name="wait_times"),
    path("me/talk-now/", views.talk_now, name="talk_now"),
    path("me/talk-now/leave/", views.talk_now_leave, name="talk_now_leave"),
    path("me/talk-now/ready/", views.talk_now_ready, name="talk_now_ready"),
    path("agent/talk-now/", views.agent_panel, name="agent_panel"),
    path("agent/state/", views.agent_state, name="agent_state"),
    path("agent/talk-now/take/", views.take_next, name="take_next"),
    path("supervisor/dashboard/", views.dashboard, name="dashboard"),
    path("supervisor/queue/", views.queue_open, name="queue_open"),
    path("supervisor/queue/settings/", views.queue_settings, name="queue_settings"),
    path("supervisor/agents/<int:pk>/state/", views.staff_state, name="staff_state"),
    path("supervisor/reassign/", views.reassign_find, name="reassign_find"),
    path("supervisor/reassign/<slug:reference>/", views.reassign, name="reassign"),
    path("supervisor/figures/", views.reports, name="reports"),
    path("supervisor/capacity/", views.capacity, name="capacity"),
    path("supervisor/monitor/<int:session_id>/", views.monitor, name="monitor"),
]
