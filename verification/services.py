"""The agent's checklist, the one-time code, the outcome, the proofing notice and reports."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from audit.services import audit_append
from core.errors import DomainError
from core.mail import mail_message, site_url, zone_name
from interviews.events import InterviewChallenge, InterviewCodeSent, InterviewOutcome
from interviews.models import InterviewSession
from interviews.services import State, session_group_send, session_locked
from verification import selectors
from verification.models import (
    ChallengePrompt,
    EvidenceItem,
    OneTimeCode,
    ProofingReport,
    Verification,
    VerificationOutcome,
)

# Instructions shown on the taxpayer's screen; the agent sees the same words and judges.
CHALLENGES = {
    "three_fingers": gettext_lazy("Hold up three fingers beside your face."),
    "turn_left": gettext_lazy("Turn your head slowly to your left, then back to the camera."),
    "turn_right": gettext_lazy("Turn your head slowly to your right, then back to the camera."),
    "look_up": gettext_lazy("Look up at the ceiling, then back at the camera."),
    "wave": gettext_lazy("Wave your hand slowly in front of the camera."),
    "read_digits": gettext_lazy("Read these digits aloud: %(digits)s"),
}
AUDIO_CHALLENGES = ("read_digits",)


def challenge_text(*, kind: str, digits: str) -> str:
    """The instruction in the active language."""
    text = str(CHALLENGES[kind])
    return text % {"digits": " ".join(digits)} if digits else text


def challenge_event(*, taxpayer: User, kind: str, digits: str) -> InterviewChallenge:
    """The channel-layer event that puts a challenge on the taxpayer's screen, in their language
    ("" kind: the challenge is over and its words go)."""
    with translation.override(taxpayer.preferred_language):
        text = challenge_text(kind=kind, digits=digits) if kind else ""
    return InterviewChallenge(text=text)


def _checklist_session(*, session_id: int, agent: User, outcome: bool = False) -> InterviewSession:
    """Lock the session for a checklist step by its assigned agent, while the step can be done."""
    session = session_locked(session_id)
    if session.booking.agent_id != agent.pk:
        raise DomainError(_("Only the assigned agent can fill in the checklist."), code="forbidden")
    if hasattr(session, "outcome"):
        raise DomainError(_("The outcome is recorded; the checklist cannot change."), code="recorded")
    allowed = (State.LIVE, State.INTERRUPTED, State.COMPLETED) if outcome else (State.LIVE, State.INTERRUPTED)
    if session.admitted_at is None or session.state not in allowed:
        raise DomainError(_("This can only be done during the interview."), code="state")
    return session


def refusal_record(*, actor: User | None, session_id: int, step: str, code: str) -> None:
    """Keep a record of a refused checklist or outcome attempt (in its own transaction)."""
    session = InterviewSession.objects.filter(pk=session_id).first()
    if session is None:
        return
    with transaction.atomic():
        audit_append(actor=actor, action="verification.refused", obj=session, details={"step": step, "code": code})


@transaction.atomic
def evidence_add(
    *,
    session_id: int,
    agent: User,
    document_type: str,
    issuer: str,
    unexpired: bool,
    security_features_checked: bool,
    photo_matches: bool,
) -> EvidenceItem:
    """Describe one document the taxpayer showed (or, audio-only, read out)."""
    session = _checklist_session(session_id=session_id, agent=agent)
    verification = selectors.verification_for_session(session)
    if verification.evidence.count() >= 10:
        raise DomainError(_("At most 10 documents can be listed."), code="too_many")
    if session.booking.audio_only:
        # Nothing was seen on camera: say so rather than let a box be ticked.
        security_features_checked = photo_matches = False
    item = EvidenceItem.objects.create(
        verification=verification,
        document_type=document_type,
        issuer=issuer,
        unexpired=unexpired,
        security_features_checked=security_features_checked,
        photo_matches=photo_matches,
    )
    audit_append(
        actor=agent,
        action="verification.evidence_add",
        obj=session,
        details={
            "evidence": item.pk,
            "document_type": document_type,
            "issuer": issuer,
            "unexpired": unexpired,
            "security_features_checked": security_features_checked,
            "photo_matches": photo_matches,
        },
    )
    return item


@transaction.atomic
def evidence_remove(*, session_id: int, agent: User, evidence_id: int) -> None:
    """Take back a document entered by mistake."""
    session = _checklist_session(session_id=session_id, agent=agent)
    deleted, _rows = EvidenceItem.objects.filter(pk=evidence_id, verification__session=session).delete()
    if not deleted:
        raise DomainError(_("That document is not on this checklist."), code="not_found")
    audit_append(actor=agent, action="verification.evidence_remove", obj=session, details={"evidence": evidence_id})


@transaction.atomic
def challenge_issue(*, session_id: int, agent: User, now: datetime | None = None) -> ChallengePrompt:
    """Pick a random instruction and show it on the taxpayer's screen."""
    session = _checklist_session(session_id=session_id, agent=agent)
    verification = selectors.verification_for_session(session)
    if verification.challenges.filter(result=ChallengePrompt.Result.PENDING).exists():
        raise DomainError(_("Mark the current challenge passed or failed first."), code="pending")
    kinds = AUDIO_CHALLENGES if session.booking.audio_only else tuple(CHALLENGES)
    kind = secrets.choice(kinds)
    digits = "".join(secrets.choice("0123456789") for _i in range(4)) if kind == "read_digits" else ""
    challenge = ChallengePrompt.objects.create(
        verification=verification, kind=kind, digits=digits, issued_at=now or timezone.now()
    )
    audit_append(
        actor=agent,
        action="verification.challenge_issue",
        obj=session,
        details={"challenge": challenge.pk, "kind": kind},
    )
    session_group_send(session, challenge_event(taxpayer=session.booking.taxpayer, kind=kind, digits=digits))
    return challenge


