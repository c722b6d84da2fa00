import re
from datetime import time

from django.core import mail

from scheduling.models import Booking
from tests import factories
from tests.browser.conftest import axe_violations, log_in


def _agent_working_every_day(**kwargs):
    agent = factories.AgentFactory(time_zone="UTC", full_name="Daniel Okafor", **kwargs)
    for weekday in range(7):
        factories.WeeklyHoursFactory(agent=agent, weekday=weekday, start=time(0), end=time(23, 30))
    return agent


def test_taxpayer_books_reschedules_by_link_and_cancels_while_the_agent_watches(browser, page):
    agent = _agent_working_every_day()
    taxpayer = factories.TaxpayerFactory(full_name="Marisol Ortiz", time_zone="America/Puerto_Rico")
    log_in(page, taxpayer)

    page.goto("/me/")
    page.get_by_role("link", name="Book an interview").click()
    page.wait_for_load_state()
    assert "Atlantic Time (Puerto Rico" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    first_time = page.locator(".lv-times label").first
    chosen_label = first_time.inner_text()
    first_time.click()
    page.get_by_role("button", name="Book this time").click()
    page.get_by_text("Your interview is booked.").wait_for()
    booking = Booking.objects.get(taxpayer=taxpayer, status=Booking.Status.ACTIVE)
    assert booking.agent == agent
    assert booking.reference in page.locator("main").inner_text()
    assert chosen_label in page.locator(".usa-summary-box__heading").inner_text()

    confirmation = mail.outbox[-1]
    assert confirmation.to == [taxpayer.email]
    [(filename, ics, mimetype)] = confirmation.attachments
    assert (filename, mimetype) == ("interview.ics", "text/calendar; method=REQUEST")
    assert f"UID:{booking.reference}@liveverify" in ics

    agent_page = browser.new_page(base_url=page.url_base)
    agent_page.url_base = page.url_base
    log_in(agent_page, agent)
    agent_page.goto("/agent/week/")
    assert booking.reference in agent_page.locator("main").inner_text()
    assert "Marisol" in agent_page.locator("main").inner_text()
    assert "Ortiz" not in agent_page.locator("main").inner_text()

    manage_path = re.search(r"/manage/[^/\s]+/", confirmation.body).group(0)
    page.context.clear_cookies()
    page.goto(manage_path)
    page.get_by_role("link", name="Choose another time").click()
    # Any other open time, on whichever day it falls (late in the day the first day may hold only
    # the booked one): its day is shown first, as a person would press that day's button.
    other_time = page.locator(".lv-times label").filter(has_not_text="Your current time").first
    day_id = other_time.evaluate("label => label.closest('.lv-day').id")
    day_button = page.locator(f'button[aria-controls="{day_id}"]')
    if day_button.count():
        day_button.click()
    other_time.click()
    page.get_by_role("button", name="Move my interview to this time").click()
    page.get_by_text("Your interview has a new time.").wait_for()
    booking.refresh_from_db()
    assert (booking.status, booking.sequence) == (Booking.Status.ACTIVE, 1)
    assert mail.outbox[-1].attachments[0][1].count("SEQUENCE:1") == 1

    page.goto(manage_path)
    page.get_by_role("link", name="Cancel the interview").click()
    page.get_by_role("link", name="No, keep it").click()  # asked first; keeping it goes back
    page.get_by_role("link", name="Cancel the interview").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    page.get_by_role("heading", name="Your interview is cancelled").wait_for()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert "METHOD:CANCEL" in mail.outbox[-1].attachments[0][1]

    agent_page.reload()
    assert booking.reference not in agent_page.locator("main").inner_text()
    page.goto(manage_path)
    assert page.get_by_role("heading", name="This link does not work").is_visible()
    agent_page.close()


def test_the_time_picker_shows_one_day_at_a_time_and_the_keyboard_stays_in_it(page):
    _agent_working_every_day()
    log_in(page, factories.TaxpayerFactory())
    page.goto("/book/")
    days = page.locator(".lv-day")
    day_buttons = page.get_by_role("group", name="Choose a day").get_by_role("button")
    assert day_buttons.count() == days.count() > 1
    assert days.nth(0).is_visible() and not days.nth(1).is_visible()

    day_buttons.nth(1).click()
    assert days.nth(1).is_visible() and not days.nth(0).is_visible()
    assert day_buttons.nth(1).get_attribute("aria-pressed") == "true"
    # Into the day's times by keyboard; the arrow keys move among that day's times only.
    day_buttons.last.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('.lv-day').id")
    assert focused == days.nth(1).get_attribute("id")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.closest('.lv-day').id") == focused
    page.keyboard.press("Space")
    page.get_by_role("button", name="Book this time").click()
    page.get_by_text("Your interview is booked.").wait_for()
    assert axe_violations(page) == []
