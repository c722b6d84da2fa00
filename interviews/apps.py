from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interviews"
    verbose_name = _("Interviews")

    def ready(self) -> None:
        from audit.signals import reference_objects
        from interviews import receivers

        reference_objects.connect(receivers.sessions_for_reference)