@transaction.atomic
def challenge_mark(*, session_id: int, agent: User, challenge_id: int, passed: bool) -> ChallengePrompt:
    """The agent's judgement of the pending challenge."""
    session = _checklist_session(session_id=session_id, agent=agent)
    challenge = ChallengePrompt.objects.filter(
        pk=challenge_id, verification__session=session, result=ChallengePrompt.Result.PENDING
    ).first()
    if challenge is None:
        raise DomainError(_("That challenge is not waiting for a result."), code="not_found")
    challenge.result = ChallengePrompt.Result.PASSED if passed else ChallengePrompt.Result.FAILED
    challenge.decided_at = timezone.now()
    challenge.save(update_fields=["result", "decided_at"])
    audit_append(
        actor=agent,
        action="verification.challenge_mark",
        obj=session,
        details={"challenge": challenge.pk, "result": challenge.result},
    )
    session_group_send(session, challenge_event(taxpayer=session.booking.taxpayer, kind="", digits=""))
    return challenge


def _code_hash(verification_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"one-time-code:{verification_id}:{code}".encode(), hashlib.sha256).hexdigest()


def mask_contact(channel: str, user: User) -> str:
    """The contact a code went to, shown partly ("m•••@example.org", "•••0143")."""
    if channel == OneTimeCode.Channel.SMS:
        return "•••" + user.taxpayer_profile.phone[-4:]
    local, _at, domain = user.email.partition("@")
    return f"{local[:1]}•••@{domain}"


