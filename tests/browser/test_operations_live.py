"""A supervisor watches, live, a taxpayer join the talk-now queue, an agent take them, the call start,
and then monitors it silently, in three Chromium windows against a real server."""

from interviews.models import InterviewSession
from operations import selectors
from operations.models import QueueEntry
from tests import factories
from tests.browser.conftest import axe_violations, log_in
from tests.browser.test_interview_call import FRAMES_DECODED, RECORD_PEERS, _until


def _window(browser, base: str, user):
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.url_base = base
    page.add_init_script(RECORD_PEERS)
    log_in(page, user)
    return page


def _shows(page, selector: str, text: str) -> bool:
    return bool(
        _until(
            page, f"() => (document.querySelector({selector!r}) || {{textContent: ''}}).textContent.includes({text!r})"
        )
    )


def test_supervisor_watches_a_taxpayer_join_the_queue_and_an_agent_take_them_live(browser, page):
    rules = selectors.queue_settings_get()
    rules.open_languages, rules.confirm_at_position = ["en"], 1
    rules.save()
    agent = factories.AgentFactory(full_name="Daniel Okafor")
    taxpayer = factories.TaxpayerFactory(full_name="Marisol Ortiz")
    supervisor = factories.SupervisorFactory()
    page.add_init_script(RECORD_PEERS)
    log_in(page, supervisor)
    page.goto("/supervisor/dashboard/")
    assert page.locator("[data-nobody-waiting]").is_visible()
    assert axe_violations(page) == []

    taxpayer_page = _window(browser, page.url_base, taxpayer)
    taxpayer_page.goto("/me/talk-now/")
    taxpayer_page.get_by_role("button", name="Join the queue").click()
    # First in line: asked to confirm, with a visible alert (and a tone), and the title flagged.
    taxpayer_page.get_by_role("heading", name="You are almost next").wait_for()
    assert _until(taxpayer_page, "() => document.title.startsWith('(!)')")
    assert taxpayer_page.locator("[data-position]").inner_text() == "1"
    assert axe_violations(taxpayer_page) == []
    assert _shows(page, "[data-waiting]", "Marisol Ortiz"), "the dashboard did not show the new arrival"
    assert _shows(page, "[data-waiting]", "Talk-now queue")
    taxpayer_page.get_by_role("button", name="I am ready").click()
    taxpayer_page.get_by_text("You said you are ready.").wait_for()

    agent_page = _window(browser, page.url_base, agent)
    agent_page.goto("/agent/talk-now/")
    agent_page.get_by_role("button", name="Available").click()
    assert _shows(page, "[data-agents]", "Available"), "the dashboard did not show the agent's new state"
    agent_page.get_by_role("button", name="Take the next taxpayer").click()
    agent_page.wait_for_url("**/agent/interviews/*/")
    entry = QueueEntry.objects.get(taxpayer=taxpayer)
    assert (entry.status, entry.booking.agent) == ("taken", agent)

    # The taxpayer's page goes on by itself to the camera check and waiting room of the new interview.
    taxpayer_page.wait_for_url("**/me/interview/")
    assert _until(page, "() => document.querySelector('[data-nobody-waiting]') !== null")
    taxpayer_page.get_by_role("button", name="Go to the waiting room").click()
    taxpayer_page.get_by_role("heading", name="You are in the waiting room").wait_for()
    assert _shows(page, "[data-waiting]", f"Waiting room ({entry.booking.reference})")

    agent_page.get_by_role("button", name="Admit the taxpayer").click()
    taxpayer_page.locator("[data-stage=call]").wait_for()
    assert _shows(page, "[data-agents]", "In an interview")
    assert _until(agent_page, f"async () => (await ({FRAMES_DECODED})()) > 5")

    page.get_by_role("link", name=f"Monitor silently {entry.booking.reference}").click()
    assert _until(page, f"async () => (await ({FRAMES_DECODED})()) > 10", timeout=20), "the monitor saw nothing"
    assert axe_violations(page) == []
    session = InterviewSession.objects.get(booking=entry.booking)
    assert session.state == "live"

    agent_page.get_by_role("button", name="End the interview").click()
    page.get_by_text("The interview has ended.").wait_for()
    assert selectors.agent_state_get(agent=agent).state == "wrap_up"
    for other in (taxpayer_page, agent_page):
        other.context.close()
