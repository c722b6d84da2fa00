import hashlib
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_append
from core.errors import DomainError
from core.mail import mail_message, site_url, zone_name
from scheduling import selectors, signals
from scheduling.models import Booking, BookingLink, DateException, InterviewSettings, SentNotification, WeeklyHours

# Letters and digits that cannot be mistaken for each other when read aloud or typed.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def follow_up_for(*, taxpayer: User):
    """What the taxpayer's next booking follows up (asked of the apps that know), or None."""
    answers = signals.follow_up_of.send(sender=Booking, taxpayer=taxpayer)
    return next((found for _receiver, found in answers if found is not None), None)


def _new_reference() -> str:
    while True:
        raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        reference = f"{raw[:3]}-{raw[3:]}"
        if not Booking.objects.filter(reference=reference).exists():
            return reference


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def booking_link_issue(*, booking: Booking) -> str:
    """A new secret manage link token (128 bits) for one booking; only its hash is stored."""
    token = secrets.token_urlsafe(16)
    BookingLink.objects.create(booking=booking, token_hash=token_hash(token))
    return token


def _check_time(
    *, rules: InterviewSettings, starts_at: datetime, now: datetime, language: str, follow_up: bool = False
) -> None:
    if language not in rules.languages_offered:
        raise DomainError(_("Interviews in that language are not offered at the moment."), code="language")
    if starts_at <= now:
        raise DomainError(_("That time has already passed. Choose a later time."), code="past")
    if not follow_up and starts_at < now + timedelta(minutes=rules.minimum_notice_minutes):
        message = ngettext(
            "Interviews must be booked at least %(minutes)s minute ahead. Choose a later time.",
            "Interviews must be booked at least %(minutes)s minutes ahead. Choose a later time.",
            rules.minimum_notice_minutes,
        )
        raise DomainError(message % {"minutes": rules.minimum_notice_minutes}, code="notice")
    if starts_at > now + timedelta(days=rules.horizon_days):
        message = ngettext(
            "Interviews can be booked up to %(days)s day ahead. Choose an earlier time.",
            "Interviews can be booked up to %(days)s days ahead. Choose an earlier time.",
            rules.horizon_days,
        )
        raise DomainError(message % {"days": rules.horizon_days}, code="horizon")
    step = timedelta(minutes=rules.granularity_minutes)
    if (starts_at - selectors.EPOCH) % step:
        raise DomainError(_("Choose one of the times on the list."), code="granularity")


def _taken(*, language: str, now: datetime, starts_at: datetime, audio_only: bool) -> DomainError:
    suggestions = selectors.nearest_open_times(language=language, now=now, around=starts_at, audio_only=audio_only)
    return DomainError(
        _("That time was just taken. Here are the nearest open times."), code="taken", suggestions=suggestions
    )


def _free_agents(
    *,
    language: str,
    audio_only: bool,
    starts_at: datetime,
    now: datetime,
    exclude_booking: Booking | None = None,
    within_booking_window: bool = True,
    follow_up: bool = False,
) -> list[User]:
    """The agents free at one start time, in the order a booking should try them."""
    open_times = selectors.open_times_list(
        language=language,
        now=now,
        audio_only=audio_only,
        exclude_booking=exclude_booking,
        only_at=starts_at,
        within_booking_window=within_booking_window,
        follow_up=follow_up,
    )
    if not open_times:
        return []
    return selectors.agents_ranked_for(agent_ids=open_times[0].agent_ids, starts_at=starts_at)


def _place(*, booking: Booking, candidates: list[User]) -> bool:
    """Save the booking with the first candidate agent the database accepts."""
    for agent in candidates:
        booking.agent = agent
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError:
            continue
        return True
    return False