@transaction.atomic
def code_send(*, session_id: int, agent: User, channel: str, now: datetime | None = None) -> OneTimeCode:
    """Send a fresh one-time code to the contact on file; any earlier code stops working."""
    now = now or timezone.now()
    session = _checklist_session(session_id=session_id, agent=agent)
    verification = selectors.verification_for_session(session)
    taxpayer = session.booking.taxpayer
    phone = getattr(getattr(taxpayer, "taxpayer_profile", None), "phone", "")
    if channel == OneTimeCode.Channel.SMS and not phone:
        raise DomainError(_("There is no mobile number on file: send the code by email."), code="no_phone")
    if verification.codes.count() >= settings.ONE_TIME_CODES_PER_INTERVIEW:
        raise DomainError(_("No more codes can be sent in this interview."), code="too_many")
    if selectors.code_confirmed(verification):
        raise DomainError(_("The code is already confirmed."), code="confirmed")
    verification.codes.filter(spent=False).update(spent=True)
    code = f"{secrets.randbelow(10**6):06d}"
    record = OneTimeCode.objects.create(
        verification=verification,
        channel=channel,
        code_hash=_code_hash(verification.pk, code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.ONE_TIME_CODE_SECONDS),
    )
    audit_append(actor=agent, action="verification.code_send", obj=session, details={"channel": channel})
    sent_to = mask_contact(channel, taxpayer)
    transaction.on_commit(lambda: _code_deliver(taxpayer=taxpayer, channel=channel, code=code, phone=phone))
    session_group_send(session, InterviewCodeSent(channel=channel, sent_to=sent_to))
    return record


def _code_deliver(*, taxpayer: User, channel: str, code: str, phone: str) -> None:
    """The code itself goes out directly, never through the broker (it would sit in Redis)."""
    from core.sms import sms_send

    minutes = settings.ONE_TIME_CODE_SECONDS // 60
    with translation.override(taxpayer.preferred_language):
        text = _("Your LiveVerify code is %(code)s. Read it to your agent. It works for %(minutes)s minutes.") % {
            "code": code,
            "minutes": minutes,
        }
        if channel == OneTimeCode.Channel.SMS:
            sms_send(phone=phone, text=text)
        else:
            EmailMessage(_("Your LiveVerify code"), text, to=[taxpayer.email]).send()


@dataclass
class CodeCheck:
    confirmed: bool
    attempts_left: int
    message: str


@transaction.atomic
def code_check(*, session_id: int, agent: User, code: str, now: datetime | None = None) -> CodeCheck:
    """Compare the code the taxpayer read out with the one sent. Every wrong try counts and is
    kept (so this returns rather than raises); the last allowed wrong try spends the code."""
    now = now or timezone.now()
    session = _checklist_session(session_id=session_id, agent=agent)
    verification = selectors.verification_for_session(session)
    if selectors.code_confirmed(verification):
        raise DomainError(_("The code is already confirmed."), code="confirmed")
    record = verification.codes.select_for_update().filter(spent=False).order_by("-created_at").first()
    if record is None:
        raise DomainError(_("No code is waiting: send a new code."), code="no_code")
    if record.expires_at <= now:
        record.spent = True
        record.save(update_fields=["spent"])
        audit_append(actor=agent, action="verification.code_expired", obj=session)
        return CodeCheck(False, 0, _("That code has expired: send a new code."))
    record.attempts += 1
    if hmac.compare_digest(record.code_hash, _code_hash(verification.pk, code)):
        record.confirmed_at, record.spent = now, True
        record.save(update_fields=["attempts", "confirmed_at", "spent"])
        audit_append(actor=agent, action="verification.code_confirmed", obj=session)
        # The taxpayer's "read the code aloud" notice goes away.
        session_group_send(session, InterviewCodeSent(channel=record.channel, sent_to=""))
        return CodeCheck(True, 0, _("The code is confirmed."))
    left = settings.ONE_TIME_CODE_ATTEMPTS - record.attempts
    record.spent = left <= 0
    record.save(update_fields=["attempts", "spent"])
    audit_append(actor=agent, action="verification.code_wrong", obj=session, details={"attempts_left": left})
    if left <= 0:
        return CodeCheck(False, 0, _("That code is wrong and no tries are left: send a new code."))
    message = ngettext("That code is wrong. %(left)s try left.", "That code is wrong. %(left)s tries left.", left) % {
        "left": left
    }
    return CodeCheck(False, left, message)


