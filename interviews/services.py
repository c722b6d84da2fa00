from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from interviews import selectors
from interviews.media.service import session_group
from interviews.models import InterviewSession, SessionEvent
from scheduling.models import Booking

State = InterviewSession.State
TRANSITIONS = {
    State.SCHEDULED: {State.WAITING, State.NO_SHOW},
    State.WAITING: {State.LIVE, State.ABANDONED, State.NO_SHOW},
    State.ABANDONED: {State.WAITING},
    State.LIVE: {State.COMPLETED, State.INTERRUPTED},
    State.INTERRUPTED: {State.LIVE, State.COMPLETED},
}


class InterviewError(Exception):
    """A refused interview action, with a message the person can read."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _broadcast(session: InterviewSession) -> None:
    """Tell everyone on the session's channel group its new state, after the commit."""
    payload = {
        "type": "interview.state",
        "state": session.state,
        "waited_seconds": selectors.waited_seconds(session),
        "taxpayer_connected": session.taxpayer_connected,
        "agent_connected": session.agent_connected,
    }
    transaction.on_commit(lambda: async_to_sync(get_channel_layer().group_send)(session_group(session.pk), payload))


def _move(session: InterviewSession, to: str, *, actor: User | None, reason: str = "") -> None:
    if to not in TRANSITIONS.get(session.state, set()):
        raise InterviewError(_("That cannot be done now."), code="state")
    SessionEvent.objects.create(session=session, from_state=session.state, to_state=to, actor=actor, reason=reason)
    session.state = to


def _locked(session_id: int) -> InterviewSession:
    return InterviewSession.objects.select_for_update().select_related("booking").get(pk=session_id)


@transaction.atomic
def session_for_booking(*, booking: Booking) -> InterviewSession:
    """The booking's interview session, created on first need."""
    session, _created = InterviewSession.objects.get_or_create(booking=booking)
    return session


@transaction.atomic
def session_connect(*, session_id: int, role: str, user: User, now: datetime | None = None) -> InterviewSession:
    """A participant opened the interview page; the taxpayer enters the waiting room."""
    now = now or timezone.now()
    session = _locked(session_id)
    if role == "taxpayer":
        if session.state in (State.SCHEDULED, State.ABANDONED):
            if not selectors.join_is_open(booking=session.booking, now=now):
                raise InterviewError(_("The waiting room is not open yet."), code="not_open")
            _move(session, State.WAITING, actor=user)
            session.waiting_since = now
            if session.booking.taxpayer_joined_at is None:
                session.booking.taxpayer_joined_at = now
                session.booking.save(update_fields=["taxpayer_joined_at", "updated_at"])
        session.taxpayer_connected, session.taxpayer_disconnected_at = True, None
    else:
        session.agent_connected, session.agent_disconnected_at = True, None
    if session.state in (State.COMPLETED, State.NO_SHOW):
        raise InterviewError(_("This interview has ended."), code="ended")
    session.save()
    _broadcast(session)
    return session


@transaction.atomic
def session_disconnect(*, session_id: int, role: str, now: datetime | None = None) -> InterviewSession:
    """A participant's signaling connection closed; they may be back in a moment."""
    now = now or timezone.now()
    session = _locked(session_id)
    if role == "taxpayer":
        session.taxpayer_connected, session.taxpayer_disconnected_at = False, now
    else:
        session.agent_connected, session.agent_disconnected_at = False, now
    session.save()
    _broadcast(session)
    return session


@transaction.atomic
def session_admit(*, session_id: int, agent: User, now: datetime | None = None) -> InterviewSession:
    """The agent lets the waiting taxpayer in: from now on media flows both ways."""
    session = _locked(session_id)
    if session.booking.agent_id != agent.pk:
        raise InterviewError(_("Only the assigned agent can admit the taxpayer."), code="forbidden")
    if session.state == State.INTERRUPTED:
        _move(session, State.LIVE, actor=agent, reason="resumed")
    else:
        if session.state != State.WAITING or not session.taxpayer_connected:
            raise InterviewError(_("The taxpayer is not in the waiting room."), code="not_waiting")
        _move(session, State.LIVE, actor=agent)
        session.admitted_at = now or timezone.now()
    session.save()
    _broadcast(session)
    return session


@transaction.atomic
def session_end(*, session_id: int, agent: User, now: datetime | None = None) -> InterviewSession:
    """The agent ends the interview; the booking is complete."""
    session = _locked(session_id)
    if session.booking.agent_id != agent.pk:
        raise InterviewError(_("Only the assigned agent can end the interview."), code="forbidden")
    _move(session, State.COMPLETED, actor=agent)
    session.ended_at = now or timezone.now()
    session.save()
    booking = session.booking
    booking.status = Booking.Status.COMPLETED
    booking.save(update_fields=["status", "updated_at"])
    booking.links.all().delete()
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
    counts = {State.INTERRUPTED: 0, State.ABANDONED: 0}
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
    return {str(state): count for state, count in counts.items()}
