from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InterviewSession(models.Model):
    """The live part of a booking: waiting room, call and how it ended."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        WAITING = "waiting", _("In the waiting room")
        LIVE = "live", _("Live")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("Missed")
        ABANDONED = "abandoned", _("Left before the call")
        INTERRUPTED = "interrupted", _("Interrupted")

    booking = models.OneToOneField("scheduling.Booking", on_delete=models.PROTECT, related_name="session")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SCHEDULED)
    # When the taxpayer last entered the waiting room; the wait shown to the agent counts from here.
    waiting_since = models.DateTimeField(null=True, blank=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Service facts for the figures, kept when the join and connection times are purged:
    # whether the taxpayer came at all, and how long they waited to be admitted (from the
    # later of their booked time and arrival, or from joining the talk-now queue).
    taxpayer_came = models.BooleanField(default=False)
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Which participants have a signaling connection open now, and since when one has not.
    taxpayer_connected = models.BooleanField(default=False)
    agent_connected = models.BooleanField(default=False)
    taxpayer_disconnected_at = models.DateTimeField(null=True, blank=True)
    agent_disconnected_at = models.DateTimeField(null=True, blank=True)
    # The newest signaling connection of each participant: an older socket closing late
    # (a reload, a second tab) must not mark a participant gone who is still here.
    taxpayer_channel = models.CharField(max_length=200, blank=True)
    agent_channel = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("interview session")
        verbose_name_plural = _("interview sessions")

    def __str__(self) -> str:
        return f"{self.booking} ({self.state})"


class SessionEvent(models.Model):
    """One recorded change of a session's state."""

    session = models.ForeignKey(InterviewSession, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, choices=InterviewSession.State.choices)
    to_state = models.CharField(max_length=12, choices=InterviewSession.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.from_state} -> {self.to_state}"
