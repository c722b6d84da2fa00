"""The checklist endpoint, the result and report pages, and the supervisors' audit trail (issue 5)."""

import csv
import io
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from audit.models import AuditRecord
from interviews import services
from operations.models import QueueSettings
from tests import factories
from tests.conftest import staff_client
from tests.interviews.test_verification import live_session
from verification import services as verification_services
from verification.models import EvidenceItem, ProofingReport, VerificationOutcome


def _url(session, action=""):
    base = f"/agent/interviews/{session.booking.reference}/checklist/"
    return f"{base}{action}/" if action else base


@pytest.fixture
def session(db):
    return live_session()


@pytest.fixture
def agent_of(session):
    return staff_client(session.booking.agent)


def test_agent_page_shows_the_claimed_identity_and_checklist(session, agent_of):
    profile = session.booking.taxpayer.taxpayer_profile
    profile.street_address, profile.city, profile.state, profile.postal_code = "1 Main St", "Austin", "TX", "78701"
    profile.save()
    response = agent_of.get(f"/agent/interviews/{session.booking.reference}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 Main St, Austin, TX 78701" in page
    assert "Identity checklist" in page and "Do not describe the person" in page


def test_a_finished_interview_opens_without_the_call_but_with_the_checklist(session, agent_of):
    live = agent_of.get(f"/agent/interviews/{session.booking.reference}/").content.decode()
    assert "data-interview" in live and "interviews/js/interview.js" in live
    services.session_end(session_id=session.pk, agent=session.booking.agent)

    page = agent_of.get(f"/agent/interviews/{session.booking.reference}/").content.decode()

    assert "This interview is over." in page and "Identity checklist" in page
    assert "data-interview" not in page and "interviews/js/interview.js" not in page


def test_checklist_state_is_json_for_the_assigned_agent(session, agent_of):
    response = agent_of.get(_url(session))
    assert response.status_code == 200
    state = response.json()["state"]
    assert state["editable"] is True and state["evidence"] == [] and state["outcome"] is None
    assert "Confirm the one-time code." in state["missing"]["verified"]


def test_evidence_step_adds_a_document_and_returns_the_new_state(session, agent_of):
    response = agent_of.post(
        _url(session, "evidence"),
        {"document_type": "passport", "issuer": "U.S. Department of State", "unexpired": "on", "photo_matches": "on"},
    )
    assert response.status_code == 200
    assert response.json()["state"]["evidence"][0]["document"] == "Passport"
    assert EvidenceItem.objects.get().security_features_checked is False


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("evidence", {"document_type": "selfie", "issuer": "x"}, "document_type"),
        ("evidence", {"document_type": "passport", "issuer": ""}, "issuer"),
        ("evidence", {"document_type": "passport", "issuer": "x" * 101}, "issuer"),
        ("code-check", {"code": "12ab56"}, "code"),
        ("code-send", {"channel": "pigeon"}, "channel"),
        ("checklist", {"fraud_flag": "on", "fraud_reason": ""}, "fraud_reason"),
        ("checklist", {"notes": "n" * 2001}, "notes"),
        ("outcome", {"result": "maybe"}, "result"),
        ("outcome", {"result": "not_verified"}, "reasons"),
        ("outcome", {"result": "inconclusive", "follow_up": " "}, "follow_up"),
        ("challenge-mark", {"challenge": "x", "result": "passed"}, "challenge"),
    ],
)
def test_bad_input_gets_field_errors_and_changes_nothing(session, agent_of, action, data, field):
    records = AuditRecord.objects.count()
    response = agent_of.post(_url(session, action), data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert AuditRecord.objects.count() == records
    assert not EvidenceItem.objects.exists() and not VerificationOutcome.objects.exists()


def test_skipped_steps_refuse_verified_with_a_clear_message(session, agent_of):
    response = agent_of.post(_url(session, "outcome"), {"result": "verified"})
    assert response.status_code == 409
    assert "one-time code" in response.json()["error"]["message"]
    assert not VerificationOutcome.objects.exists()
    assert AuditRecord.objects.filter(action="verification.refused").count() == 1


def test_a_wrong_code_is_a_400_that_says_how_many_tries_are_left(session, agent_of, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        agent_of.post(_url(session, "code-send"), {"channel": "email"})
    real = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = f"{(int(real) + 1) % 10**6:06d}"
    response = agent_of.post(_url(session, "code-check"), {"code": wrong})
    assert response.status_code == 400
    assert "4 tries left" in response.json()["error"]["message"]
    response = agent_of.post(_url(session, "code-check"), {"code": f"{real[:3]} {real[3:]}"})
    assert response.status_code == 200 and response.json()["state"]["code"]["confirmed"]


def test_unknown_step_is_a_404(session, agent_of):
    assert agent_of.post(_url(session, "approve-everything"), {}).status_code == 404


@pytest.mark.parametrize("who", ["other_agent", "taxpayer", "other_taxpayer", "supervisor"])
def test_only_the_assigned_agent_may_post_and_the_attempt_is_audited(session, who):
    people = {
        "other_agent": lambda: staff_client(factories.AgentFactory()),
        "supervisor": lambda: staff_client(factories.SupervisorFactory()),
        "taxpayer": lambda: _client_for(session.booking.taxpayer),
        "other_taxpayer": lambda: _client_for(factories.TaxpayerFactory()),
    }
    client = people[who]()
    response = client.post(_url(session, "outcome"), {"result": "inconclusive", "follow_up": "x"})
    assert response.status_code == 403
    assert not VerificationOutcome.objects.exists()
    assert AuditRecord.objects.get(action="verification.refused").details == {"step": "outcome", "code": "forbidden"}
    assert client.get(_url(session)).status_code == 403


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_result_page_shows_only_the_taxpayers_own_outcomes(session):
    outcome = verification_services.outcome_record(
        session_id=session.pk, agent=session.booking.agent, result="inconclusive", reasons=[], follow_up="A passport"
    )
    own = _client_for(outcome.taxpayer).get("/me/result/").content.decode()
    assert "A passport" in own and "Book your follow-up interview" in own
    other = _client_for(factories.TaxpayerFactory()).get("/me/result/").content.decode()
    assert "A passport" not in other and "You have no result yet" in other


def test_an_ended_interview_without_an_outcome_says_the_result_is_on_its_way(session):
    taxpayer, agent = session.booking.taxpayer, session.booking.agent
    services.session_end(session_id=session.pk, agent=agent)
    client = _client_for(taxpayer)
    for page in ("/me/result/", "/me/"):
        content = client.get(page).content.decode()
        assert "Your result is on its way" in content
        assert "You have no result yet" not in content
    assert (
        "Your result is on its way" not in _client_for(factories.TaxpayerFactory()).get("/me/result/").content.decode()
    )

    verification_services.outcome_record(
        session_id=session.pk, agent=agent, result="inconclusive", reasons=[], follow_up="A passport"
    )

    assert "Your result is on its way" not in client.get("/me/result/").content.decode()


def test_agents_and_supervisors_cannot_open_the_taxpayer_result_page(session):
    assert staff_client(session.booking.agent).get("/me/result/").status_code == 403


def test_report_link_opens_a_form_and_keeps_the_report(session):
    outcome = verification_services.outcome_record(
        session_id=session.pk, agent=session.booking.agent, result="inconclusive", reasons=[], follow_up="A passport"
    )
    url = f"/report/{verification_services.report_token(outcome)}/"
    assert Client().get(url).status_code == 200
    response = Client().post(url, {"details": ""})
    assert response.status_code == 200 and not ProofingReport.objects.exists()
    response = Client().post(url, {"details": "It was not me."}, follow=True)
    assert response.redirect_chain == [(f"{url}sent/", 302)]
    assert "we have your report" in response.content.decode()
    assert ProofingReport.objects.get().details == "It was not me."
    Client().post(url, {"details": "It was not me."})  # sent again: kept once
    assert ProofingReport.objects.count() == 1
    assert Client().get("/report/forged-token/").status_code == 404
    assert Client().get("/report/forged-token/sent/").status_code == 404


def test_supervisors_are_told_of_a_report_in_their_own_language(session, django_capture_on_commit_callbacks):
    factories.SupervisorFactory(preferred_language="es", email="sup.es@example.org")
    factories.SupervisorFactory(preferred_language="en", email="sup.en@example.org")
    outcome = verification_services.outcome_record(
        session_id=session.pk, agent=session.booking.agent, result="inconclusive", reasons=[], follow_up="A passport"
    )
    mail.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        verification_services.report_create(outcome=outcome, details="Not me")

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["sup.en@example.org"].startswith("LiveVerify: someone says")
    assert not subjects["sup.es@example.org"].startswith("LiveVerify: someone says")


def test_supervisors_review_reports(session, supervisor):
    outcome = verification_services.outcome_record(
        session_id=session.pk, agent=session.booking.agent, result="inconclusive", reasons=[], follow_up="A passport"
    )
    report = verification_services.report_create(outcome=outcome, details="Not me")
    client = staff_client(supervisor)
    assert "Not me" in client.get("/supervisor/reports/").content.decode()
    client.post("/supervisor/reports/", {"report": report.pk})
    assert ProofingReport.objects.get().reviewed_by == supervisor
    assert client.post("/supervisor/reports/", {"report": "nope"}).status_code == 302
    assert staff_client(session.booking.agent).get("/supervisor/reports/").status_code == 403


def test_supervisor_reads_an_interviews_checklist_but_agents_cannot(session, supervisor):
    verification_services.evidence_add(
        session_id=session.pk,
        agent=session.booking.agent,
        document_type="state_id",
        issuer="Texas",
        unexpired=True,
        security_features_checked=True,
        photo_matches=True,
    )
    page = staff_client(supervisor).get(f"/supervisor/interviews/{session.booking.reference}/")
    assert page.status_code == 200 and "State ID card (Texas)" in page.content.decode()
    assert "verification.evidence_add" in page.content.decode()
    assert (
        staff_client(session.booking.agent).get(f"/supervisor/interviews/{session.booking.reference}/").status_code
        == 403
    )


def test_audit_trail_filters_and_exports_csv(session, supervisor):
    verification_services.challenge_issue(session_id=session.pk, agent=session.booking.agent)
    client = staff_client(supervisor)
    page = client.get("/supervisor/audit/", {"action": "verification.", "reference": session.booking.reference})
    assert page.status_code == 200
    assert "verification.challenge_issue" in page.content.decode()
    response = client.get(
        "/supervisor/audit/", {"action": "verification.", "reference": session.booking.reference, "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    assert [row[3] for row in rows[1:]] == ["verification.challenge_issue"]
    assert AuditRecord.objects.filter(action="audit.export", actor=supervisor).count() == 1


def test_audit_trail_with_bad_dates_shows_an_error_and_no_records(supervisor, db):
    response = staff_client(supervisor).get("/supervisor/audit/", {"since": "2026-02-30"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode() and "No records match" in response.content.decode()


def test_audit_trail_is_for_supervisors_only(session):
    assert staff_client(session.booking.agent).get("/supervisor/audit/").status_code == 403
    assert _client_for(session.booking.taxpayer).get("/supervisor/audit/").status_code == 403


def test_a_verified_taxpayer_is_told_before_booking_or_queueing_again(db):
    taxpayer = factories.TaxpayerFactory()
    client = _client_for(taxpayer)
    assert "You only need another interview" not in client.get("/book/").content.decode()
    factories.VerifiedOutcomeFactory(taxpayer=taxpayer)
    rules = QueueSettings.objects.get_or_create(pk=1)[0]
    rules.open_languages = ["en"]
    rules.save()

    for page in ("/book/", "/me/talk-now/"):
        assert "You only need another interview" in client.get(page).content.decode()


def test_a_post_to_the_checklist_without_a_step_is_refused_with_a_structured_error(session, agent_of):
    response = agent_of.post(_url(session))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "no_step"
