"""Proof that no biometric data is kept: a whole call in Chromium (fake camera and microphone),
then a scan of everything the system can write to finds no image, video or audio, and the same
scan finds a frame of that call once one is planted."""

import time

import pytest
from django.utils import timezone

from audit.models import AuditRecord
from interviews.models import InterviewSession
from scheduling.models import Booking
from tests import factories
from tests.browser.conftest import log_in
from tests.browser.test_interview_call import (
    DEVICE_CHECK_SECONDS,
    RECORD_PEERS,
    _booking_starting_soon,
    _frames_grow,
    _until,
)
from tests.browser.test_verification_flow import agent_verifies
from tests.privacy import scan
from verification.models import VerificationOutcome

# Test harness only (our own JavaScript may not do this, see test_no_recording_imports): a
# picture of what the agent sees, kept in the test's memory to plant after the clean scan.
FRAME_THE_AGENT_SEES = """() => {
  const video = document.querySelector('[data-remote]');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  return canvas.toDataURL('image/jpeg', 0.8);
}"""


@pytest.fixture
def clean_redis(settings, server_url):
    """With REDIS_URL: its one database (cache, channel layer, Celery broker) emptied first, so
    the scan sees only what this test's call wrote."""
    if settings.REDIS_URL:
        scan.flush_redis(settings.REDIS_URL)


def complete_verification(page, agent_page, booking: Booking) -> None:
    """What happens while both see each other: a chat both ways (never stored), then the agent's
    whole verification: a passport described, a live challenge, the one-time code, the outcome."""
    page.get_by_label("Message").fill("Here is my passport")
    page.get_by_role("button", name="Send").click()
    agent_page.locator("[data-chat-log]").get_by_text("Here is my passport").wait_for()
    agent_page.get_by_label("Message").fill("Thank you. Please read the code on the screen aloud.")
    agent_page.get_by_role("button", name="Send", exact=True).click()
    page.locator("[data-chat-log]").get_by_text("Please read the code on the screen aloud.").wait_for()
    agent_verifies(page, agent_page)
    assert VerificationOutcome.objects.get(session__booking=booking).result == "verified"


def taxpayer_checks_devices_and_waits(page, booking: Booking) -> None:
    """The taxpayer signs in, runs the device check (an echo through the media host) and waits."""
    page.add_init_script(RECORD_PEERS)
    log_in(page, booking.taxpayer)
    page.goto("/me/")
    page.get_by_role("link", name="Join your interview").click()
    page.get_by_role("button", name="Start the check").click()
    assert _until(
        page, "() => document.querySelector('[data-device-check]').dataset.verdict", timeout=DEVICE_CHECK_SECONDS
    )
    page.get_by_role("button", name="Go to the waiting room").click()
    page.get_by_role("heading", name="You are in the waiting room").wait_for()


def agent_admits(browser, base_url: str, booking: Booking):
    """The agent opens the interview in a browser of their own, sees the taxpayer waiting and
    admits them. Returns the agent's page."""
    context = browser.new_context(base_url=base_url)
    agent_page = context.new_page()
    agent_page.url_base = base_url
    agent_page.add_init_script(RECORD_PEERS)
    log_in(agent_page, booking.agent)
    agent_page.goto(f"/agent/interviews/{booking.reference}/")
    waiting = "() => document.querySelector('[data-status]').textContent.includes('The taxpayer is waiting')"
    assert _until(agent_page, waiting)
    agent_page.get_by_role("button", name="Admit the taxpayer").click()
    return agent_page


