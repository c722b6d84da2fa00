"""Reads of the checklist, outcomes and identity status, shared by views, consumers and tasks."""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from interviews.models import InterviewSession
from verification.models import Strength, Verification, VerificationOutcome


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
    from verification.steps import STEPS  # the steps name the services, which read these selectors

    return {
        result: [
            str(requirement.missing)
            for step in STEPS.values()
            for requirement in step.requirements
            if result in requirement.outcomes
            and requirement.applies(audio_only=audio_only)
            and not requirement.met(verification)
        ]
        for result in VerificationOutcome.Result.values
    }


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
    from verification.services import challenge_text, mask_contact

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
