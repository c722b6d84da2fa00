"""Writes of the talk-now queue, agent states and supervisors' actions."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_append
from core.errors import DomainError
from interviews.models import InterviewSession
from interviews.services import session_for_booking
from operations import broadcast, selectors
from operations.models import AgentState, QueueEntry, QueueSettings
from scheduling.models import Booking
from scheduling.selectors import interview_settings_get, open_times_list
from scheduling.services import booking_agent_set, booking_create_now

State = AgentState.State
SETTABLE_STATES = (State.AVAILABLE, State.BREAK, State.OFFLINE)


def _require_supervisor(user: User) -> None:
    if not user.is_supervisor:
        raise DomainError(_("Only supervisors can do that."), code="role")


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


# Queue settings


@transaction.atomic
def queue_settings_update(*, supervisor: User, values: dict) -> QueueSettings:
    """Change the queue rules; people already waiting keep their places."""
    _require_supervisor(supervisor)
    rules = QueueSettings.objects.select_for_update().get(pk=selectors.queue_settings_get().pk)
    for name, value in values.items():
        setattr(rules, name, value)
    rules.full_clean()
    rules.save()
    audit_append(actor=supervisor, action="queue.settings", obj=rules, details=values)
    broadcast.queue_changed()
    return rules


@transaction.atomic
def queue_set_open(*, supervisor: User, language: str, is_open: bool) -> QueueSettings:
    """Open or close the talk-now queue for one language. Closing stops new joins; people
    already waiting keep their places and are still taken."""
    _require_supervisor(supervisor)
    if language not in selectors.queue_languages():
        raise DomainError(_("Interviews in that language are not offered at the moment."), code="language")
    rules = QueueSettings.objects.select_for_update().get(pk=selectors.queue_settings_get().pk)
    languages = set(rules.open_languages)
    if (language in languages) == is_open:
        return rules
    languages.add(language) if is_open else languages.discard(language)
    rules.open_languages = sorted(languages)
    rules.save(update_fields=["open_languages"])
    audit_append(
        actor=supervisor, action="queue.open" if is_open else "queue.close", obj=rules, details={"language": language}
    )
    broadcast.queue_changed(language)
    return rules


# The taxpayer's side


@transaction.atomic
def queue_join(*, taxpayer: User, language: str, now: datetime | None = None) -> QueueEntry:
    """Put a signed-in taxpayer in the talk-now queue of a language, with the estimate shown kept."""
    now = now or timezone.now()
    if not taxpayer.is_taxpayer:
        raise DomainError(_("Only taxpayers can join the queue."), code="role")
    User.objects.select_for_update().filter(pk=taxpayer.pk).first()  # one join at a time per person
    if selectors.queue_entry_for(taxpayer=taxpayer) is not None:
        raise DomainError(_("You are already in the queue."), code="already_waiting")
    if Booking.objects.filter(taxpayer=taxpayer, status=Booking.Status.ACTIVE).exists():
        raise DomainError(
            _("You already have an interview booked. Join it at its time, or cancel it to talk now instead."),
            code="already_booked",
        )
    if language not in selectors.queue_languages():
        raise DomainError(_("Interviews in that language are not offered at the moment."), code="language")
    if language not in selectors.queue_settings_get().open_languages:
        raise DomainError(
            _("Talking now in %(language)s is closed at the moment. You can book an interview instead.")
            % {"language": _language_name(language)},
            code="closed",
        )
    profile = getattr(taxpayer, "taxpayer_profile", None)
    audio_only = bool(profile and profile.audio_only)
    estimate = selectors.estimate_for(language=language, now=now, audio_only=audio_only)
    try:
        with transaction.atomic():
            entry = QueueEntry.objects.create(
                taxpayer=taxpayer,
                language=language,
                audio_only=audio_only,
                joined_at=now,
                estimate_low_seconds=estimate[0] if estimate else None,
                estimate_high_seconds=estimate[1] if estimate else None,
            )
    except IntegrityError:
        raise DomainError(_("You are already in the queue."), code="already_waiting")
    audit_append(actor=taxpayer, action="queue.join", obj=entry, details={"language": language})
    _ask_ready(language=language, now=now)
    broadcast.queue_changed(language)
    return entry


def _end(entry: QueueEntry, status: str, *, now: datetime, actor: User | None, reason: str = "") -> None:
    entry.status, entry.ended_at = status, now
    entry.save(update_fields=["status", "ended_at", "booking"])
    audit_append(actor=actor, action=f"queue.{status}", obj=entry, details={"reason": reason} if reason else {})


def _own_waiting_entry(taxpayer: User) -> QueueEntry:
    entry = QueueEntry.objects.select_for_update().filter(taxpayer=taxpayer, status=QueueEntry.Status.WAITING).first()
    if entry is None:
        raise DomainError(_("You are not in the queue."), code="not_waiting")
    return entry


@transaction.atomic
def queue_leave(*, taxpayer: User, now: datetime | None = None) -> QueueEntry:
    """The taxpayer gives up their place; counted as having left (abandoned)."""
    now = now or timezone.now()
    entry = _own_waiting_entry(taxpayer)
    _end(entry, QueueEntry.Status.LEFT, now=now, actor=taxpayer)
    _ask_ready(language=entry.language, now=now)
    broadcast.queue_changed(entry.language)
    return entry


@transaction.atomic
def queue_connect(*, taxpayer: User, channel: str, now: datetime | None = None) -> QueueEntry | None:
    """The queue page opened a socket: a taxpayer back within the grace period has their place again."""
    entry = QueueEntry.objects.select_for_update().filter(taxpayer=taxpayer, status=QueueEntry.Status.WAITING).first()
    if entry is None:
        return None
    was_away = entry.disconnected_at is not None
    entry.channel, entry.disconnected_at = channel, None
    entry.save(update_fields=["channel", "disconnected_at"])
    if was_away:
        broadcast.presence_changed()
    return entry


@transaction.atomic
def queue_disconnect(*, entry_id: int, channel: str, now: datetime | None = None) -> None:
    """The queue page's socket closed; the place is kept for the grace period. Ignored when a
    newer socket of the same person is open (a reload, a second tab)."""
    now = now or timezone.now()
    entry = QueueEntry.objects.select_for_update().filter(pk=entry_id, status=QueueEntry.Status.WAITING).first()
    if entry is None or entry.channel != channel:
        return
    entry.channel, entry.disconnected_at = "", now
    entry.save(update_fields=["channel", "disconnected_at"])
    broadcast.presence_changed()


@transaction.atomic
def queue_confirm_ready(*, taxpayer: User, now: datetime | None = None) -> QueueEntry:
    """The taxpayer near the front says they are ready to be taken."""
    now = now or timezone.now()
    entry = _own_waiting_entry(taxpayer)
    if entry.ready_confirmed_at is None:
        entry.ready_confirmed_at = now
        entry.ready_requested_at = entry.ready_requested_at or now
        entry.save(update_fields=["ready_confirmed_at", "ready_requested_at"])
        broadcast.queue_changed(entry.language)
    return entry


def _overdue(entry: QueueEntry, *, now: datetime, rules: QueueSettings) -> bool:
    """Asked to confirm, and has not within the time allowed."""
    return (
        entry.ready_confirmed_at is None
        and entry.ready_requested_at is not None
        and entry.ready_requested_at + timedelta(seconds=rules.confirm_seconds) <= now
    )


def _ask_ready(*, language: str, now: datetime) -> bool:
    """Ask the first few (not counting those who were asked and are overdue) to confirm they are ready;
    True if someone new was asked."""
    rules = selectors.queue_settings_get()
    if not rules.confirm_at_position:
        return False
    asked, changed = 0, False
    for entry in selectors.queue_waiting(language=language).select_for_update(of=("self",)):
        if asked >= rules.confirm_at_position:
            break
        if _overdue(entry, now=now, rules=rules):
            continue
        asked += 1
        if entry.ready_requested_at is None:
            entry.ready_requested_at = now
            entry.save(update_fields=["ready_requested_at"])
            changed = True
    return changed


# The agent's side


@transaction.atomic
def queue_take_next(*, agent: User, now: datetime | None = None) -> Booking:
    """An available agent takes the next taxpayer: first their own booked interview whose taxpayer is
    waiting, then the talk-now queue in their languages, first come first served. The talk-now
    taxpayer gets a booking starting now with this agent, and from then on the usual interview."""
    now = now or timezone.now()
    if not agent.is_agent:
        raise DomainError(_("Only agents take taxpayers from the queue."), code="role")
    agent = User.objects.select_for_update().get(pk=agent.pk)
    state = selectors.agent_state_get(agent=agent, now=now)
    if state.state != State.AVAILABLE:
        raise DomainError(
            _("Set yourself as available before taking the next taxpayer. You are: %(state)s.")
            % {"state": State(state.state).label},
            code="not_available",
        )
    due = selectors.agent_due_booking(agent=agent, now=now)
    if due is not None:
        return due
    rules = interview_settings_get()
    blocked_until = now + timedelta(minutes=rules.interview_minutes + rules.buffer_minutes)
    clash = selectors.agent_next_booking(agent=agent, start=now, end=blocked_until)
    if clash is not None:
        raise DomainError(
            _("You have an interview booked at %(time)s, so there is no time for a talk-now interview before it.")
            % {"time": time_format(timezone.localtime(clash.starts_at, timezone.get_current_timezone()))},
            code="busy",
        )
    queue_rules = selectors.queue_settings_get()
    candidates = list(selectors.queue_waiting_for(agent=agent).select_for_update(skip_locked=True))
    chosen = None
    for entry in candidates:
        # Those not ready are passed over but keep their place.
        if selectors.queue_entry_ready(entry, rules=queue_rules):
            chosen = entry
            break
        if _overdue(entry, now=now, rules=queue_rules) or entry.disconnected_at is not None:
            entry.passed_over += 1
            entry.save(update_fields=["passed_over"])
    if not candidates:
        raise DomainError(_("Nobody is waiting in your languages."), code="empty")
    if chosen is None:
        raise DomainError(
            _("%(count)s waiting, but nobody has confirmed they are ready yet. Try again in a moment.")
            % {"count": len(candidates)},
            code="not_ready",
        )
    booking = booking_create_now(
        taxpayer=chosen.taxpayer, agent=agent, language=chosen.language, audio_only=chosen.audio_only, now=now
    )
    session_for_booking(booking=booking)
    chosen.booking = booking
    _end(chosen, QueueEntry.Status.TAKEN, now=now, actor=agent)
    _ask_ready(language=chosen.language, now=now)
    broadcast.queue_changed(chosen.language, taken=chosen)
    return booking


# Agent states


def _state_row(agent: User, *, now: datetime) -> AgentState:
    row = AgentState.objects.select_for_update().filter(agent=agent).first()
    return row or AgentState(agent=agent, state=State.OFFLINE, since=now)


def _set_state(
    row: AgentState, state: str, *, now: datetime, until: datetime | None = None, session_id: int | None = None
) -> None:
    row.state, row.since, row.until, row.session_id = state, now, until, session_id
    row.save()
    broadcast.queue_changed()


@transaction.atomic
def agent_state_set(*, agent: User, state: str, actor: User, now: datetime | None = None) -> AgentState:
    """An agent (or a supervisor for them) sets available, break or offline; not during an interview."""
    now = now or timezone.now()
    if actor.pk != agent.pk:
        _require_supervisor(actor)
    if not agent.is_agent:
        raise DomainError(_("Only agents have a state."), code="role")
    if state not in SETTABLE_STATES:
        raise DomainError(_("Choose available, on a break or offline."), code="state")
    row = _state_row(agent, now=now)
    current = selectors.agent_state_effective(row if row.pk else None, now=now)
    if current.state == State.IN_INTERVIEW:
        raise DomainError(
            _("%(name)s is in an interview; the state changes when it ends.") % {"name": agent.full_name}
            if actor.pk != agent.pk
            else _("You are in an interview; your state changes when it ends."),
            code="in_interview",
        )
    if current.state != state:
        _set_state(row, state, now=now)
        if actor.pk != agent.pk:
            audit_append(actor=actor, action="agent.state", obj=agent, details={"from": current.state, "to": state})
    return row


def session_changed(*, session: InterviewSession, now: datetime | None = None) -> None:
    """Called by the interview services on every session change, inside their transaction: the call
    moves its agent's state (admitted: in an interview; ended: wrap-up) and dashboards hear of it."""
    now = now or timezone.now()
    agent = session.booking.agent
    if session.state == InterviewSession.State.LIVE:
        row = _state_row(agent, now=now)
        if row.state != State.IN_INTERVIEW or row.session_id != session.pk:
            _set_state(row, State.IN_INTERVIEW, now=now, session_id=session.pk)
    elif session.state == InterviewSession.State.COMPLETED:
        row = _state_row(agent, now=now)
        if row.state == State.IN_INTERVIEW and row.session_id == session.pk:
            wrap_up = timedelta(seconds=selectors.queue_settings_get().wrap_up_seconds)
            _set_state(row, State.WRAP_UP, now=now, until=now + wrap_up, session_id=session.pk)
    broadcast.queue_changed(session.booking.language)