@transaction.atomic
def booking_create(*, taxpayer: User, starts_at: datetime, language: str, now: datetime | None = None) -> Booking:
    """Book the taxpayer's interview at a start time with the best free agent for it.

    The database refuses overlapping bookings for an agent (PostgreSQL exclusion
    constraint) and a second active booking for a taxpayer; a lost race becomes
    "that time was just taken" with the nearest open times.
    """
    from scheduling.tasks import send_booking_notification

    now = now or timezone.now()
    if not taxpayer.is_taxpayer:
        raise DomainError(_("Only taxpayers can book an interview."), code="role")
    existing = selectors.active_booking_for(taxpayer=taxpayer)
    if existing is not None:
        if existing.starts_at == starts_at:
            return existing  # the same form sent twice
        raise DomainError(
            _("You already have an interview booked. Change or cancel it instead of booking another."),
            code="already_booked",
        )
    rules = selectors.interview_settings_get()
    follow_up_of = follow_up_for(taxpayer=taxpayer)
    _check_time(rules=rules, starts_at=starts_at, now=now, language=language, follow_up=follow_up_of is not None)
    profile = getattr(taxpayer, "taxpayer_profile", None)
    audio_only = bool(profile and profile.audio_only)
    candidates = _free_agents(
        language=language, audio_only=audio_only, starts_at=starts_at, now=now, follow_up=follow_up_of is not None
    )
    ends_at = starts_at + timedelta(minutes=rules.interview_minutes)
    booking = Booking(
        reference=_new_reference(),
        taxpayer=taxpayer,
        language=language,
        audio_only=audio_only,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at + timedelta(minutes=rules.buffer_minutes),
        confirmed_at=now,
    )
    if not _place(booking=booking, candidates=candidates):
        # The same taxpayer may have booked in a request that committed meanwhile.
        existing = selectors.active_booking_for(taxpayer=taxpayer)
        if existing is not None and existing.starts_at == starts_at:
            return existing
        if existing is not None:
            raise DomainError(_("You already have an interview booked."), code="already_booked")
        raise _taken(language=language, now=now, starts_at=starts_at, audio_only=audio_only)
    signals.booking_created.send(sender=Booking, booking=booking, follow_up_of=follow_up_of)
    audit_append(
        actor=taxpayer,
        action="booking.create",
        obj=booking,
        details={
            "starts_at": booking.starts_at,
            "agent": booking.agent_id,
            "language": language,
            "follow_up_of": follow_up_of.pk if follow_up_of else None,
        },
    )
    transaction.on_commit(
        lambda: send_booking_notification.delay(booking.pk, SentNotification.Kind.CONFIRMATION, booking.sequence)
    )
    return booking


@transaction.atomic
def booking_reschedule(
    *, booking: Booking, starts_at: datetime, now: datetime | None = None, actor: User | None = None
) -> Booking:
    """Move an active booking to another time, with whichever agent is best then."""
    from scheduling.tasks import send_booking_notification

    now = now or timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.ACTIVE:
        raise DomainError(_("This interview is no longer booked, so it cannot be changed."), code="not_active")
    if booking.starts_at == starts_at:
        raise DomainError(_("That is already the time of your interview."), code="same_time")
    rules = selectors.interview_settings_get()
    _check_time(rules=rules, starts_at=starts_at, now=now, language=booking.language)
    candidates = _free_agents(
        language=booking.language, audio_only=booking.audio_only, starts_at=starts_at, now=now, exclude_booking=booking
    )
    if booking.agent in candidates:  # keep the same agent when they are free
        candidates.remove(booking.agent)
        candidates.insert(0, booking.agent)
    booking.starts_at = starts_at
    booking.ends_at = starts_at + timedelta(minutes=rules.interview_minutes)
    booking.blocked_until = booking.ends_at + timedelta(minutes=rules.buffer_minutes)
    booking.sequence += 1
    booking.confirmed_at = now
    previous_start = Booking.objects.filter(pk=booking.pk).values_list("starts_at", flat=True).get()
    if not _place(booking=booking, candidates=candidates):
        raise _taken(language=booking.language, now=now, starts_at=starts_at, audio_only=booking.audio_only)
    audit_append(
        actor=actor,
        action="booking.reschedule",
        obj=booking,
        details={"from": previous_start, "to": starts_at, "agent": booking.agent_id},
    )
    transaction.on_commit(
        lambda: send_booking_notification.delay(booking.pk, SentNotification.Kind.RESCHEDULED, booking.sequence)
    )
    return booking


