from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.languages import language_choices


class QueueSettings(models.Model):
    """The one row of talk-now queue rules; supervisors edit it in the app."""

    open_languages = models.JSONField(_("queue open for"), default=list, blank=True)
    grace_seconds = models.PositiveIntegerField(
        _("place kept after the page closes (seconds)"),
        default=180,
        validators=[MinValueValidator(30), MaxValueValidator(3600)],
    )
    wrap_up_seconds = models.PositiveIntegerField(
        _("wrap-up after each interview (seconds)"), default=120, validators=[MaxValueValidator(1800)]
    )
    confirm_at_position = models.PositiveSmallIntegerField(
        _("ask to confirm readiness from this place in line"),
        default=2,
        validators=[MaxValueValidator(20)],
        help_text=_("0 asks nobody."),
    )
    confirm_seconds = models.PositiveIntegerField(
        _("time to confirm readiness (seconds)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(600)]
    )
    wait_alert_minutes = models.PositiveSmallIntegerField(
        _("alert when someone waits longer than (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    service_level_minutes = models.PositiveSmallIntegerField(
        _("service level: admitted within (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )

    class Meta:
        verbose_name = _("queue settings")
        verbose_name_plural = _("queue settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="operations_queuesettings_single_row")]

    def __str__(self) -> str:
        return str(_("Queue settings"))


class QueueEntry(models.Model):
    """A taxpayer's place in the talk-now queue, from joining until taken or gone."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        TAKEN = "taken", _("Taken by an agent")
        LEFT = "left", _("Left the queue")
        EXPIRED = "expired", _("Gone longer than the grace period")

    taxpayer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="queue_entries")
    language = models.CharField(_("language"), max_length=8, choices=language_choices)
    audio_only = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    joined_at = models.DateTimeField()
    # The estimate shown when joining, kept to compare with the wait that followed.
    estimate_low_seconds = models.PositiveIntegerField(null=True, blank=True)
    estimate_high_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The queue page's newest socket, and since when none is open (the grace period runs from here).
    channel = models.CharField(max_length=200, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    ready_requested_at = models.DateTimeField(null=True, blank=True)
    ready_confirmed_at = models.DateTimeField(null=True, blank=True)
    passed_over = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The interview an agent took this entry into; its origin, without a field on Booking.
    booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="queue_entry"
    )

    class Meta:
        verbose_name = _("queue entry")
        verbose_name_plural = _("queue entries")
        ordering = ["joined_at", "pk"]
        indexes = [models.Index(fields=["status", "language", "joined_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["taxpayer"], condition=Q(status="waiting"), name="operations_queueentry_one_waiting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.taxpayer} {self.language} ({self.status})"

    @property
    def wait_seconds(self) -> int | None:
        """How long the taxpayer waited in the queue, once taken or gone."""
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.joined_at).total_seconds())


class AgentState(models.Model):
    """What an agent is doing now; wrap-up ends by itself at `until`."""

    class State(models.TextChoices):
        AVAILABLE = "available", _("Available")
        IN_INTERVIEW = "in_interview", _("In an interview")
        WRAP_UP = "wrap_up", _("Wrap-up")
        BREAK = "break", _("On a break")
        OFFLINE = "offline", _("Offline")

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="operations_state"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.OFFLINE)
    since = models.DateTimeField()
    until = models.DateTimeField(null=True, blank=True)
    session = models.ForeignKey(
        "interviews.InterviewSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("agent state")
        verbose_name_plural = _("agent states")

    def __str__(self) -> str:
        return f"{self.agent} {self.state}"