# Supervisors' actions


@transaction.atomic
def booking_reassign(*, supervisor: User, booking: Booking, agent: User, now: datetime | None = None) -> Booking:
    """Give a waiting taxpayer's or a future booking's interview to another agent."""
    now = now or timezone.now()
    _require_supervisor(supervisor)
    booking = Booking.objects.select_for_update().select_related("agent").get(pk=booking.pk)
    if not selectors.booking_reassignable(booking):
        raise DomainError(_("Only a booked interview that has not started can be reassigned."), code="not_active")
    if not agent.is_agent or not agent.is_active:
        raise DomainError(_("Choose an active agent."), code="agent")
    if agent.pk == booking.agent_id:
        raise DomainError(_("The interview is already with %(name)s.") % {"name": agent.full_name}, code="same")
    if not agent.agent_languages.filter(language=booking.language).exists():
        raise DomainError(
            _("%(name)s does not hold interviews in %(language)s.")
            % {"name": agent.full_name, "language": _language_name(booking.language)},
            code="language",
        )
    if booking.audio_only and not getattr(getattr(agent, "agent_profile", None), "takes_audio_only", True):
        raise DomainError(_("%(name)s does not take audio-only interviews.") % {"name": agent.full_name})
    due_now = booking.starts_at <= now + timedelta(minutes=interview_settings_get().join_window_minutes)
    if due_now:
        state = selectors.agent_state_get(agent=agent, now=now)
        if state.state == State.OFFLINE:
            raise DomainError(_("%(name)s is offline.") % {"name": agent.full_name}, code="offline")
        if selectors.agent_next_booking(agent=agent, start=booking.starts_at, end=booking.blocked_until):
            raise DomainError(_("%(name)s has another interview then.") % {"name": agent.full_name}, code="busy")
    elif not any(
        agent.pk in open_time.agent_ids
        for open_time in open_times_list(
            language=booking.language,
            now=now,
            audio_only=booking.audio_only,
            exclude_booking=booking,
            only_at=booking.starts_at,
            within_booking_window=False,
        )
    ):
        raise DomainError(
            _("%(name)s is not free at that time (working hours or another interview).") % {"name": agent.full_name},
            code="busy",
        )
    booking = booking_agent_set(booking=booking, agent=agent, actor=supervisor)
    broadcast.queue_changed(booking.language)
    return booking