@transaction.atomic
def booking_cancel(
    *, booking: Booking, reason: str = Booking.CancelReason.TAXPAYER, actor: User | None = None
) -> Booking:
    """Cancel an active booking and tell the taxpayer."""
    from scheduling.tasks import send_booking_notification

    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.ACTIVE:
        raise DomainError(_("This interview is no longer booked."), code="not_active")
    booking.status = Booking.Status.CANCELLED
    booking.cancel_reason = reason
    booking.sequence += 1
    booking.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    booking.links.all().delete()
    audit_append(actor=actor, action="booking.cancel", obj=booking, details={"reason": reason})
    transaction.on_commit(
        lambda: send_booking_notification.delay(booking.pk, SentNotification.Kind.CANCELLED, booking.sequence)
    )
    return booking


def booking_for_token(*, token: str) -> Booking | None:
    """The active booking a manage link opens, or None for a wrong, used-up or tampered link."""
    link = BookingLink.objects.select_related("booking").filter(token_hash=token_hash(token)).first()
    if link is None or link.booking.status != Booking.Status.ACTIVE:
        return None
    return link.booking


@transaction.atomic
def interview_settings_update(*, updated_by: User, values: dict) -> InterviewSettings:
    """Change the interview rules; bookings already made keep their times."""
    if not updated_by.is_supervisor:
        raise DomainError(_("Only supervisors can change interview settings."), code="role")
    rules = selectors.interview_settings_get()
    for name, value in values.items():
        setattr(rules, name, value)
    rules.full_clean()
    rules.save()
    audit_append(actor=updated_by, action="settings.update", obj=rules, details=values)
    return rules


def _check_editor(*, editor: User, agent: User) -> None:
    if not (editor.is_supervisor or (editor.is_agent and editor.pk == agent.pk)):
        raise DomainError(_("You can only change your own hours."), code="role")
    if not agent.is_agent:
        raise DomainError(_("Working hours are kept for agents only."), code="role")


@transaction.atomic
def weekly_hours_set(*, editor: User, agent: User, ranges: list[tuple[int, time, time]]) -> None:
    """Replace an agent's weekly hours. Booked interviews are kept; supervisors see any outside hours."""
    _check_editor(editor=editor, agent=agent)
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in ranges:
        if end <= start:
            raise DomainError(_("Each range must end after it starts."), code="range")
        by_day.setdefault(weekday, []).append((start, end))
    for day_ranges in by_day.values():
        day_ranges.sort()
        for (_s1, end1), (start2, _e2) in zip(day_ranges, day_ranges[1:], strict=False):
            if start2 < end1:
                raise DomainError(_("Ranges on the same day must not overlap."), code="overlap")
    WeeklyHours.objects.filter(agent=agent).delete()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(agent=agent, weekday=weekday, start=start, end=end) for weekday, start, end in ranges
    )
    audit_append(
        actor=editor,
        action="hours.weekly",
        obj=agent,
        details={"ranges": [[weekday, f"{start:%H:%M}", f"{end:%H:%M}"] for weekday, start, end in sorted(ranges)]},
    )


