"""axe-core on every page, in each language in settings, with the page's own CSP in force."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import email_verification_token
from tests import factories
from tests.browser.conftest import axe_violations, log_in

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _check(page, path: str, *, expect_status: int = 200) -> None:
    page.console_errors.clear()
    response = page.goto(path)
    assert response.status == expect_status, f"{path} answered {response.status}"
    violations = axe_violations(page)
    assert violations == [], f"{path}: {violations}"
    # The page's own error status shows as a console error; anything else (a CSP refusal,
    # a missing file, a script error) is a defect.
    own_status = f"the server responded with a status of {expect_status}"
    errors = [error for error in page.console_errors if expect_status == 200 or own_status not in error]
    assert errors == [], f"{path}: {errors}"


def _set_language(page, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url_base}])


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_have_no_accessibility_violations(page, language):
    _set_language(page, language)
    unverified = factories.TaxpayerFactory(is_active=False, email_verified_at=None)
    member = factories.TaxpayerFactory()
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    for path in [
        "/",
        "/accounts/signup/",
        "/accounts/signup/done/",
        "/accounts/login/",
        "/accounts/verify/resend/",
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/complete/",
        f"/accounts/password/reset/{uid}/bad-token/",
    ]:
        _check(page, path)
    _check(page, f"/accounts/verify/{email_verification_token(user=unverified)}x/", expect_status=400)
    _check(page, "/no-such-page/", expect_status=404)
    page.goto(f"/accounts/password/reset/{uid}/{default_token_generator.make_token(member)}/")
    assert axe_violations(page) == []

    page.goto("/accounts/signup/")
    page.locator("form.usa-form button[type=submit]").click()
    page.locator(".usa-error-message").first.wait_for()
    assert page.locator(".usa-error-message").count() >= 4
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_login_steps_have_no_accessibility_violations(page, language):
    _set_language(page, language)
    agent = factories.AgentFactory(email="new.agent@example.org")
    page.goto("/accounts/login/")
    page.fill("#id_email", agent.email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("form.usa-form button[type=submit]").click()
    page.wait_for_url("**/accounts/login/authenticator/")
    assert axe_violations(page) == []
    factories.TOTPDeviceFactory(user=agent)
    _check(page, "/accounts/login/code/")
    page.locator("form.usa-form button[type=submit]").click()
    page.locator(".usa-error-message").first.wait_for()
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_taxpayer_pages_have_no_accessibility_violations(page, language):
    taxpayer = factories.TaxpayerFactory(preferred_language=language)
    log_in(page, taxpayer)
    for path in ["/me/", "/accounts/profile/", "/accounts/password/change/"]:
        _check(page, path)
    _check(page, "/supervisor/", expect_status=403)
    page.goto("/accounts/profile/")
    page.fill("#id_phone", "not a phone")
    page.locator("form.usa-form button[type=submit]").click()
    page.locator(".usa-error-message").first.wait_for()
    assert page.locator(".usa-error-message").count() == 1
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_pages_have_no_accessibility_violations(page, language):
    agent = factories.AgentFactory(preferred_language=language)
    factories.WeeklyHoursFactory(agent=agent)
    supervisor = factories.SupervisorFactory(preferred_language=language)
    log_in(page, agent)
    for path in ["/agent/", "/accounts/profile/"]:
        _check(page, path)
    page.context.clear_cookies()
    log_in(page, supervisor)
    for path in ["/supervisor/", "/supervisor/staff/", "/supervisor/staff/new/", f"/supervisor/staff/{agent.pk}/"]:
        _check(page, path)
    page.goto("/supervisor/staff/new/")
    page.locator("form.usa-form button[type=submit]").click()
    page.locator(".usa-error-message").first.wait_for()
    assert page.locator(".usa-error-message").count() >= 3
    assert axe_violations(page) == []


def test_locked_out_page_has_no_accessibility_violations(page, settings):
    member = factories.TaxpayerFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        page.goto("/accounts/login/")
        page.fill("#id_email", member.email)
        page.fill("#id_password", "wrong password")
        with page.expect_navigation():
            page.locator("form.usa-form button[type=submit]").click()
    page.get_by_role("heading", name="Too many attempts").wait_for()
    assert axe_violations(page) == []


def test_keyboard_user_reaches_the_skip_link_first_and_lands_in_main(page):
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "usa-skipnav"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_a_keyboard_user_switches_language_from_the_menu(page, language):
    other = LANGUAGES[(LANGUAGES.index(language) + 1) % len(LANGUAGES)]
    page.set_viewport_size({"width": 320, "height": 640})
    _set_language(page, language)
    page.goto("/accounts/login/")
    page.locator(".usa-menu-btn").focus()
    page.keyboard.press("Enter")
    languages = page.locator(".lv-languages")
    languages.wait_for()
    # The menu slides in: measure where it comes to rest.
    page.locator(".usa-nav").evaluate("menu => Promise.all(menu.getAnimations().map(slide => slide.finished))")
    rightmost = "list => Math.max(...[...list.children].map(item => item.getBoundingClientRect().right))"
    assert languages.evaluate(rightmost) <= 320
    assert page.evaluate("document.documentElement.scrollWidth") == 320
    assert axe_violations(page) == []
    for _step in range(len(LANGUAGES) + 4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == other:
            break
    assert page.evaluate("document.activeElement.value") == other
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == other


@pytest.mark.parametrize("language", LANGUAGES)
def test_scheduling_pages_have_no_accessibility_violations(page, language):
    from datetime import time

    from django.utils import timezone

    from scheduling import selectors, services

    agent = factories.AgentFactory(preferred_language=language, time_zone="UTC")
    for weekday in range(7):
        factories.WeeklyHoursFactory(agent=agent, weekday=weekday, start=time(0), end=time(23, 30))
    taxpayer = factories.TaxpayerFactory(preferred_language=language)
    supervisor = factories.SupervisorFactory(preferred_language=language)

    log_in(page, taxpayer)
    _check(page, "/book/")
    first = selectors.open_times_list(language="en", now=timezone.now())[0].starts_at
    booking = services.booking_create(taxpayer=taxpayer, starts_at=first, language="en")
    for path in ["/me/", "/me/reschedule/", "/me/cancel/"]:
        _check(page, path)
    token = services.booking_link_issue(booking=booking)
    page.context.clear_cookies()
    _check(page, f"/manage/{token}/")
    _check(page, f"/manage/{token}/reschedule/")
    _check(page, "/manage/not-a-real-link/", expect_status=404)

    log_in(page, agent)
    for path in ["/agent/", "/agent/week/", "/agent/hours/"]:
        _check(page, path)
    page.context.clear_cookies()
    log_in(page, supervisor)
    for path in ["/supervisor/schedule/", "/supervisor/settings/", f"/supervisor/staff/{agent.pk}/hours/"]:
        _check(page, path)
    page.goto(f"/supervisor/staff/{agent.pk}/hours/")
    page.fill("#id_d0_0_start", "10:00")
    page.fill("#id_d0_0_end", "09:00")
    page.locator("form.lv-hours button[type=submit]").click()
    page.locator(".usa-error-message").first.wait_for()
    assert page.locator(".usa-error-message").count() == 1
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_interview_pages_have_no_accessibility_violations(page, language):
    from datetime import timedelta

    from django.utils import timezone

    from scheduling.models import Booking

    agent = factories.AgentFactory(preferred_language=language)
    taxpayer = factories.TaxpayerFactory(preferred_language=language)
    later = factories.TaxpayerFactory(preferred_language=language)
    starts_at = timezone.now() + timedelta(minutes=5)
    for person, start, reference in (
        (taxpayer, starts_at, "AXE-001"),
        (later, starts_at + timedelta(days=2), "AXE-002"),
    ):
        Booking.objects.create(
            reference=reference,
            taxpayer=person,
            agent=agent,
            language="en",
            starts_at=start,
            ends_at=start + timedelta(minutes=20),
            blocked_until=start + timedelta(minutes=30),
            confirmed_at=timezone.now(),
        )
    log_in(page, taxpayer)
    for path in ["/me/device-check/", "/me/interview/"]:
        _check(page, path)
    page.context.clear_cookies()
    log_in(page, later)
    _check(page, "/me/interview/")
    page.context.clear_cookies()
    log_in(page, agent)
    _check(page, "/agent/interviews/AXE-001/")
    _check(page, "/agent/interviews/AXE-002/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_operations_pages_have_no_accessibility_violations(page, language):
    from datetime import timedelta

    from django.utils import timezone

    from interviews.models import InterviewSession
    from operations import selectors

    rules = selectors.queue_settings_get()
    rules.open_languages = LANGUAGES
    rules.save()
    agent = factories.AgentFactory(preferred_language=language)
    factories.AgentStateFactory(agent=agent, since=timezone.now() - timedelta(minutes=4))
    taxpayer = factories.TaxpayerFactory(preferred_language=language)
    supervisor = factories.SupervisorFactory(preferred_language=language)
    factories.QueueEntryFactory(joined_at=timezone.now() - timedelta(minutes=30))  # past the alert threshold
    booking = factories.BookingFactory(agent=agent, starts_at=timezone.now())
    InterviewSession.objects.create(booking=booking, state="live", admitted_at=timezone.now())

    _set_language(page, language)
    _check(page, "/wait-times/")
    log_in(page, taxpayer)
    _check(page, "/me/talk-now/")
    page.locator("form.usa-form button[type=submit]").click()
    page.locator("[data-position]").wait_for()
    assert axe_violations(page) == []
    page.context.clear_cookies()
    log_in(page, agent)
    _check(page, "/agent/talk-now/")
    page.context.clear_cookies()
    log_in(page, supervisor)
    for path in [
        "/supervisor/dashboard/",
        "/supervisor/queue/settings/",
        "/supervisor/figures/",
        "/supervisor/capacity/",
        f"/supervisor/reassign/{booking.reference}/",
        "/supervisor/reassign/",
    ]:
        _check(page, path)
    _check(page, "/supervisor/reassign/?reference=NOPE", expect_status=400)
    _check(page, "/supervisor/figures/?start=2026-11-20&end=2026-11-01", expect_status=400)
    page.goto("/supervisor/dashboard/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "usa-skipnav"


@pytest.mark.parametrize("language", LANGUAGES)
def test_verification_pages_have_no_accessibility_violations(page, language):
    from tests.interviews.test_verification import live_session
    from verification import services

    session = live_session()
    taxpayer, agent = session.booking.taxpayer, session.booking.agent
    for person in (taxpayer, agent):
        person.preferred_language = language
        person.save()
    supervisor = factories.SupervisorFactory(preferred_language=language)
    log_in(page, taxpayer)
    _check(page, "/me/result/")

    # Outside the test thread, where Playwright's event loop runs (the service broadcasts on commit);
    # the thread's own database connection is closed after, or it outlives the test database.
    def record():
        try:
            return services.outcome_record(
                session_id=session.pk, agent=agent, result="inconclusive", reasons=[], follow_up="Bring your passport"
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(record).result()
    for path in ["/me/", "/me/result/", "/book/"]:
        _check(page, path)
    page.context.clear_cookies()
    report = f"/report/{services.report_token(outcome)}/"
    _check(page, report)
    page.locator("form.usa-form button[type=submit]").click()
    page.locator(".usa-error-message").first.wait_for()
    assert axe_violations(page) == []
    page.fill("#id_details", "It was not me")
    page.locator("form.usa-form button[type=submit]").click()
    page.wait_for_load_state()
    assert axe_violations(page) == []
    _check(page, "/report/not-a-token/", expect_status=404)
    log_in(page, supervisor)
    reference = session.booking.reference
    for path in [
        "/supervisor/audit/",
        "/supervisor/audit/?action=verification.&reference=" + reference,
        "/supervisor/audit/?since=2026-02-30",
        "/supervisor/reports/",
        f"/supervisor/interviews/{reference}/",
    ]:
        _check(page, path)
