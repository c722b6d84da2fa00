from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self) -> None:
        from accounts.signals import staff_active_changing
        from audit.signals import reference_objects
        from scheduling import receivers

        staff_active_changing.connect(receivers.refuse_deactivation_while_booked)
        reference_objects.connect(receivers.booking_for_reference)
