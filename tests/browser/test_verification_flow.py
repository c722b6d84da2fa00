"""The agent verifies a taxpayer in a real call: evidence, a live challenge, the one-time code, the outcome."""

import re

from django.core import mail

from audit.models import AuditRecord
from tests import factories
from tests.browser.conftest import axe_violations, log_in
from tests.browser.test_interview_call import _booking_starting_soon, _until
from verification.models import VerificationOutcome


def _tick(scope, label: str) -> None:
    """Tick a USWDS checkbox or radio as a person does: by its label (the input itself is drawn off-screen)."""
    input_id = scope.get_by_label(label, exact=True).get_attribute("id")
    scope.locator(f"label[for='{input_id}']").click()


def agent_verifies(page, agent_page, *, wrong_code_first: bool = False) -> None:
    """The agent works down the checklist during the call and records "verified": a passport,
    a live challenge the taxpayer sees, the one-time code they read out, details match, "stayed in view".
    The taxpayer must have given their identity details."""
    checklist = agent_page.locator("[data-checklist]")
    checklist.get_by_label("Document", exact=True).select_option("passport")
    checklist.get_by_label("Issued by").fill("U.S. Department of State")
    _tick(checklist, "Not expired")
    _tick(checklist, "Security features checked")
    _tick(checklist, "Photo matches the person on camera")
    checklist.get_by_role("button", name="Add this document").click()
    checklist.get_by_text("Passport (U.S. Department of State), superior").wait_for()

    checklist.get_by_role("button", name="Show a challenge on their screen").click()
    page.locator("[data-challenge-box]:not([hidden])").wait_for()
    checklist.get_by_text("(Waiting for the agent)").wait_for()
    challenge = page.locator("[data-challenge-text]").inner_text()
    assert challenge and challenge in checklist.locator("[data-challenge-text]").inner_text()
    checklist.get_by_role("button", name="Passed").click()
    page.locator("[data-challenge-box][hidden]").wait_for(state="attached")

    checklist.get_by_role("button", name="Send a code by email").click()
    page.get_by_text("We sent a code to").wait_for()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    if wrong_code_first:
        checklist.get_by_label("Code the person read out").fill("000000" if code != "000000" else "111111")
        checklist.get_by_role("button", name="Check the code").click()
        checklist.get_by_text("That code is wrong. 4 tries left.").wait_for()
    checklist.get_by_label("Code the person read out").fill(code)
    checklist.get_by_role("button", name="Check the code").click()
    checklist.locator("[data-code-status]").get_by_text("Confirmed.").wait_for()

    _tick(checklist, "Name, date of birth and address match the documents")
    _tick(checklist, "Applicant stayed in view throughout")
    checklist.get_by_role("button", name="Save", exact=True).click()
    checklist.get_by_text("Checklist saved.").wait_for()

    _tick(checklist, "Verified")
    checklist.get_by_role("button", name="Record the outcome").click()
    checklist.get_by_text("Outcome recorded").first.wait_for()
    assert checklist.get_by_role("button", name="Record the outcome").is_disabled()


def test_agent_records_a_verified_outcome_the_taxpayer_sees_their_result(browser, page):
    agent = factories.AgentFactory(full_name="Daniel Okafor")
    taxpayer = factories.TaxpayerFactory(full_name="Marisol Ortiz", **factories.claimed_identity())
    booking = _booking_starting_soon(taxpayer, agent)
    log_in(page, taxpayer)
    page.goto("/me/interview/")
    page.get_by_role("button", name="Go to the waiting room").click()
    page.get_by_role("heading", name="You are in the waiting room").wait_for()

    agent_context = browser.new_context(base_url=page.url_base, viewport={"width": 1280, "height": 1000})
    agent_page = agent_context.new_page()
    agent_page.url_base = page.url_base
    log_in(agent_page, agent)
    agent_page.goto(f"/agent/interviews/{booking.reference}/")
    assert _until(agent_page, "() => !document.querySelector('[data-command=admit]').disabled")
    agent_page.get_by_role("button", name="Admit the taxpayer").click()
    page.locator("[data-stage=call]").wait_for()
    checklist = agent_page.locator("[data-checklist]")
    assert _until(agent_page, "() => !document.querySelector('[name=issuer]').disabled")

    # Outcome first: refused with the list of what is missing, nothing saved.
    _tick(checklist, "Verified")
    checklist.get_by_role("button", name="Record the outcome").click()
    checklist.get_by_text("Confirm the one-time code.").first.wait_for()
    assert not VerificationOutcome.objects.exists()

    agent_verifies(page, agent_page, wrong_code_first=True)
    assert axe_violations(agent_page) == []
    outcome = VerificationOutcome.objects.get()
    assert (outcome.result, outcome.assurance_level, outcome.decided_by) == ("verified", "IAL2", agent)
    agent_page.get_by_role("button", name="End the interview").click()
    page.get_by_role("link", name="See your result").click()
    page.get_by_role("heading", name="Your identity is verified").wait_for()
    assert axe_violations(page) == []
    assert mail.outbox[-1].subject == "Your identity interview with LiveVerify"
    assert "/report/" in mail.outbox[-1].body
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"verification.evidence_add", "verification.code_wrong", "verification.outcome"} <= actions
    agent_context.close()