def run_whole_call(browser, page, booking: Booking) -> tuple[scan.ScanReport, str]:
    """Device check with its echo, waiting room, admission, video decoded on both sides,
    `complete_verification`, and the agent ends the call. Returns a scan of the cache, channel
    layer, Redis and broker made during the call, and a picture the agent saw as a JPEG data
    URL (for the planted-frame check)."""
    taxpayer_checks_devices_and_waits(page, booking)
    agent_page = agent_admits(browser, page.url_base, booking)
    page.locator("[data-stage=call]").wait_for()
    _frames_grow(agent_page)
    _frames_grow(page)

    complete_verification(page, agent_page, booking)

    # What the stores hold in passing while the call is live (the channel layer's groups and
    # queued messages, the cache), before the end clears them.
    mid_call = scan.ScanReport()
    scan.scan_stores(mid_call)
    picture = agent_page.evaluate(FRAME_THE_AGENT_SEES)
    agent_page.get_by_role("button", name="End the interview").click()
    page.get_by_text("The interview has ended.").first.wait_for()
    agent_page.context.close()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    return mid_call, picture


def wait_until_both_left(page, booking: Booking) -> str:
    """Wait (up to 10 s) until both signaling connections are closed and handled, so that nothing
    of the call is still being written. Returns "" then, else who is still marked connected.

    Under load a flag has been seen to stay set, most likely a race in InterviewConsumer: a
    group message sent to a browser that has just left raises uvicorn's ClientDisconnected
    before disconnect() runs. The scan is complete either way, so that is reported, not failed.
    """
    session = InterviewSession.objects.get(booking=booking)
    deadline = time.monotonic() + 10
    while (session.taxpayer_connected or session.agent_connected) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        session.refresh_from_db()
    assert session.state == InterviewSession.State.COMPLETED
    still = [role for role in ("taxpayer", "agent") if getattr(session, f"{role}_connected")]
    return f"still marked connected 10 s after the call: {', '.join(still)}" if still else ""


def test_a_whole_call_leaves_no_image_video_or_audio_anywhere(
    browser, page, clean_redis, media_host_process, tmp_path_factory, settings
):
    booking = _booking_starting_soon(
        factories.TaxpayerFactory(full_name="Marisol Ortiz", **factories.claimed_identity()),
        factories.AgentFactory(full_name="Daniel Okafor"),
    )
    started = scan.start_watching()
    media_host_log = []
    if media_host_process is not None:  # production mode: the separate media host's output too
        media_host_log = [(media_host_process.log_path, media_host_process.log_path.stat().st_size)]

    with scan.LogCapture() as logs:
        mid_call, picture = run_whole_call(browser, page, booking)
        lingering = wait_until_both_left(page, booking)
    print("During the call:", mid_call.summary(), sep="\n")
    assert mid_call.findings == []
    if settings.REDIS_URL:
        assert mid_call.counts["redis keys of the channel layer"] >= 1
    else:
        assert mid_call.counts["in-memory channel layer groups"] >= 1

    def scan_everything() -> scan.ScanReport:
        return scan.scan_everything(
            since=started, logs=logs, log_files=media_host_log, own_pytest_temp=tmp_path_factory.getbasetemp()
        )

    report = scan_everything()
    if lingering:
        errors = [line[:300] for line in logs.lines if " ERROR " in line]
        report.notes.append(f"{lingering}; errors logged: {errors}")
    print("After the call:", report.summary(), sep="\n")
    assert report.findings == []
    assert report.counts["database tables"] >= 20
    assert report.counts["database rows"] > 0
    assert report.counts["log lines captured"] > 0
    if settings.REDIS_URL:
        assert report.counts["redis keys of the media host registry"] >= 1

    # The same scan finds one frame of this call, planted where a careless change could put it.
    assert picture.startswith("data:image/jpeg;base64,")
    record = AuditRecord.objects.create(
        at=timezone.now(),
        action="planted",
        object_type="test",
        object_id=booking.reference,
        details={"snapshot": picture},
        previous_hash="0" * 64,
        hash="f" * 64,
    )
    planted = scan_everything()
    assert [(finding.kind, finding.encoding, finding.where) for finding in planted.findings] == [
        ("JPEG image", "data: URL", f"database interviews_auditrecord.details (id={record.pk})")
    ]