# The sweep


def queue_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Entries gone longer than the grace period (or asked to confirm and silent that long past the
    time allowed) leave the queue and count as abandoned; finished wrap-ups become available."""
    now = now or timezone.now()
    rules = selectors.queue_settings_get()
    grace = timedelta(seconds=rules.grace_seconds)
    counts = {"expired": 0, "available": 0}
    for entry_id in QueueEntry.objects.filter(status=QueueEntry.Status.WAITING).values_list("pk", flat=True):
        with transaction.atomic():
            entry = (
                QueueEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=entry_id, status=QueueEntry.Status.WAITING)
                .first()
            )
            if entry is None:
                continue
            gone = entry.disconnected_at is not None and entry.disconnected_at + grace <= now
            silent = _overdue(entry, now=now - grace, rules=rules)
            if gone or silent:
                _end(entry, QueueEntry.Status.EXPIRED, now=now, actor=None, reason="gone" if gone else "not ready")
                _ask_ready(language=entry.language, now=now)
                broadcast.queue_changed(entry.language)
                counts["expired"] += 1
    for agent_id in AgentState.objects.filter(state=State.WRAP_UP, until__lte=now).values_list("agent_id", flat=True):
        with transaction.atomic():
            row = (
                AgentState.objects.select_for_update(skip_locked=True)
                .filter(agent_id=agent_id, state=State.WRAP_UP, until__lte=now)
                .first()
            )
            if row is not None:
                _set_state(row, State.AVAILABLE, now=row.until)
                counts["available"] += 1
    for language in selectors.queue_languages():
        with transaction.atomic():
            if _ask_ready(language=language, now=now):
                broadcast.queue_changed(language)
    return counts


@transaction.atomic
def session_monitor_start(*, supervisor: User, session_id: int) -> InterviewSession:
    """A supervisor starts watching a call in progress, silently; the audit trail says who and when."""
    _require_supervisor(supervisor)
    session = InterviewSession.objects.filter(pk=session_id).first()
    if session is None or session.state != InterviewSession.State.LIVE:
        raise DomainError(_("Only a call in progress can be monitored."), code="not_live")
    audit_append(actor=supervisor, action="session.monitor", obj=session)
    return session
