"""The interview session: its state machine, connections, sweeps and retention."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_append
from core.errors import DomainError
from core.realtime import group_send_on_commit
from interviews import selectors, signals
from interviews.events import InterviewState, Message
from interviews.media.service import session_group
from interviews.models import InterviewSession, SessionEvent
from scheduling.models import Booking
from scheduling.selectors import interview_settings_get
from scheduling.services import booking_complete, booking_forget_join_times, booking_mark_joined, booking_mark_no_show

State = InterviewSession.State

TRANSITIONS = {
    State.SCHEDULED: {State.WAITING, State.NO_SHOW},
    State.WAITING: {State.LIVE, State.ABANDONED, State.NO_SHOW},
    State.ABANDONED: {State.WAITING, State.NO_SHOW},
    State.LIVE: {State.COMPLETED, State.INTERRUPTED},
    State.INTERRUPTED: {State.LIVE, State.COMPLETED},
}


def session_group_send(session: InterviewSession, event: Message) -> None:
    """Send an event to everyone on the session's channel group, after the commit."""
    group_send_on_commit(session_group(session.pk), event.model_dump())


def _broadcast(session: InterviewSession) -> None:
    """Tell everyone on the session's channel group its new state, after the commit."""
    session_group_send(
        session,
        InterviewState(
            state=session.state,
            waited_seconds=selectors.waited_seconds(session),
            taxpayer_connected=session.taxpayer_connected,
            agent_connected=session.agent_connected,
        ),
    )
    signals.session_changed.send(sender=InterviewSession, session=session)


def _move(session: InterviewSession, to: str, *, actor: User | None, reason: str = "") -> None:
    if to not in TRANSITIONS.get(session.state, set()):
        raise DomainError(_("That cannot be done now."), code="state")
    SessionEvent.objects.create(session=session, from_state=session.state, to_state=to, actor=actor, reason=reason)
    audit_append(
        actor=actor, action="session.state", obj=session, details={"from": session.state, "to": to, "reason": reason}
    )
    session.state = to


def session_locked(session_id: int) -> InterviewSession:
    """The session and its booking, locked for the rest of the transaction."""
    return InterviewSession.objects.select_for_update().select_related("booking").get(pk=session_id)


@transaction.atomic
def session_for_booking(*, booking: Booking) -> InterviewSession:
    """The booking's interview session, created on first need."""
    session, _created = InterviewSession.objects.get_or_create(booking=booking)
    return session


@transaction.atomic
def session_connect(
    *, session_id: int, role: str, user: User, channel: str = "", now: datetime | None = None
) -> InterviewSession:
    """A participant opened the interview page; the taxpayer enters the waiting room."""
    now = now or timezone.now()
    session = session_locked(session_id)
    if session.booking.status != Booking.Status.ACTIVE:
        raise DomainError(_("This interview is no longer booked."), code="ended")
    if role == "taxpayer":
        if session.state in (State.SCHEDULED, State.ABANDONED):
            if not selectors.join_is_open(booking=session.booking, now=now):
                raise DomainError(_("The waiting room is not open yet."), code="not_open")
            _move(session, State.WAITING, actor=user)
            session.waiting_since, session.taxpayer_came = now, True
            booking_mark_joined(booking=session.booking, now=now)
        session.taxpayer_connected, session.taxpayer_disconnected_at, session.taxpayer_channel = True, None, channel
    else:
        session.agent_connected, session.agent_disconnected_at, session.agent_channel = True, None, channel
    if session.state in (State.COMPLETED, State.NO_SHOW):
        raise DomainError(_("This interview has ended."), code="ended")
    session.save()
    _broadcast(session)
    return session


@transaction.atomic
def session_disconnect(
    *, session_id: int, role: str, channel: str = "", now: datetime | None = None
) -> InterviewSession:
    """A participant's signaling connection closed; they may be back in a moment.

    Ignored when it is not their newest connection (they reloaded or opened a second tab).
    """
    now = now or timezone.now()
    session = session_locked(session_id)
    if channel != (session.taxpayer_channel if role == "taxpayer" else session.agent_channel):
        return session
    if role == "taxpayer":
        session.taxpayer_connected, session.taxpayer_disconnected_at, session.taxpayer_channel = False, now, ""
    else:
        session.agent_connected, session.agent_disconnected_at, session.agent_channel = False, now, ""
    session.save()
    _broadcast(session)
    return session