@transaction.atomic
def checklist_update(
    *, session_id: int, agent: User, fraud_reason: str, notes: str, **confirmations: bool
) -> Verification:
    """The confirmation boxes of the steps table, the fraud flag's reason and the notes (which must
    not describe the person's body)."""
    from verification.steps import CONFIRMATIONS

    if set(confirmations) != {box.field for box in CONFIRMATIONS}:
        raise TypeError(f"checklist_update() takes the confirmations {[box.field for box in CONFIRMATIONS]}")
    session = _checklist_session(session_id=session_id, agent=agent, outcome=True)
    if confirmations["fraud_flag"] and not fraud_reason:
        raise DomainError(_("Say why you suspect fraud."), code="invalid")
    verification = selectors.verification_for_session(session)
    audio_only = session.booking.audio_only
    # A box about something seen cannot be ticked when nothing was seen.
    changes = {box.field: confirmations[box.field] and box.applies(audio_only=audio_only) for box in CONFIRMATIONS}
    changes["fraud_reason"] = fraud_reason if changes["fraud_flag"] else ""
    verification.notes = notes
    for field, value in changes.items():
        setattr(verification, field, value)
    verification.save()
    audit_append(
        actor=agent,
        action="verification.checklist",
        obj=session,
        details=changes | {"notes_characters": len(notes)},
    )
    return verification


def _outcome_steps(verification: Verification, *, audio_only: bool) -> dict:
    """What was done, in words, to keep with the outcome: each step's part of the record."""
    from verification.steps import STEPS

    steps = {"audio_only": audio_only}
    for step in STEPS.values():
        if step.record:
            steps |= step.record(verification, audio_only)
    return steps


def outcome_record(
    *, session_id: int, agent: User, result: str, reasons: list[str], follow_up: str, now: datetime | None = None
) -> VerificationOutcome:
    """Record the decision once, when the steps that decision needs are done; a refused
    attempt by someone else, or with steps missing, leaves an audit record."""
    try:
        return _outcome_record(
            session_id=session_id, agent=agent, result=result, reasons=reasons, follow_up=follow_up, now=now
        )
    except DomainError as error:
        refusal_record(actor=agent, session_id=session_id, step="outcome", code=error.code)
        raise


@transaction.atomic
def _outcome_record(
    *, session_id: int, agent: User, result: str, reasons: list[str], follow_up: str, now: datetime | None
) -> VerificationOutcome:
    session = _checklist_session(session_id=session_id, agent=agent, outcome=True)
    verification = selectors.verification_for_session(session)
    booking = session.booking
    Result = VerificationOutcome.Result
    if verification.fraud_flag and result == Result.NOT_VERIFIED and "suspected_fraud" not in reasons:
        reasons = [*reasons, "suspected_fraud"]
    if result == Result.VERIFIED:
        missing = selectors.outcome_missing(verification, audio_only=booking.audio_only)["verified"]
        if missing:
            raise DomainError(" ".join(missing), code="incomplete")
        reasons, follow_up = [], ""
    elif result == Result.NOT_VERIFIED:
        if not reasons:
            raise DomainError(_("Choose at least one reason."), code="incomplete")
        follow_up = ""
    elif not follow_up:
        raise DomainError(_("Say what the person should bring next time."), code="incomplete")
    method = VerificationOutcome.Method.AUDIO if booking.audio_only else VerificationOutcome.Method.VIDEO
    level = ""
    if result == Result.VERIFIED:
        level = VerificationOutcome.Assurance.IAL1 if booking.audio_only else VerificationOutcome.Assurance.IAL2
    outcome = VerificationOutcome.objects.create(
        session=session,
        taxpayer=booking.taxpayer,
        result=result,
        reasons=reasons,
        follow_up=follow_up,
        method=method,
        assurance_level=level,
        steps=_outcome_steps(verification, audio_only=booking.audio_only),
        decided_by=agent,
        decided_at=now or timezone.now(),
    )
    follow_up_of = VerificationOutcome.objects.filter(follow_up_booking=booking).first()
    audit_append(
        actor=agent,
        action="verification.outcome",
        obj=session,
        details={
            "outcome": outcome.pk,
            "result": result,
            "reasons": reasons,
            "method": method,
            "assurance_level": level,
            "follow_up_of": follow_up_of.pk if follow_up_of else None,
        },
    )
    from verification.tasks import send_outcome_notification

    transaction.on_commit(lambda: send_outcome_notification.delay(outcome.pk))
    session_group_send(session, InterviewOutcome(result=result))
    return outcome


