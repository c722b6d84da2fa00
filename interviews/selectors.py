"""Reads shared by interview views, consumers and tasks."""

import base64
import hashlib
import hmac
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from interviews.models import (
    AuditRecord,
    ChallengePrompt,
    InterviewSession,
    Strength,
    Verification,
    VerificationOutcome,
)
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


def verification_for_session(session: InterviewSession):
    """The session's checklist with its evidence, challenges and codes, created on first need."""
    verification, _created = Verification.objects.get_or_create(session=session)
    return Verification.objects.prefetch_related("evidence", "challenges", "codes").get(pk=verification.pk)


def evidence_is_strong_enough(items) -> bool:
    """NIST SP 800-63A style: one superior piece, or one strong piece plus one more piece.

    The main piece must be unexpired, its security features checked and its photo matched to
    the person on camera; a supporting piece must be unexpired with its security features checked.
    """
    supporting = [item for item in items if item.unexpired and item.security_features_checked]
    main = [item for item in supporting if item.photo_matches]
    if any(item.strength == Strength.SUPERIOR for item in main):
        return True
    return any(item.strength == Strength.STRONG for item in main) and len(supporting) >= 2


def latest_challenge_passed(verification) -> bool:
    decided = [c for c in verification.challenges.all() if c.result != c.Result.PENDING]
    pending = [c for c in verification.challenges.all() if c.result == c.Result.PENDING]
    return bool(decided) and decided[-1].result == decided[-1].Result.PASSED and not pending


def code_confirmed(verification) -> bool:
    return any(code.confirmed_at for code in verification.codes.all())


def outcome_missing(verification, *, audio_only: bool) -> dict[str, list[str]]:
    """For each possible outcome, what is still missing before it can be recorded (empty: ready)."""
    items = list(verification.evidence.all())
    verified: list[str] = []
    if audio_only:
        if not any(item.unexpired for item in items):
            verified.append(_("Describe at least one unexpired document the person read out."))
    elif not evidence_is_strong_enough(items):
        verified.append(
            _(
                "The evidence is not strong enough: one superior document, or one strong document "
                "and one more, checked and unexpired."
            )
        )
    if not latest_challenge_passed(verification):
        verified.append(_("The person must pass a live challenge (the latest one, with none pending)."))
    if not code_confirmed(verification):
        verified.append(_("Confirm the one-time code."))
    profile = getattr(verification.session.booking.taxpayer, "taxpayer_profile", None)
    if profile is None or not profile.claimed_identity_complete:
        verified.append(
            _(
                "The taxpayer's date of birth and address are not on file: they can add them on their "
                "profile page (in another tab) during the call; then reload this page."
            )
        )
    if not verification.details_match:
        verified.append(_("Confirm the name, date of birth and address match the documents."))
    if not audio_only and not verification.stayed_in_view:
        verified.append(_("Confirm the person stayed in view throughout."))
    if verification.fraud_flag:
        verified.append(_("Fraud is flagged: the person cannot be verified."))
    return {"verified": verified, "not_verified": [], "inconclusive": []}


def wait_started_at(booking: Booking, arrived: datetime) -> datetime:
    """Where a wait starts: joining the talk-now queue, or the later of the booked time and arrival."""
    entry = getattr(booking, "queue_entry", None)
    return entry.joined_at if entry is not None else max(arrived, booking.starts_at)


def identity_status_for(user: User):
    """The taxpayer's most recent verified outcome, or None."""
    return (
        VerificationOutcome.objects.filter(taxpayer=user, result=VerificationOutcome.Result.VERIFIED)
        .order_by("-decided_at")
        .first()
    )


def decision_pending_for(user: User) -> InterviewSession | None:
    """The taxpayer's latest finished interview whose agent has not recorded the outcome yet, or None."""
    return (
        InterviewSession.objects.filter(booking__taxpayer=user, state=InterviewSession.State.COMPLETED, outcome=None)
        .select_related("booking")
        .order_by("-ended_at")
        .first()
    )


def follow_up_outcome_for(user: User):
    """An inconclusive outcome whose follow-up the taxpayer has not booked yet, or None."""
    latest = VerificationOutcome.objects.filter(taxpayer=user).order_by("-decided_at").first()
    if latest and latest.result == VerificationOutcome.Result.INCONCLUSIVE and latest.follow_up_booking_id is None:
        return latest
    return None


def checklist_state(session: InterviewSession) -> dict:
    """Everything the agent's checklist panel shows, in the active language."""
    from interviews.services import challenge_text, mask_contact

    verification = verification_for_session(session)
    booking = session.booking
    outcome = getattr(session, "outcome", None)
    challenges = list(verification.challenges.all())
    codes = list(verification.codes.all())
    code = None
    if codes:
        latest = codes[-1]
        if latest.confirmed_at:
            status = _("Confirmed.")
        elif latest.spent or latest.expires_at <= timezone.now():
            status = _("Not confirmed; send a new code.")
        else:
            status = _("Sent to %(contact)s. Waiting for the person to read it out.") % {
                "contact": mask_contact(latest.channel, booking.taxpayer)
            }
        code = {"status": status, "confirmed": bool(latest.confirmed_at), "waiting": not latest.spent}
    return {
        "audio_only": booking.audio_only,
        "editable": outcome is None and session.admitted_at is not None,
        "evidence": [
            {
                "id": item.pk,
                "document": item.get_document_type_display(),
                "issuer": item.issuer,
                "strength": Strength(item.strength).label,
                "checks": [
                    label
                    for label, done in (
                        (_("not expired"), item.unexpired),
                        (_("security features checked"), item.security_features_checked),
                        (_("photo matches"), item.photo_matches),
                    )
                    if done
                ],
            }
            for item in verification.evidence.all()
        ],
        "challenges": [
            {
                "id": c.pk,
                "text": challenge_text(kind=c.kind, digits=c.digits),
                "result": c.result,
                "result_label": c.get_result_display(),
            }
            for c in challenges
        ],
        "code": code,
        "details_match": verification.details_match,
        "stayed_in_view": verification.stayed_in_view,
        "fraud_flag": verification.fraud_flag,
        "missing": outcome_missing(verification, audio_only=booking.audio_only),
        "outcome": None
        if outcome is None
        else {
            "result": outcome.result,
            "text": outcome.get_result_display(),
            "reasons": [VerificationOutcome.Reason(r).label for r in outcome.reasons],
            "follow_up": outcome.follow_up,
            "level": outcome.get_assurance_level_display() if outcome.assurance_level else "",
        },
    }


def audit_records_filter(records, *, action: str, actor: str, reference: str, since, until):
    """Narrow audit records by action prefix, actor email, interview reference and dates (UTC)."""
    if action:
        records = records.filter(action__startswith=action.strip())
    if actor:
        records = records.filter(actor__email__iexact=actor.strip())
    if reference:
        booking = Booking.objects.filter(reference__iexact=reference.strip()).first()
        if booking is None:
            return records.none()
        session_ids = [str(pk) for pk in InterviewSession.objects.filter(booking=booking).values_list("pk", flat=True)]
        records = records.filter(
            Q(object_type="scheduling.booking", object_id=str(booking.pk))
            | Q(object_type="interviews.interviewsession", object_id__in=session_ids)
        )
    if since:
        records = records.filter(at__date__gte=since)
    if until:
        records = records.filter(at__date__lte=until)
    return records


def pending_challenge(*, session_id: int) -> ChallengePrompt | None:
    """The challenge the agent has shown and not yet marked, if any."""
    return ChallengePrompt.objects.filter(
        verification__session_id=session_id, result=ChallengePrompt.Result.PENDING
    ).first()
