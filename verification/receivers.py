"""Verification's answers to the signals of the apps below it (connected in apps.py)."""

from accounts.models import User
from verification import selectors, services
from verification.models import ChallengePrompt, OneTimeCode, VerificationOutcome


def latest_verified_outcome(sender, *, user: User, **kwargs) -> VerificationOutcome | None:
    """Accounts asks whether a person's identity is verified: their latest verified outcome."""
    return selectors.identity_status_for(user)


def inconclusive_outcome_to_follow_up(sender, *, taxpayer: User, **kwargs) -> VerificationOutcome | None:
    """Scheduling asks whether a new booking follows up an inconclusive interview."""
    return selectors.follow_up_outcome_for(taxpayer)


def link_follow_up(sender, *, booking, follow_up_of: VerificationOutcome | None, **kwargs) -> None:
    """A follow-up booking is made: the inconclusive outcome points at it."""
    if follow_up_of is not None:
        follow_up_of.follow_up_booking = booking
        follow_up_of.save(update_fields=["follow_up_booking"])


def challenge_on_screen(sender, *, session_id: int, role: str, **kwargs) -> list[dict]:
    """A taxpayer who reloads sees the challenge the agent is waiting on again."""
    if role != "taxpayer":
        return []
    pending = (
        ChallengePrompt.objects.select_related("verification__session__booking__taxpayer")
        .filter(verification__session_id=session_id, result=ChallengePrompt.Result.PENDING)
        .first()
    )
    if pending is None:
        return []
    taxpayer = pending.verification.session.booking.taxpayer
    return [services.challenge_event(taxpayer=taxpayer, kind=pending.kind, digits=pending.digits).model_dump()]


def purge_codes(sender, *, sessions, **kwargs) -> dict[str, int]:
    """Retention: one-time code hashes go with the rest of old call metadata."""
    codes, _rows = OneTimeCode.objects.filter(verification__session__in=sessions).delete()
    return {"codes": codes}
