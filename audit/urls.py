from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("supervisor/audit/", views.audit_trail, name="audit_trail"),
]
