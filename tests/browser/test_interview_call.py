"""A real call in Chromium with fake camera and microphone, relayed by our aiortc media host."""

import time
from datetime import timedelta

from django.utils import timezone

from interviews.models import InterviewSession
from scheduling.models import Booking
from tests import factories
from tests.browser.conftest import axe_violations, log_in

# Records every peer connection a page makes, so the test can read its statistics.
RECORD_PEERS = """
window.__peers = [];
const Original = window.RTCPeerConnection;
window.RTCPeerConnection = function (config) { const pc = new Original(config); window.__peers.push(pc); return pc; };
window.RTCPeerConnection.prototype = Original.prototype;
"""
FRAMES_DECODED = """async () => {
  const pc = window.__peers[window.__peers.length - 1];
  if (!pc) return 0;
  let frames = 0;
  (await pc.getStats()).forEach(s => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
  });
  return frames;
}"""


# The page allows 15 s to connect the echo and 10 s for its first media, then measures for 6 s:
# a verdict can take 31 s on a busy machine.
DEVICE_CHECK_SECONDS = 45


def _booking_starting_soon(taxpayer, agent) -> Booking:
    return factories.BookingFactory(
        reference="K7Q-4MZ", taxpayer=taxpayer, agent=agent, starts_at=timezone.now() + timedelta(minutes=5)
    )


def _until(page, script: str, *, timeout: float = 15.0):
    """Poll a script in the page until it returns something true (the page's CSP forbids eval,
    which Playwright's wait_for_function needs)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value or time.monotonic() > deadline:
            return value
        page.wait_for_timeout(250)


def _frames_grow(page, *, by: int = 10) -> None:
    start = page.evaluate(FRAMES_DECODED)
    grown = _until(page, f"async () => (await ({FRAMES_DECODED})()) >= {start + by}")
    assert grown, f"fewer than {by} new video frames decoded"


def test_taxpayer_checks_devices_waits_is_admitted_and_both_see_each_other(browser, page):
    agent = factories.AgentFactory(full_name="Daniel Okafor")
    taxpayer = factories.TaxpayerFactory(full_name="Marisol Ortiz")
    booking = _booking_starting_soon(taxpayer, agent)
    page.add_init_script(RECORD_PEERS)
    log_in(page, taxpayer)

    page.goto("/me/")
    page.get_by_role("link", name="Join your interview").click()
    page.get_by_role("button", name="Start the check").click()
    started = time.monotonic()
    _until(page, "() => document.querySelector('[data-device-check]').dataset.verdict", timeout=DEVICE_CHECK_SECONDS)
    print(f"device check verdict after {time.monotonic() - started:.1f} s")
    # "good" on a quiet machine; a loaded one may measure "choppy". Either way the check ran end to end.
    assert page.locator("[data-device-check]").get_attribute("data-verdict") in ("good", "choppy"), page.locator(
        "[data-verdict]"
    ).inner_text()
    assert page.locator('[data-stat="rtt"]').inner_text().endswith(" ms")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Go to the waiting room").click()
    page.get_by_role("heading", name="You are in the waiting room").wait_for()

    agent_context = browser.new_context(base_url=page.url_base)
    agent_page = agent_context.new_page()
    agent_page.url_base = page.url_base
    agent_page.add_init_script(RECORD_PEERS)
    log_in(agent_page, agent)
    agent_page.goto(f"/agent/interviews/{booking.reference}/")
    assert _until(
        agent_page, "() => document.querySelector('[data-status]').textContent.includes('The taxpayer is waiting')"
    )
    assert agent_page.evaluate(FRAMES_DECODED) == 0
    assert axe_violations(agent_page) == []

    agent_page.get_by_role("button", name="Admit the taxpayer").click()
    page.locator("[data-stage=call]").wait_for()
    _frames_grow(agent_page)
    _frames_grow(page)
    assert InterviewSession.objects.get(booking=booking).state == InterviewSession.State.LIVE

    page.get_by_label("Message").fill("I cannot hear you")
    page.get_by_role("button", name="Send").click()
    agent_page.locator("[data-chat-log]").get_by_text("I cannot hear you").wait_for()

    # The taxpayer's page reloads: they rejoin the same session and media resumes.
    page.reload()
    page.locator("[data-stage=call]").wait_for()
    _frames_grow(agent_page)
    _frames_grow(page)

    # The taxpayer leaves on purpose: told once, no result to look at; the agent hears they left.
    page.get_by_role("button", name="Leave the call").click()
    page.locator("[data-stage=ended]").wait_for()
    assert page.locator("[data-status-box]").is_hidden()
    assert page.get_by_role("link", name="See your result").is_hidden()
    agent_page.get_by_text("The other person left the call.").wait_for()
    page.get_by_role("link", name="Go back to the call").click()
    page.locator("[data-stage=call]").wait_for()
    _frames_grow(agent_page)

    agent_page.get_by_role("button", name="End the interview").click()
    page.locator("[data-stage=ended]").get_by_text("The interview has ended.").wait_for()
    assert page.get_by_text("The interview has ended.").filter(visible=True).count() == 1
    assert page.get_by_role("link", name="See your result").is_visible()
    assert agent_page.get_by_role("button", name="Send", exact=True).is_disabled()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    agent_context.close()
