from django.urls import path

from verification import views

app_name = "verification"

urlpatterns = [
    path("me/result/", views.result, name="result"),
    path("report/<str:token>/", views.report, name="report"),
    path("report/<str:token>/sent/", views.report_sent, name="report_sent"),
    path("agent/interviews/<slug:reference>/", views.agent_interview, name="agent_interview"),
    path("agent/interviews/<slug:reference>/checklist/", views.checklist, name="checklist"),
    path("agent/interviews/<slug:reference>/checklist/<slug:action>/", views.checklist, name="checklist_action"),
    path("supervisor/interviews/<slug:reference>/", views.supervisor_interview, name="supervisor_interview"),
    path("supervisor/reports/", views.report_list, name="report_list"),
]
