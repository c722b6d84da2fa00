"""Reads shared by interview views, consumers and tasks."""

import base64
import hashlib
import hmac
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit.models import AuditRecord
from interviews import signals
from interviews.models import InterviewSession
from scheduling.models import Booking
from scheduling.selectors import interview_settings_get


def ice_servers_for(*, user_id: int, now: float | None = None) -> list[dict]:
    """STUN and TURN servers for one participant; TURN credentials are minted per participant
    from the shared secret (coturn's REST scheme) and expire."""
    servers: list[dict] = []
    if settings.STUN_URLS:
        servers.append({"urls": settings.STUN_URLS})
    if settings.TURN_URLS:
        expiry = int((now or time.time()) + settings.TURN_CREDENTIAL_SECONDS)
        username = f"{expiry}:{user_id}"
        digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
        servers.append(
            {"urls": settings.TURN_URLS, "username": username, "credential": base64.b64encode(digest).decode()}
        )
    return servers


def staff_is_verified(*, user: User, session: dict) -> bool:
    """Whether a WebSocket's login passed the second factor (OTPMiddleware covers HTTP only)."""
    if not user.needs_two_factor:
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = TOTPDevice.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


def session_role_for(*, user: User, session_id: int) -> tuple[InterviewSession | None, str | None]:
    """The session and the part this person plays in it, or (None, None) if it is not theirs."""
    session = InterviewSession.objects.select_related("booking").filter(pk=session_id).first()
    if session is None or not user.is_active:
        return None, None
    if user.is_taxpayer and session.booking.taxpayer_id == user.pk:
        return session, "taxpayer"
    if user.is_agent and session.booking.agent_id == user.pk:
        return session, "agent"
    return None, None


def join_opens_at(booking: Booking):
    return booking.starts_at - timedelta(minutes=interview_settings_get().join_window_minutes)


def booking_moved_from(*, reference: str, agent: User) -> bool:
    """Whether the booking with this reference was the agent's once and is with another agent now.

    The audit trail says who had it: the agent it was booked or moved with, and the one a
    reassignment took it from.
    """
    booking = Booking.objects.filter(reference=reference).exclude(agent=agent).first()
    if booking is None:
        return False
    return (
        AuditRecord.objects.filter(object_type="scheduling.booking", object_id=str(booking.pk))
        .filter(
            Q(action="booking.reassign", details__from=agent.pk)
            | Q(action__in=["booking.create", "booking.reschedule"], details__agent=agent.pk)
        )
        .exists()
    )


def join_closes_at(booking: Booking):
    return booking.ends_at + timedelta(minutes=interview_settings_get().no_show_grace_minutes)


def join_is_open(*, booking: Booking, now=None) -> bool:
    """The waiting room is open from the join window until the interview's end plus the
    no-show grace, while the booking is active."""
    now = now or timezone.now()
    return booking.status == Booking.Status.ACTIVE and join_opens_at(booking) <= now < join_closes_at(booking)


def waited_seconds(session: InterviewSession, now=None) -> int | None:
    if session.state != InterviewSession.State.WAITING or session.waiting_since is None:
        return None
    return int(((now or timezone.now()) - session.waiting_since).total_seconds())


def session_is_admitted(*, session_id: int) -> bool:
    """Whether media should flow between the participants now."""
    return InterviewSession.objects.filter(pk=session_id, state=InterviewSession.State.LIVE).exists()


def newest_channel(*, session_id: int, role: str) -> str:
    """The signaling channel of a participant's newest connection ("" if none)."""
    field = "taxpayer_channel" if role == "taxpayer" else "agent_channel"
    return InterviewSession.objects.filter(pk=session_id).values_list(field, flat=True).first() or ""


def wait_started_at(booking: Booking, arrived: datetime) -> datetime:
    """Where a wait starts: joining the talk-now queue, or the later of the booked time and arrival."""
    entry = getattr(booking, "queue_entry", None)
    return entry.joined_at if entry is not None else max(arrived, booking.starts_at)


def replay_events(*, session_id: int, role: str) -> list[dict]:
    """Channel-layer events to send again to a participant who (re)connects, from the apps above."""
    answers = signals.participant_joined.send(sender=InterviewSession, session_id=session_id, role=role)
    return [event for _receiver, events in answers for event in events]
