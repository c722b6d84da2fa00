"""The agent's checklist, the one-time code and the outcome rules (issue 5)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit import services as audit_services
from audit.models import AuditRecord
from core.errors import DomainError
from core.sms import LocmemBackend
from interviews import services
from interviews.models import InterviewSession
from tests import factories
from verification import selectors as verification_selectors
from verification import services as verification_services
from verification.models import ChallengePrompt, OneTimeCode, VerificationOutcome

State = InterviewSession.State


def live_session(*, audio_only: bool = False, phone: str = "", claimed: bool = True) -> InterviewSession:
    """An interview under way: the taxpayer (who gave their identity details) was admitted a minute ago."""
    now = timezone.now()
    booking = factories.BookingFactory(starts_at=now - timedelta(minutes=2), audio_only=audio_only)
    profile = booking.taxpayer.taxpayer_profile
    profile.phone = phone
    for field, value in (factories.CLAIMED_IDENTITY if claimed else {}).items():
        setattr(profile, field, value)
    profile.save()
    return InterviewSession.objects.create(
        booking=booking, state=State.LIVE, admitted_at=now - timedelta(minutes=1), taxpayer_connected=True
    )


def _sent_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def _confirmed_code(session, capture) -> None:
    with capture(execute=True):
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")
    assert verification_services.code_check(
        session_id=session.pk, agent=session.booking.agent, code=_sent_code()
    ).confirmed


def _passed_challenge(session) -> None:
    challenge = verification_services.challenge_issue(session_id=session.pk, agent=session.booking.agent)
    verification_services.challenge_mark(
        session_id=session.pk, agent=session.booking.agent, challenge_id=challenge.pk, passed=True
    )


def _add(session, document_type="passport", **checks) -> None:
    values = {"unexpired": True, "security_features_checked": True, "photo_matches": True} | checks
    verification_services.evidence_add(
        session_id=session.pk, agent=session.booking.agent, document_type=document_type, issuer="U.S.", **values
    )


def _ready_for_verified(session, capture) -> None:
    _add(session)
    _passed_challenge(session)
    _confirmed_code(session, capture)
    _checklist(session, stayed_in_view=True, details_match=True)


def _checklist(session, **changes) -> None:
    values = {"details_match": False, "stayed_in_view": False, "fraud_flag": False, "fraud_reason": "", "notes": ""}
    values |= changes
    verification_services.checklist_update(session_id=session.pk, agent=session.booking.agent, **values)


def _record(session, result="verified", reasons=(), follow_up="", agent=None) -> VerificationOutcome:
    return verification_services.outcome_record(
        session_id=session.pk,
        agent=agent or session.booking.agent,
        result=result,
        reasons=list(reasons),
        follow_up=follow_up,
    )


# ---- Evidence strength ----


@pytest.mark.parametrize(
    ("documents", "strong_enough"),
    [
        ([("passport", {})], True),
        ([("drivers_license", {})], False),
        ([("drivers_license", {}), ("birth_certificate", {"photo_matches": False})], True),
        ([("drivers_license", {}), ("state_id", {})], True),
        ([("birth_certificate", {}), ("social_security_card", {})], False),
        ([("passport", {"unexpired": False})], False),
        ([("passport", {"photo_matches": False})], False),
        ([("passport", {"security_features_checked": False})], False),
        ([("drivers_license", {}), ("birth_certificate", {"unexpired": False})], False),
    ],
)
def test_evidence_strength_follows_one_superior_or_one_strong_plus_one(db, documents, strong_enough):
    session = live_session()
    for document_type, checks in documents:
        _add(session, document_type, **checks)
    verification = verification_selectors.verification_for_session(session)
    assert verification_selectors.evidence_is_strong_enough(list(verification.evidence.all())) is strong_enough


# ---- Outcome rules ----


def test_verified_when_every_required_step_is_done(db, django_capture_on_commit_callbacks):
    session = live_session()
    _ready_for_verified(session, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = _record(session)
    assert (outcome.result, outcome.assurance_level, outcome.method) == ("verified", "IAL2", "live_video")
    assert outcome.steps["document_seen_on_camera"] is True
    assert outcome.steps["evidence"][0]["document_type"] == "passport"
    assert verification_selectors.identity_status_for(session.booking.taxpayer) == outcome
    assert AuditRecord.objects.filter(action="verification.outcome", object_id=str(session.pk)).count() == 1


@pytest.mark.parametrize("skipped", ["evidence", "challenge", "code", "in_view", "details_match", "claimed"])
def test_verified_is_refused_while_a_required_step_is_missing(db, django_capture_on_commit_callbacks, skipped):
    session = live_session(claimed=skipped != "claimed")
    if skipped != "evidence":
        _add(session)
    if skipped != "challenge":
        _passed_challenge(session)
    if skipped != "code":
        _confirmed_code(session, django_capture_on_commit_callbacks)
    _checklist(session, stayed_in_view=skipped != "in_view", details_match=skipped != "details_match")
    with pytest.raises(DomainError) as error:
        _record(session)
    assert error.value.code == "incomplete"
    assert not VerificationOutcome.objects.exists()
    refusal = AuditRecord.objects.filter(action="verification.refused").get()
    assert refusal.details == {"step": "outcome", "code": "incomplete"}


def test_a_failed_latest_challenge_blocks_verified_until_another_is_passed(db, django_capture_on_commit_callbacks):
    session = live_session()
    _ready_for_verified(session, django_capture_on_commit_callbacks)
    challenge = verification_services.challenge_issue(session_id=session.pk, agent=session.booking.agent)
    verification_services.challenge_mark(
        session_id=session.pk, agent=session.booking.agent, challenge_id=challenge.pk, passed=False
    )
    with pytest.raises(DomainError):
        _record(session)
    _passed_challenge(session)
    assert _record(session).result == "verified"


def test_fraud_flag_forbids_verified_and_is_a_reason_for_not_verified(db, django_capture_on_commit_callbacks):
    session = live_session()
    _ready_for_verified(session, django_capture_on_commit_callbacks)
    _checklist(
        session, stayed_in_view=True, details_match=True, fraud_flag=True, fraud_reason="Document edges look printed"
    )
    with pytest.raises(DomainError):
        _record(session)
    outcome = _record(session, "not_verified", reasons=["document_not_genuine"])
    assert outcome.reasons == ["document_not_genuine", "suspected_fraud"]
    assert outcome.steps["fraud_reason"] == "Document edges look printed"


def test_fraud_flag_needs_a_reason(db):
    session = live_session()
    with pytest.raises(DomainError):
        _checklist(session, fraud_flag=True, fraud_reason="")


def test_not_verified_needs_a_reason_and_inconclusive_needs_what_to_bring(db):
    session = live_session()
    with pytest.raises(DomainError):
        _record(session, "not_verified")
    with pytest.raises(DomainError):
        _record(session, "inconclusive")
    outcome = _record(session, "inconclusive", follow_up="Your passport: the licence shown had expired.")
    assert (outcome.result, outcome.assurance_level) == ("inconclusive", "")
    assert verification_selectors.follow_up_outcome_for(session.booking.taxpayer) == outcome


def test_audio_only_interview_records_no_document_on_camera_and_a_lower_level(db, django_capture_on_commit_callbacks):
    session = live_session(audio_only=True)
    _add(session, "drivers_license")
    challenge = verification_services.challenge_issue(session_id=session.pk, agent=session.booking.agent)
    assert challenge.kind == "read_digits" and len(challenge.digits) == 4
    verification_services.challenge_mark(
        session_id=session.pk, agent=session.booking.agent, challenge_id=challenge.pk, passed=True
    )
    _confirmed_code(session, django_capture_on_commit_callbacks)
    _checklist(session, details_match=True)
    outcome = _record(session)
    assert (outcome.assurance_level, outcome.method) == ("IAL1", "live_audio")
    assert outcome.steps["document_seen_on_camera"] is False
    assert outcome.steps["evidence"][0]["photo_matches"] is False


def test_outcome_is_recorded_once_and_freezes_the_checklist(db):
    session = live_session()
    _record(session, "inconclusive", follow_up="A passport")
    with pytest.raises(DomainError) as error:
        _record(session, "not_verified", reasons=["technical"])
    assert error.value.code == "recorded"
    with pytest.raises(DomainError):
        _add(session)
    assert VerificationOutcome.objects.get().result == "inconclusive"


def test_only_the_assigned_agent_records_the_outcome_and_the_attempt_is_kept(db):
    session = live_session()
    intruder = factories.AgentFactory()
    with pytest.raises(DomainError) as error:
        _record(session, "inconclusive", follow_up="x", agent=intruder)
    assert error.value.code == "forbidden"
    assert not VerificationOutcome.objects.exists()
    refusal = AuditRecord.objects.get(action="verification.refused")
    assert (refusal.actor, refusal.details["code"]) == (intruder, "forbidden")


def test_checklist_steps_need_the_call_under_way(db):
    session = live_session()
    session.state, session.admitted_at = State.WAITING, None
    session.save()
    with pytest.raises(DomainError) as error:
        _add(session)
    assert error.value.code == "state"


def test_outcome_can_still_be_recorded_after_the_agent_ends_the_call(db):
    session = live_session()
    services.session_end(session_id=session.pk, agent=session.booking.agent)
    assert _record(session, "inconclusive", follow_up="A passport").result == "inconclusive"


# ---- Challenges ----


def test_a_challenge_reaches_the_taxpayer_and_must_be_marked_before_the_next(db, django_capture_on_commit_callbacks):
    session = live_session()
    challenge = verification_services.challenge_issue(session_id=session.pk, agent=session.booking.agent)
    assert challenge.kind in verification_services.CHALLENGES
    with pytest.raises(DomainError) as error:
        verification_services.challenge_issue(session_id=session.pk, agent=session.booking.agent)
    assert error.value.code == "pending"
    verification_services.challenge_mark(
        session_id=session.pk, agent=session.booking.agent, challenge_id=challenge.pk, passed=True
    )
    with pytest.raises(DomainError):
        verification_services.challenge_mark(
            session_id=session.pk, agent=session.booking.agent, challenge_id=challenge.pk, passed=False
        )
    assert ChallengePrompt.objects.get().result == "passed"


def test_challenge_text_names_the_digits_to_read():
    assert verification_services.challenge_text(kind="read_digits", digits="4071") == "Read these digits aloud: 4 0 7 1"


# ---- One-time codes ----


def test_code_is_mailed_kept_only_as_a_hash_and_confirmed(db, django_capture_on_commit_callbacks):
    session = live_session()
    with django_capture_on_commit_callbacks(execute=True):
        record = verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")
    code = _sent_code()
    assert mail.outbox[-1].to == [session.booking.taxpayer.email]
    assert code not in record.code_hash and len(record.code_hash) == 64
    check = verification_services.code_check(session_id=session.pk, agent=session.booking.agent, code=code)
    assert check.confirmed
    assert verification_selectors.code_confirmed(verification_selectors.verification_for_session(session))


def test_code_by_text_message_goes_through_the_sms_backend(db, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    LocmemBackend.outbox.clear()
    session = live_session(phone="+12025550143")
    with django_capture_on_commit_callbacks(execute=True):
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="sms")
    phone, text = LocmemBackend.outbox[-1]
    code = re.search(r"\d{6}", text).group(0)
    assert phone == "+12025550143"
    assert verification_services.code_check(session_id=session.pk, agent=session.booking.agent, code=code).confirmed


def test_sms_is_refused_without_a_phone_on_file(db):
    session = live_session()
    with pytest.raises(DomainError) as error:
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="sms")
    assert error.value.code == "no_phone"
    assert not OneTimeCode.objects.exists()


def test_wrong_codes_count_and_the_last_try_spends_the_code(db, settings, django_capture_on_commit_callbacks):
    settings.ONE_TIME_CODE_ATTEMPTS = 3
    session = live_session()
    with django_capture_on_commit_callbacks(execute=True):
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")
    real = _sent_code()
    wrong = f"{(int(real) + 1) % 10**6:06d}"
    agent = session.booking.agent
    assert verification_services.code_check(session_id=session.pk, agent=agent, code=wrong).attempts_left == 2
    assert verification_services.code_check(session_id=session.pk, agent=agent, code=wrong).attempts_left == 1
    last = verification_services.code_check(session_id=session.pk, agent=agent, code=wrong)
    assert (last.confirmed, last.attempts_left) == (False, 0)
    with pytest.raises(DomainError) as error:  # even the right code is too late now
        verification_services.code_check(session_id=session.pk, agent=agent, code=real)
    assert error.value.code == "no_code"
    assert AuditRecord.objects.filter(action="verification.code_wrong").count() == 3


def test_an_expired_code_is_refused(db, django_capture_on_commit_callbacks, settings):
    session = live_session()
    with django_capture_on_commit_callbacks(execute=True):
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")
    later = timezone.now() + timedelta(seconds=settings.ONE_TIME_CODE_SECONDS + 1)
    check = verification_services.code_check(
        session_id=session.pk, agent=session.booking.agent, code=_sent_code(), now=later
    )
    assert not check.confirmed
    assert OneTimeCode.objects.get().spent


def test_a_replaced_code_no_longer_works(db, django_capture_on_commit_callbacks):
    session = live_session()
    agent = session.booking.agent
    with django_capture_on_commit_callbacks(execute=True):
        verification_services.code_send(session_id=session.pk, agent=agent, channel="email")
    first = _sent_code()
    with django_capture_on_commit_callbacks(execute=True):
        verification_services.code_send(session_id=session.pk, agent=agent, channel="email")
    second = _sent_code()
    if first != second:
        assert not verification_services.code_check(session_id=session.pk, agent=agent, code=first).confirmed
    assert verification_services.code_check(session_id=session.pk, agent=agent, code=second).confirmed


def test_a_confirmed_code_cannot_be_replayed_or_resent(db, django_capture_on_commit_callbacks):
    session = live_session()
    _confirmed_code(session, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError) as error:
        verification_services.code_check(session_id=session.pk, agent=session.booking.agent, code=_sent_code())
    assert error.value.code == "confirmed"
    with pytest.raises(DomainError):
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")


def test_codes_per_interview_are_limited(db, settings):
    settings.ONE_TIME_CODES_PER_INTERVIEW = 2
    session = live_session()
    for _attempt in range(2):
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")
    with pytest.raises(DomainError) as error:
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")
    assert error.value.code == "too_many"


# ---- After the call ----


def test_proofing_notification_is_sent_once_with_a_report_link(db, django_capture_on_commit_callbacks):
    session = live_session()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = _record(session, "inconclusive", follow_up="A passport")
    message = mail.outbox[-1]
    assert message.to == [session.booking.taxpayer.email]
    assert "LiveVerify" in message.body and "A passport" in message.body
    token = re.search(r"/report/([^/\s]+)/", message.body).group(1)
    assert verification_services.report_outcome_from_token(token) == outcome
    assert verification_services.outcome_notify(outcome_id=outcome.pk) is False
    assert len([m for m in mail.outbox if m.subject == message.subject]) == 1


def test_a_tampered_report_token_names_no_outcome(db):
    session = live_session()
    outcome = _record(session, "inconclusive", follow_up="A passport")
    token = verification_services.report_token(outcome)
    assert verification_services.report_outcome_from_token(token[:-2] + "xx") is None


def test_report_is_kept_audited_and_supervisors_are_told(db, django_capture_on_commit_callbacks):
    supervisor = factories.SupervisorFactory()
    session = live_session()
    outcome = _record(session, "inconclusive", follow_up="A passport")
    with django_capture_on_commit_callbacks(execute=True):
        report = verification_services.report_create(outcome=outcome, details="I had no interview that day.")
    assert mail.outbox[-1].to == [supervisor.email]
    assert AuditRecord.objects.filter(action="verification.reported").count() == 1
    verification_services.report_review(report_id=report.pk, supervisor=supervisor)
    with pytest.raises(DomainError):
        verification_services.report_review(report_id=report.pk, supervisor=supervisor)


def test_follow_up_booking_skips_the_minimum_notice_once(db):
    from scheduling import services as scheduling_services
    from scheduling.models import WeeklyHours

    session = live_session()
    outcome = _record(session, "inconclusive", follow_up="A passport")
    session.booking.status = "completed"
    session.booking.save()
    agent = session.booking.agent
    now = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)
    for weekday in range(7):
        WeeklyHours.objects.create(agent=agent, weekday=weekday, start="00:00", end="23:59")
    soon = now + timedelta(minutes=30)
    with pytest.raises(DomainError) as error:
        scheduling_services.booking_create(taxpayer=factories.TaxpayerFactory(), starts_at=soon, language="en", now=now)
    assert error.value.code == "notice"
    booking = scheduling_services.booking_create(taxpayer=outcome.taxpayer, starts_at=soon, language="en", now=now)
    outcome.refresh_from_db()
    assert outcome.follow_up_booking == booking
    assert verification_selectors.follow_up_outcome_for(outcome.taxpayer) is None


# ---- Retention ----


def test_retention_purges_call_metadata_but_keeps_outcome_and_audit(db, settings, django_capture_on_commit_callbacks):
    session = live_session()
    with django_capture_on_commit_callbacks(execute=True):
        verification_services.code_send(session_id=session.pk, agent=session.booking.agent, channel="email")
    services.session_end(session_id=session.pk, agent=session.booking.agent)
    InterviewSession.objects.filter(pk=session.pk).update(waiting_since=timezone.now())
    _record(session, "inconclusive", follow_up="A passport")
    records = AuditRecord.objects.count()
    assert services.metadata_purge()["codes"] == 0  # too recent
    later = timezone.now() + timedelta(days=settings.METADATA_RETENTION_DAYS + 1)
    purged = services.metadata_purge(now=later)
    assert purged["codes"] == 1 and purged["events"] >= 1 and purged["sessions"] == 1
    session.refresh_from_db()
    assert session.waiting_since is None and session.ended_at is not None
    assert VerificationOutcome.objects.filter(session=session).exists()
    assert AuditRecord.objects.count() == records
    assert audit_services.audit_chain_verify() is None
