from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "verification"
    verbose_name = _("Identity verification")

    def ready(self) -> None:
        from accounts.signals import identity_verified
        from interviews.signals import metadata_purging, participant_joined
        from scheduling.signals import booking_created, follow_up_of
        from verification import receivers

        identity_verified.connect(receivers.latest_verified_outcome)
        follow_up_of.connect(receivers.inconclusive_outcome_to_follow_up)
        booking_created.connect(receivers.link_follow_up)
        participant_joined.connect(receivers.challenge_on_screen)
        metadata_purging.connect(receivers.purge_codes)