REPORT_SALT = "interviews.proofing-report"
REPORT_MAX_AGE = timedelta(days=90)


def report_token(outcome: VerificationOutcome) -> str:
    """The signed key of a "this wasn't me" link: names the outcome, expires after 90 days."""
    return signing.dumps(outcome.pk, salt=REPORT_SALT, compress=True)


def report_outcome_from_token(token: str) -> VerificationOutcome | None:
    try:
        outcome_id = signing.loads(token, salt=REPORT_SALT, max_age=REPORT_MAX_AGE)
    except signing.BadSignature:
        return None
    return VerificationOutcome.objects.select_related("taxpayer").filter(pk=outcome_id).first()


@transaction.atomic
def outcome_notify(*, outcome_id: int, now: datetime | None = None) -> bool:
    """Tell the taxpayer, at their verified address, that an identity proofing took place (once).

    The outcome row is locked and marked in the same transaction as the send: a retry after a
    failed send sends it, a duplicate task finds it marked and sends nothing.
    """
    outcome = (
        VerificationOutcome.objects.select_for_update(of=("self",))
        .select_related("taxpayer", "session__booking")
        .filter(pk=outcome_id, notified_at__isnull=True)
        .first()
    )
    if outcome is None or outcome.taxpayer.email_verified_at is None:
        return False
    taxpayer = outcome.taxpayer
    message = mail_message(
        to=taxpayer.email,
        template="proofing",
        context={
            "outcome": outcome,
            "user": taxpayer,
            "zone_name": zone_name(taxpayer),
            "result_url": site_url(reverse("verification:result")),
            "report_url": site_url(reverse("verification:report", args=[report_token(outcome)])),
            "book_url": site_url(reverse("scheduling:book")),
        },
        language=taxpayer.preferred_language,
        time_zone=taxpayer.time_zone,
    )
    outcome.notified_at = now or timezone.now()
    outcome.save(update_fields=["notified_at"])
    message.send()
    return True


@transaction.atomic
def report_create(*, outcome: VerificationOutcome, details: str) -> ProofingReport:
    """Someone says a proofing in their name was not them: keep it and tell the supervisors, each
    in their own language. The same report sent again (a refresh, a double click) is kept once."""
    VerificationOutcome.objects.select_for_update().filter(pk=outcome.pk).first()  # one report at a time
    same = ProofingReport.objects.filter(outcome=outcome, details=details, reviewed_at=None).first()
    if same is not None:
        return same
    report = ProofingReport.objects.create(outcome=outcome, details=details)
    audit_append(actor=None, action="verification.reported", obj=outcome, details={"report": report.pk})
    url = site_url(reverse("verification:report_list"))
    for supervisor in User.objects.filter(role=User.Role.SUPERVISOR, is_active=True):
        with translation.override(supervisor.preferred_language):
            message = EmailMessage(
                _("LiveVerify: someone says an identity interview was not them"),
                _("Report %(number)s is about interview %(reference)s. Review it at %(url)s")
                % {"number": report.pk, "reference": outcome.session.booking.reference, "url": url},
                to=[supervisor.email],
            )
        transaction.on_commit(message.send)
    return report


@transaction.atomic
def report_review(*, report_id: int, supervisor: User, now: datetime | None = None) -> ProofingReport:
    """A supervisor marks a report as looked into."""
    report = ProofingReport.objects.select_for_update().get(pk=report_id)
    if report.reviewed_at is not None:
        raise DomainError(_("This report is already marked as reviewed."), code="reviewed")
    report.reviewed_by, report.reviewed_at = supervisor, now or timezone.now()
    report.save(update_fields=["reviewed_by", "reviewed_at"])
    audit_append(
        actor=supervisor, action="verification.report_reviewed", obj=report.outcome, details={"report": report.pk}
    )
    return report