@transaction.atomic
def date_exception_add(
    *,
    editor: User,
    agent: User,
    kind: str,
    day: date,
    start: time | None,
    end: time | None,
    now: datetime | None = None,
) -> tuple[DateException, list[Booking], list[Booking]]:
    """Add time off or extra hours, today or later, overlapping none of the same kind that day.
    Interviews inside new time off move to another free agent with the same language at the
    same time, or are cancelled with the taxpayer told.

    Returns the exception, the bookings moved and the bookings cancelled.
    """
    now = now or timezone.now()
    _check_editor(editor=editor, agent=agent)
    if (start is None) != (end is None) or (start is not None and end <= start):
        raise DomainError(_("Give both times, with the end after the start, or mark the whole day."))
    if kind == DateException.Kind.EXTRA and start is None:
        raise DomainError(_("Extra hours need a start and an end time."))
    if day < now.astimezone(ZoneInfo(agent.time_zone)).date():
        raise DomainError(_("Choose today or a later date."), code="past")
    if day > selectors.LAST_DAY:
        raise DomainError(
            _("Choose a date from %(first)s to %(last)s.")
            % {"first": selectors.FIRST_DAY.year, "last": selectors.LAST_DAY.year},
            code="range",
        )
    User.objects.select_for_update().filter(pk=agent.pk).first()  # one change at a time per agent
    same_day = DateException.objects.filter(agent=agent, kind=kind, date=day)
    if start is not None:
        same_day = same_day.filter(Q(start__isnull=True) | Q(start__lt=end, end__gt=start))
    if same_day.exists():
        if kind == DateException.Kind.TIME_OFF:
            raise DomainError(_("This overlaps time off already set for that day."), code="overlap")
        raise DomainError(_("This overlaps extra hours already set for that day."), code="overlap")
    exception = DateException.objects.create(agent=agent, kind=kind, date=day, start=start, end=end, created_by=editor)
    audit_append(actor=editor, action="hours.exception_add", obj=agent, details=_exception_details(exception))
    moved: list[Booking] = []
    cancelled: list[Booking] = []
    if kind == DateException.Kind.TIME_OFF:
        zone = ZoneInfo(agent.time_zone)
        off_start = selectors.local_to_utc(day, start or time(0), zone)
        off_end = (
            selectors.local_to_utc(day, end, zone) if end else selectors.local_to_utc(day + timedelta(1), time(0), zone)
        )
        affected = (
            Booking.objects.select_for_update(of=("self",))
            .filter(
                agent=agent,
                status=Booking.Status.ACTIVE,
                starts_at__lt=off_end,
                ends_at__gt=max(off_start, now),
            )
            # An interview already under way stays with its agent.
            .exclude(session__state__in=["waiting", "live", "interrupted"])
        )
        for booking in affected:
            if _reassign(booking=booking, now=now):
                audit_append(
                    actor=editor,
                    action="booking.reassign",
                    obj=booking,
                    details={"from": agent.pk, "to": booking.agent_id},
                )
                moved.append(booking)
            else:
                booking_cancel(booking=booking, reason=Booking.CancelReason.AGENT_UNAVAILABLE, actor=editor)
                cancelled.append(booking)
    return exception, moved, cancelled


def _reassign(*, booking: Booking, now: datetime) -> bool:
    """Give a booking to another agent free at the same time with the same language."""
    candidates = _free_agents(
        language=booking.language,
        audio_only=booking.audio_only,
        starts_at=booking.starts_at,
        now=now,
        exclude_booking=booking,
        within_booking_window=False,
    )
    return _place(booking=booking, candidates=[agent for agent in candidates if agent.pk != booking.agent_id])


@transaction.atomic
def date_exception_remove(*, editor: User, exception: DateException) -> None:
    """Take back time off or extra hours; interviews already moved stay where they are."""
    _check_editor(editor=editor, agent=exception.agent)
    audit_append(
        actor=editor, action="hours.exception_remove", obj=exception.agent, details=_exception_details(exception)
    )
    exception.delete()


def _exception_details(exception: DateException) -> dict:
    return {
        "kind": exception.kind,
        "date": exception.date.isoformat(),
        "start": f"{exception.start:%H:%M}" if exception.start else None,
        "end": f"{exception.end:%H:%M}" if exception.end else None,
    }


