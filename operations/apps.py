from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from accounts.signals import staff_active_changing
        from interviews.signals import session_changed
        from operations import receivers

        staff_active_changing.connect(receivers.offline_when_deactivated)
        session_changed.connect(receivers.agent_follows_call)
