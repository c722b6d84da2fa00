from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.languages import language_choices
from scheduling.constraints import PostgresExclusionConstraint, TsTzRange


class Weekday(models.IntegerChoices):
    MONDAY = 0, pgettext_lazy("day of the week", "Monday")
    TUESDAY = 1, pgettext_lazy("day of the week", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("day of the week", "Wednesday")
    THURSDAY = 3, pgettext_lazy("day of the week", "Thursday")
    FRIDAY = 4, pgettext_lazy("day of the week", "Friday")
    SATURDAY = 5, pgettext_lazy("day of the week", "Saturday")
    SUNDAY = 6, pgettext_lazy("day of the week", "Sunday")


def _default_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class InterviewSettings(models.Model):
    """The one row of rules every booking follows; supervisors edit it in the app."""

    interview_minutes = models.PositiveSmallIntegerField(
        _("interview length (minutes)"), default=20, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after each interview (minutes)"), default=10, validators=[MaxValueValidator(60)]
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 14)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"), default=21, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    granularity_minutes = models.PositiveSmallIntegerField(
        _("start times every (minutes)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )
    join_window_minutes = models.PositiveSmallIntegerField(
        _("waiting room opens (minutes before)"), default=15, validators=[MaxValueValidator(120)]
    )
    no_show_grace_minutes = models.PositiveSmallIntegerField(
        _("no-show grace period (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    agent_daily_limit = models.PositiveSmallIntegerField(
        _("interviews per agent per day"), default=12, validators=[MinValueValidator(1), MaxValueValidator(48)]
    )
    languages_offered = models.JSONField(_("languages offered"), default=_default_languages)

    class Meta:
        verbose_name = _("interview settings")
        verbose_name_plural = _("interview settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="scheduling_interviewsettings_single_row")]

    def __str__(self) -> str:
        return str(_("Interview settings"))

    def clean(self) -> None:
        """Settings that contradict each other would leave nothing to book, or odd start times."""
        errors = {}
        if self.minimum_notice_minutes >= self.horizon_days * 24 * 60:
            errors["minimum_notice_minutes"] = _(
                "The minimum notice must be shorter than the booking horizon, or nothing can be booked."
            )
        if self.granularity_minutes and 60 % self.granularity_minutes and self.granularity_minutes % 60:
            errors["granularity_minutes"] = _("Choose a number that divides an hour (5, 10, 15, 20, 30 or 60) or 120.")
        if self.no_show_grace_minutes > self.interview_minutes:
            errors["no_show_grace_minutes"] = _("The no-show grace period cannot be longer than the interview.")
        if errors:
            raise ValidationError(errors)


class WeeklyHours(models.Model):
    """One range of an agent's regular working hours, in the agent's own time zone."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("weekly working hours")
        verbose_name_plural = _("weekly working hours")
        ordering = ["agent", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="scheduling_weeklyhours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="scheduling_weeklyhours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class DateException(models.Model):
    """A dated change to an agent's hours, in the agent's time zone: time off or extra hours."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", _("Time off")
        EXTRA = "extra", _("Extra hours")

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="date_exceptions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("date exception")
        verbose_name_plural = _("date exceptions")
        ordering = ["date", "start"]
        constraints = [
            # A whole day (no times) only makes sense as time off; a range must end after it starts.
            models.CheckConstraint(
                condition=(Q(start__isnull=True, end__isnull=True, kind="time_off"))
                | Q(start__isnull=False, end__isnull=False, end__gt=F("start")),
                name="scheduling_dateexception_range_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_kind_display()} {self.date}"

    @property
    def whole_day(self) -> bool:
        return self.start is None


class Booking(models.Model):
    """A taxpayer's interview with one agent at one time."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("Missed")

    class CancelReason(models.TextChoices):
        TAXPAYER = "taxpayer", _("Cancelled by you")
        AGENT_UNAVAILABLE = "agent_unavailable", _("No agent was available at that time")
        STAFF = "staff", _("Cancelled by our staff")

    reference = models.CharField(_("reference"), max_length=7, unique=True)
    taxpayer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agent_bookings")
    language = models.CharField(_("language"), max_length=8, choices=language_choices)
    audio_only = models.BooleanField(_("audio only"), default=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The agent is kept free until here (end plus the buffer in force when booked).
    blocked_until = models.DateTimeField()
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    cancel_reason = models.CharField(max_length=20, choices=CancelReason.choices, blank=True)
    # Raised on each change of time, so calendar apps replace the event they hold.
    sequence = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField()
    taxpayer_joined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"]), models.Index(fields=["agent", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="scheduling_booking_ends_after_start"),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("ends_at")), name="scheduling_booking_blocked_after_end"
            ),
            models.UniqueConstraint(
                fields=["taxpayer"], condition=Q(status="active"), name="scheduling_booking_one_active_per_taxpayer"
            ),
            # SQLite's share of the no-overlap rule; PostgreSQL's is the exclusion constraint below.
            models.UniqueConstraint(
                fields=["agent", "starts_at"], condition=Q(status="active"), name="scheduling_booking_agent_start_free"
            ),
            PostgresExclusionConstraint(
                name="scheduling_booking_agent_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("agent", RangeOperators.EQUAL),
                ],
                condition=Q(status="active"),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class BookingLink(models.Model):
    """A manage link for one booking, sent by mail; only the hash of its secret is kept."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.booking} link"


class SentNotification(models.Model):
    """A message sent about a booking; the unique key makes every message go out once."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CANCELLED = "cancelled", _("Cancelled")
        REMINDER_24H = "reminder_24h", _("Reminder a day before")
        REMINDER_1H = "reminder_1h", _("Reminder an hour before")
        NO_SHOW = "no_show", _("Missed interview")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The booking's sequence when sent: a rescheduled booking gets its reminders again.
    sequence = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind", "sequence"], name="scheduling_notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.booking} {self.kind} #{self.sequence}"