def booking_ics(*, booking: Booking, cancelled: bool = False) -> bytes:
    """An iCalendar file for the booking (METHOD REQUEST, or CANCEL once cancelled)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//LiveVerify//Interview//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", f"{booking.reference}@liveverify")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("sequence", booking.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", _("Identity interview (LiveVerify)"))
    event.add(
        "description",
        _("Your video interview to confirm your identity. Reference: %(reference)s. Join from: %(url)s")
        % {"reference": booking.reference, "url": f"{django_settings.SITE_URL}{reverse('operations:taxpayer_home')}"},
    )
    event.add("url", f"{django_settings.SITE_URL}{reverse('operations:taxpayer_home')}")
    calendar.add_component(event)
    return calendar.to_ical()


# Messages about an interview still to come carry a fresh manage link.
LINK_KINDS = {
    SentNotification.Kind.CONFIRMATION,
    SentNotification.Kind.RESCHEDULED,
    SentNotification.Kind.REMINDER_24H,
    SentNotification.Kind.REMINDER_1H,
}


def _notification_mail(*, booking: Booking, kind: str) -> EmailMessage:
    taxpayer = booking.taxpayer
    context = {
        "booking": booking,
        "user": taxpayer,
        "zone_name": zone_name(taxpayer),
        "home_url": site_url(reverse("operations:taxpayer_home")),
        "book_url": site_url(reverse("scheduling:book")),
        "rules": selectors.interview_settings_get(),
    }
    if kind in LINK_KINDS:
        context["manage_url"] = site_url(reverse("scheduling:manage", args=[booking_link_issue(booking=booking)]))
    message = mail_message(
        to=taxpayer.email,
        template=f"booking_{kind}",
        context=context,
        language=taxpayer.preferred_language,
        time_zone=taxpayer.time_zone,
    )
    if kind in (SentNotification.Kind.CONFIRMATION, SentNotification.Kind.RESCHEDULED):
        message.attach("interview.ics", booking_ics(booking=booking), "text/calendar; method=REQUEST")
    elif kind == SentNotification.Kind.CANCELLED:
        message.attach("interview.ics", booking_ics(booking=booking, cancelled=True), "text/calendar; method=CANCEL")
    return message


@transaction.atomic
def notification_send(*, booking_id: int, kind: str, sequence: int) -> bool:
    """Send one message about a booking unless it was sent already; True when sent now.

    The record and the mail share a transaction: a failed send leaves no record, so a
    retry sends it; a duplicate task finds the record and sends nothing.
    """
    booking = Booking.objects.select_related("taxpayer").filter(pk=booking_id).first()
    if booking is None or booking.sequence != sequence:
        return False  # gone, or changed since: a newer message describes it
    try:
        with transaction.atomic():
            SentNotification.objects.create(booking=booking, kind=kind, sequence=sequence)
    except IntegrityError:
        return False
    _notification_mail(booking=booking, kind=kind).send()
    return True


REMINDERS = [
    (SentNotification.Kind.REMINDER_24H, timedelta(hours=24), timedelta(hours=1)),
    (SentNotification.Kind.REMINDER_1H, timedelta(hours=1), timedelta(0)),
]


def _due_reminder(*, kind: str, lead: timedelta, until: timedelta, now: datetime) -> Booking | None:
    return (
        Booking.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            status=Booking.Status.ACTIVE,
            starts_at__lte=now + lead,
            starts_at__gt=now + until,
            confirmed_at__lte=F("starts_at") - lead,
        )
        .exclude(
            Exists(SentNotification.objects.filter(booking=OuterRef("pk"), kind=kind, sequence=OuterRef("sequence")))
        )
        .order_by("starts_at")
        .first()
    )


def reminders_send_due(*, now: datetime | None = None, batch: int = 200) -> int:
    """Send the reminders that are due now, each once; returns how many were sent.

    Each reminder is locked (SKIP LOCKED, so sweeps running at once split the work),
    recorded and mailed in its own transaction: a failed send is retried later and never
    repeats the ones already sent. A reminder is only sent if the booking was made before
    its moment, and the day-before one is skipped once the hour-before one is due.
    """
    now = now or timezone.now()
    sent = 0
    for kind, lead, until in REMINDERS:
        for _attempt in range(batch):
            with transaction.atomic():
                booking = _due_reminder(kind=kind, lead=lead, until=until, now=now)
                if booking is None:
                    break
                sent += notification_send(booking_id=booking.pk, kind=kind, sequence=booking.sequence)
    return sent


def no_shows_mark(*, now: datetime | None = None, batch: int = 200) -> int:
    """Mark bookings whose taxpayer did not join within the grace period as missed, and tell them."""
    now = now or timezone.now()
    grace = timedelta(minutes=selectors.interview_settings_get().no_show_grace_minutes)
    marked = 0
    for _attempt in range(batch):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True)
                .filter(status=Booking.Status.ACTIVE, taxpayer_joined_at__isnull=True, starts_at__lt=now - grace)
                .order_by("starts_at")
                .first()
            )
            if booking is None:
                break
            booking_mark_no_show(booking=booking)
            marked += 1
    return marked


@transaction.atomic
def booking_create_now(*, taxpayer: User, agent: User, language: str, audio_only: bool, now: datetime) -> Booking:
    """A talk-now booking: the taxpayer's interview with this agent, starting now (the caller has
    checked that the agent is free); the database still refuses an overlap."""
    rules = selectors.interview_settings_get()
    ends_at = now + timedelta(minutes=rules.interview_minutes)
    booking = Booking.objects.create(
        reference=_new_reference(),
        taxpayer=taxpayer,
        agent=agent,
        language=language,
        audio_only=audio_only,
        starts_at=now,
        ends_at=ends_at,
        blocked_until=ends_at + timedelta(minutes=rules.buffer_minutes),
        confirmed_at=now,
    )
    audit_append(
        actor=agent,
        action="booking.create",
        obj=booking,
        details={"starts_at": now, "agent": agent.pk, "language": language, "origin": "talk_now"},
    )
    signals.booking_created.send(sender=Booking, booking=booking, follow_up_of=None)
    return booking


@transaction.atomic
def booking_agent_set(*, booking: Booking, agent: User, actor: User) -> Booking:
    """Give a booking to another agent (the caller has checked they may take it); refused with
    "has another interview then" when the database finds an overlap."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    previous = booking.agent_id
    booking.agent = agent
    try:
        with transaction.atomic():
            booking.save(update_fields=["agent", "updated_at"])
    except IntegrityError:
        raise DomainError(_("%(name)s has another interview then.") % {"name": agent.full_name}, code="busy")
    audit_append(actor=actor, action="booking.reassign", obj=booking, details={"from": previous, "to": agent.pk})
    return booking