@transaction.atomic
def session_admit(*, session_id: int, agent: User, now: datetime | None = None) -> InterviewSession:
    """The agent lets the waiting taxpayer in: from now on media flows both ways."""
    session = session_locked(session_id)
    if session.booking.agent_id != agent.pk:
        raise DomainError(_("Only the assigned agent can admit the taxpayer."), code="forbidden")
    if session.booking.status != Booking.Status.ACTIVE:
        raise DomainError(_("This interview is no longer booked."), code="ended")
    if session.state == State.INTERRUPTED:
        _move(session, State.LIVE, actor=agent, reason="resumed")
    else:
        if session.state != State.WAITING or not session.taxpayer_connected:
            raise DomainError(_("The taxpayer is not in the waiting room."), code="not_waiting")
        _move(session, State.LIVE, actor=agent)
        session.admitted_at = now or timezone.now()
        started = selectors.wait_started_at(session.booking, session.booking.taxpayer_joined_at or session.admitted_at)
        session.wait_seconds = max(0, round((session.admitted_at - started).total_seconds()))
    session.save()
    _broadcast(session)
    return session


@transaction.atomic
def session_end(*, session_id: int, agent: User, now: datetime | None = None) -> InterviewSession:
    """The agent ends the interview; the booking is complete."""
    session = session_locked(session_id)
    if session.booking.agent_id != agent.pk:
        raise DomainError(_("Only the assigned agent can end the interview."), code="forbidden")
    _move(session, State.COMPLETED, actor=agent)
    session.ended_at = now or timezone.now()
    session.save()
    booking_complete(booking=session.booking, actor=agent)
    _broadcast(session)
    return session


def sessions_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Live calls with a participant gone too long become interrupted; waiting rooms left too
    long become abandoned. Each session is locked (SKIP LOCKED) and moved in its own transaction."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS)
    taxpayer_gone = Q(taxpayer_connected=False, taxpayer_disconnected_at__lt=cutoff)
    agent_gone = Q(agent_connected=False, agent_disconnected_at__lt=cutoff)
    rules = [
        (State.LIVE, State.INTERRUPTED, taxpayer_gone | agent_gone),
        (State.WAITING, State.ABANDONED, taxpayer_gone),
    ]
    counts = {State.INTERRUPTED: 0, State.ABANDONED: 0, State.NO_SHOW: 0}
    for state, target, condition in rules:
        for session_id in InterviewSession.objects.filter(condition, state=state).values_list("pk", flat=True):
            with transaction.atomic():
                session = (
                    InterviewSession.objects.select_for_update(skip_locked=True)
                    .filter(condition, pk=session_id, state=state)
                    .first()
                )
                if session is not None:
                    _move(session, target, actor=None, reason="disconnected")
                    session.save()
                    _broadcast(session)
                    counts[target] += 1
    counts[State.NO_SHOW] = _abandoned_past_end(now=now)
    return {str(state): count for state, count in counts.items()}


def _abandoned_past_end(*, now: datetime) -> int:
    """A taxpayer who left the waiting room and did not come back before the interview's end
    (plus grace) missed it: the session and the booking become no-shows and they are told."""
    cutoff = now - timedelta(minutes=interview_settings_get().no_show_grace_minutes)
    marked = 0
    ids = InterviewSession.objects.filter(state=State.ABANDONED, booking__ends_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    for session_id in ids:
        with transaction.atomic():
            session = (
                InterviewSession.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("booking")
                .filter(pk=session_id, state=State.ABANDONED)
                .first()
            )
            if session is None:
                continue
            _move(session, State.NO_SHOW, actor=None, reason="left before the end")
            session.save()
            if session.booking.status == Booking.Status.ACTIVE:
                booking_mark_no_show(booking=session.booking)
            marked += 1
    return marked


def metadata_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete technical call metadata older than the retention period: the connection history,
    join and connection times, and one-time code hashes. Outcomes, the audit trail and the
    service figures (whether the taxpayer came, their wait, when the call started and ended) stay."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.METADATA_RETENTION_DAYS)
    old = InterviewSession.objects.filter(booking__ends_at__lt=cutoff).exclude(
        state__in=(State.WAITING, State.LIVE, State.INTERRUPTED)
    )
    with transaction.atomic():
        events, _rows = SessionEvent.objects.filter(session__in=old).delete()
        counts = {"events": events}
        for _receiver, purged in signals.metadata_purging.send(sender=InterviewSession, sessions=old):
            counts.update(purged)
        sessions = old.exclude(waiting_since=None, taxpayer_disconnected_at=None, agent_disconnected_at=None).update(
            waiting_since=None,
            taxpayer_disconnected_at=None,
            agent_disconnected_at=None,
            taxpayer_connected=False,
            agent_connected=False,
            taxpayer_channel="",
            agent_channel="",
        )
        booking_forget_join_times(bookings=Booking.objects.filter(session__in=old))
    return counts | {"sessions": sessions}