def booking_mark_joined(*, booking: Booking, now: datetime) -> None:
    """The taxpayer reached the waiting room: the first time counts (call it inside a transaction)."""
    if booking.taxpayer_joined_at is None:
        booking.taxpayer_joined_at = now
        booking.save(update_fields=["taxpayer_joined_at", "updated_at"])


def booking_complete(*, booking: Booking, actor: User) -> None:
    """The interview took place: the booking is complete and its manage links stop working
    (call it inside a transaction; nothing happens unless the booking is active)."""
    if booking.status == Booking.Status.ACTIVE:
        booking.status = Booking.Status.COMPLETED
        booking.save(update_fields=["status", "updated_at"])
        booking.links.all().delete()
        audit_append(actor=actor, action="booking.complete", obj=booking)


def booking_forget_join_times(*, bookings) -> int:
    """Retention: forget when the taxpayers of these bookings reached the waiting room."""
    return bookings.filter(taxpayer_joined_at__isnull=False).update(taxpayer_joined_at=None)


def booking_mark_no_show(*, booking: Booking) -> None:
    """Record a missed interview and invite the taxpayer to book again (call it inside a transaction)."""
    booking.status = Booking.Status.NO_SHOW
    booking.save(update_fields=["status", "updated_at"])
    booking.links.all().delete()
    audit_append(actor=None, action="booking.no_show", obj=booking)
    notification_send(booking_id=booking.pk, kind=SentNotification.Kind.NO_SHOW, sequence=booking.sequence)
