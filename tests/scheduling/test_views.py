"""Every scheduling page through the test client: the happy path, each permission failure and each bad input.

The clock is frozen at NOW for every test, so the open times a page lists are known."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditRecord
from scheduling import services
from scheduling.models import Booking, DateException
from scheduling.selectors import interview_settings_get
from tests.conftest import NOT_OFFERED, staff_client
from tests.factories import (
    AgentFactory,
    AgentLanguageFactory,
    BookingFactory,
    DateExceptionFactory,
    SupervisorFactory,
    TaxpayerFactory,
    WeeklyHoursFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)  # a Sunday at noon
MONDAY = date(2027, 1, 11)
NEW_YORK = ZoneInfo("America/New_York")
SETTINGS = [
    "interview_minutes",
    "buffer_minutes",
    "minimum_notice_minutes",
    "horizon_days",
    "granularity_minutes",
    "join_window_minutes",
    "no_show_grace_minutes",
    "agent_daily_limit",
    "languages_offered",
]


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Runs before the user and client fixtures, so their sessions are made on the frozen clock too."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def working_agent(db) -> User:
    """The one agent, in UTC, working 09:00-17:00 every day."""
    agent = AgentFactory(time_zone="UTC", full_name="Alex Agent")
    for weekday in range(7):
        WeeklyHoursFactory(agent=agent, weekday=weekday)
    return agent


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def in_new_york(moment: datetime) -> str:
    """How the picker writes a time for a taxpayer in New York (the factory's default zone)."""
    return moment.astimezone(NEW_YORK).isoformat()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def login_redirect(path: str) -> str:
    return f"{reverse('accounts:login')}?next={path}"


def client_for(user: User) -> Client:
    if user.needs_two_factor:
        return staff_client(user)
    client = Client()
    client.force_login(user)
    return client


def active_bookings() -> list[tuple[int, datetime]]:
    return list(Booking.objects.filter(status=Booking.Status.ACTIVE).values_list("taxpayer_id", "starts_at"))


def hours_of(agent: User) -> list[tuple[int, time, time]]:
    return list(agent.weekly_hours.values_list("weekday", "start", "end"))


def rules_snapshot() -> dict:
    rules = interview_settings_get()
    return {field: getattr(rules, field) for field in SETTINGS}


# Who may open which page

TAXPAYER_PAGES = ["scheduling:book"]
AGENT_PAGES = ["scheduling:agent_week"]
SUPERVISOR_PAGES = ["scheduling:supervisor_schedule", "scheduling:settings"]


@pytest.mark.parametrize(
    "name",
    TAXPAYER_PAGES
    + AGENT_PAGES
    + SUPERVISOR_PAGES
    + ["scheduling:hours", "scheduling:my_reschedule", "scheduling:my_cancel"],
)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url == login_redirect(reverse(name))


@pytest.mark.parametrize("name", AGENT_PAGES + SUPERVISOR_PAGES + ["scheduling:hours"])
def test_taxpayers_cannot_open_staff_pages(taxpayer_client, name):
    assert taxpayer_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", TAXPAYER_PAGES + SUPERVISOR_PAGES)
def test_agents_cannot_open_taxpayer_or_supervisor_pages(agent_client, name):
    assert agent_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", TAXPAYER_PAGES + AGENT_PAGES)
def test_supervisors_cannot_open_taxpayer_or_agent_pages(supervisor_client, name):
    assert supervisor_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ["scheduling:my_reschedule", "scheduling:my_cancel"])
def test_staff_cannot_open_a_taxpayers_own_booking_pages(agent_client, supervisor_client, name):
    assert agent_client.get(reverse(name)).status_code == 403
    assert supervisor_client.get(reverse(name)).status_code == 403


def test_staff_who_have_not_passed_the_second_factor_are_sent_to_log_in(agent):
    client = Client()
    client.force_login(agent)

    response = client.get(reverse("scheduling:agent_week"))

    assert response.status_code == 302
    assert response.url == login_redirect(reverse("scheduling:agent_week"))


# book


def test_book_page_lists_open_times_in_the_taxpayers_zone(taxpayer_client, working_agent):
    response = taxpayer_client.get(reverse("scheduling:book"))

    assert response.status_code == 200
    (first_day, first_times), *_rest = response.context["days"]
    # Notice is 60 minutes: the first time is 13:00 UTC, 08:00 in New York; the agent stops at 17:00 UTC.
    assert first_day == date(2027, 1, 10)
    assert [moment.isoformat() for moment in first_times] == [
        in_new_york(at(NOW.date(), hour, minute)) for hour in range(13, 17) for minute in (0, 30)
    ]
    assert len(response.context["days"]) == 7
    assert response.context["has_next"] is True
    assert f'value="{in_new_york(at(NOW.date(), 13))}"' in response.content.decode()


@pytest.mark.parametrize(
    ("page", "shown", "first_day", "has_previous", "has_next"),
    [
        ("0", 0, date(2027, 1, 10), False, True),
        ("1", 1, date(2027, 1, 17), True, True),
        ("3", 3, date(2027, 1, 31), True, False),
        ("-2", 0, date(2027, 1, 10), False, True),
        ("next", 0, date(2027, 1, 10), False, True),
    ],
)
def test_book_page_shows_a_week_of_days_at_a_time(
    taxpayer_client, working_agent, page, shown, first_day, has_previous, has_next
):
    response = taxpayer_client.get(reverse("scheduling:book"), {"page": page})

    context = response.context
    assert (context["page"], context["days"][0][0], context["has_previous"], context["has_next"]) == (
        shown,
        first_day,
        has_previous,
        has_next,
    )


def test_book_page_with_no_agents_says_there_are_no_times(taxpayer_client):
    response = taxpayer_client.get(reverse("scheduling:book"))

    assert response.status_code == 200
    assert response.context["days"] == []
    assert "There are no open times in this language at the moment." in response.content.decode()


def test_booking_a_listed_time_books_it_and_mails_the_taxpayer(
    taxpayer, taxpayer_client, working_agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = taxpayer_client.post(
            reverse("scheduling:book"), {"starts_at": in_new_york(at(MONDAY, 10)), "language": "en"}
        )

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["Your interview is booked. We have emailed you the details."]
    booking = Booking.objects.get()
    assert (booking.taxpayer, booking.agent, booking.starts_at, booking.language) == (
        taxpayer,
        working_agent,
        at(MONDAY, 10),
        "en",
    )
    assert [message.to for message in mail.outbox] == [[taxpayer.email]]


def test_book_form_sent_twice_creates_one_booking(
    taxpayer, taxpayer_client, working_agent, django_capture_on_commit_callbacks
):
    data = {"starts_at": in_new_york(at(MONDAY, 10)), "language": "en"}

    with django_capture_on_commit_callbacks(execute=True):
        first = taxpayer_client.post(reverse("scheduling:book"), data)
        second = taxpayer_client.post(reverse("scheduling:book"), data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert active_bookings() == [(taxpayer.pk, at(MONDAY, 10))]
    assert len(mail.outbox) == 1


def test_book_page_sends_a_taxpayer_with_a_booking_home(taxpayer, taxpayer_client, working_agent):
    BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))

    response = taxpayer_client.get(reverse("scheduling:book"))

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["You already have an interview booked. You can change its time here."]


def test_booking_another_time_while_one_is_booked_is_refused(taxpayer, taxpayer_client, working_agent):
    BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))

    response = taxpayer_client.post(
        reverse("scheduling:book"), {"starts_at": in_new_york(at(MONDAY, 11)), "language": "en"}
    )

    assert response.status_code == 400
    assert response.context["error"] == (
        "You already have an interview booked. Change or cancel it instead of booking another."
    )
    assert active_bookings() == [(taxpayer.pk, at(MONDAY, 10))]


@pytest.mark.parametrize(
    "data",
    [
        {"starts_at": "tomorrow at ten", "language": "en"},
        {"starts_at": "2027-01-11T10:00:00", "language": "en"},  # no offset: which zone is unknown
        {"starts_at": "", "language": "en"},
        {"language": "en"},
        {"starts_at": "2027-01-11T10:00:00+00:00", "language": NOT_OFFERED},
        {"starts_at": "2027-01-11T10:00:00+00:00"},
    ],
)
def test_book_form_with_a_tampered_time_or_language_is_refused(taxpayer_client, working_agent, data):
    response = taxpayer_client.post(reverse("scheduling:book"), data)

    assert response.status_code == 400
    assert response.context["error"] == "Choose a time from the list."
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    ("starts_at", "error"),
    [
        (at(MONDAY, 10, 15), "Choose one of the times on the list."),
        (NOW - timedelta(hours=1), "That time has already passed. Choose a later time."),
        (NOW + timedelta(minutes=30), "Interviews must be booked at least 60 minutes ahead. Choose a later time."),
        (NOW + timedelta(days=22), "Interviews can be booked up to 21 days ahead. Choose an earlier time."),
    ],
)
def test_booking_a_time_not_on_the_list_is_refused(taxpayer_client, working_agent, starts_at, error):
    response = taxpayer_client.post(reverse("scheduling:book"), {"starts_at": starts_at.isoformat(), "language": "en"})

    assert response.status_code == 400
    assert response.context["error"] == error
    assert response.context["suggestions"] == []
    assert Booking.objects.count() == 0


def test_booking_a_time_just_taken_shows_the_nearest_open_times_with_status_409(
    taxpayer_client, other_taxpayer, working_agent
):
    BookingFactory(taxpayer=other_taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))

    response = taxpayer_client.post(
        reverse("scheduling:book"), {"starts_at": in_new_york(at(MONDAY, 10)), "language": "en"}
    )

    assert response.status_code == 409
    assert response.context["error"] == "That time was just taken. Here are the nearest open times."
    nearest = [in_new_york(at(MONDAY, 9, 30)), in_new_york(at(MONDAY, 10, 30)), in_new_york(at(MONDAY, 9))]
    assert [moment.isoformat() for moment in response.context["suggestions"]] == nearest
    content = response.content.decode()
    for value in nearest:
        assert f'class="usa-button usa-button--outline" name="starts_at" value="{value}"' in content
    assert active_bookings() == [(other_taxpayer.pk, at(MONDAY, 10))]


def test_booking_a_time_outside_working_hours_is_taken_with_suggestions(taxpayer_client, working_agent):
    response = taxpayer_client.post(
        reverse("scheduling:book"), {"starts_at": at(MONDAY, 20).isoformat(), "language": "en"}
    )

    assert response.status_code == 409
    assert [moment.isoformat() for moment in response.context["suggestions"]] == [
        in_new_york(at(MONDAY, 16, 30)),
        in_new_york(at(MONDAY, 16)),
        in_new_york(at(MONDAY, 15, 30)),
    ]
    assert Booking.objects.count() == 0


# my_reschedule and my_cancel: a taxpayer's own booking only


def test_taxpayer_moves_their_own_booking(taxpayer, taxpayer_client, working_agent):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))

    page = taxpayer_client.get(reverse("scheduling:my_reschedule"))
    response = taxpayer_client.post(reverse("scheduling:my_reschedule"), {"starts_at": in_new_york(at(MONDAY, 14))})

    assert page.status_code == 200
    assert page.context["booking"] == booking
    # The booking's own time is offered again, since moving it frees it.
    assert in_new_york(at(MONDAY, 10)) in [
        moment.isoformat() for _day, times in page.context["days"] for moment in times
    ]
    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["Your interview has a new time. We have emailed you the details."]
    booking.refresh_from_db()
    assert (booking.starts_at, booking.sequence) == (at(MONDAY, 14), 1)


def test_rescheduling_to_the_time_already_booked_is_refused_and_changes_nothing(
    taxpayer, taxpayer_client, working_agent
):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    records = AuditRecord.objects.count()

    response = taxpayer_client.post(reverse("scheduling:my_reschedule"), {"starts_at": in_new_york(at(MONDAY, 10))})

    assert response.status_code == 400
    assert response.context["error"] == "That is already the time of your interview."
    assert messages_of(response) == []
    booking.refresh_from_db()
    assert (booking.starts_at, booking.sequence) == (at(MONDAY, 10), 0)
    assert (AuditRecord.objects.count(), mail.outbox) == (records, [])


def test_reschedule_picker_marks_the_current_time(taxpayer, taxpayer_client, working_agent):
    BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))

    page = taxpayer_client.get(reverse("scheduling:my_reschedule")).content.decode()

    current = at(MONDAY, 10).timestamp()
    labels = re.findall(r'<label class="usa-radio__label" for="t-(\d+)">(.*?)</label>', page)
    marked = [int(moment) for moment, label in labels if "Your current time" in label]
    assert len(labels) > 1
    assert marked == [int(current)]


def test_reschedule_page_says_the_current_time_with_one_full_stop(taxpayer, taxpayer_client, working_agent):
    BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 15))  # 10 a.m. in New York

    page = taxpayer_client.get(reverse("scheduling:my_reschedule")).content.decode()

    assert '<p class="usa-intro">Your interview is now at 10 a.m. on Monday, January 11.</p>' in page


def test_rescheduling_touches_only_the_signed_in_taxpayers_booking(
    taxpayer, taxpayer_client, other_taxpayer, working_agent
):
    own = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    others = BookingFactory(taxpayer=other_taxpayer, agent=working_agent, starts_at=at(MONDAY, 11))

    taxpayer_client.post(
        reverse("scheduling:my_reschedule"), {"starts_at": in_new_york(at(MONDAY, 14)), "booking": others.pk}
    )

    own.refresh_from_db()
    others.refresh_from_db()
    assert (own.starts_at, others.starts_at, others.sequence) == (at(MONDAY, 14), at(MONDAY, 11), 0)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ["scheduling:my_reschedule", "scheduling:my_cancel"])
def test_taxpayer_without_a_booking_is_sent_home_and_cannot_reach_another_taxpayers(
    taxpayer_client, other_taxpayer, working_agent, name, method
):
    others = BookingFactory(taxpayer=other_taxpayer, agent=working_agent, starts_at=at(MONDAY, 11))

    response = getattr(taxpayer_client, method)(reverse(name), {"starts_at": in_new_york(at(MONDAY, 14))})

    others.refresh_from_db()
    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["You have no interview booked."]
    assert (others.status, others.starts_at, others.sequence) == (Booking.Status.ACTIVE, at(MONDAY, 11), 0)


@pytest.mark.parametrize("method", ["get", "post"])
def test_going_back_to_the_cancel_page_after_cancelling_sends_the_taxpayer_home(
    taxpayer, taxpayer_client, working_agent, method
):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    taxpayer_client.post(reverse("scheduling:my_cancel"), follow=True)  # home shows "cancelled"
    mail.outbox.clear()

    response = getattr(taxpayer_client, method)(reverse("scheduling:my_cancel"))

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["You have no interview booked."]
    booking.refresh_from_db()
    assert (booking.status, booking.sequence, len(mail.outbox)) == (Booking.Status.CANCELLED, 1, 0)


def test_reschedule_with_a_tampered_time_is_refused_and_changes_nothing(taxpayer, taxpayer_client, working_agent):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))

    response = taxpayer_client.post(reverse("scheduling:my_reschedule"), {"starts_at": "2027-01-11 14:00"})

    assert response.status_code == 400
    assert response.context["error"] == "Choose a time from the list."
    booking.refresh_from_db()
    assert (booking.starts_at, booking.sequence) == (at(MONDAY, 10), 0)


def test_reschedule_to_a_taken_time_shows_suggestions_with_status_409(
    taxpayer, taxpayer_client, other_taxpayer, working_agent
):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    BookingFactory(taxpayer=other_taxpayer, agent=working_agent, starts_at=at(MONDAY, 14))

    response = taxpayer_client.post(reverse("scheduling:my_reschedule"), {"starts_at": in_new_york(at(MONDAY, 14))})

    assert response.status_code == 409
    assert [moment.isoformat() for moment in response.context["suggestions"]] == [
        in_new_york(at(MONDAY, 13, 30)),
        in_new_york(at(MONDAY, 14, 30)),
        in_new_york(at(MONDAY, 13)),
    ]
    booking.refresh_from_db()
    assert booking.starts_at == at(MONDAY, 10)


def test_taxpayer_cancels_their_own_booking_and_only_theirs(taxpayer, taxpayer_client, other_taxpayer, working_agent):
    own = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    others = BookingFactory(taxpayer=other_taxpayer, agent=working_agent, starts_at=at(MONDAY, 11))

    page = taxpayer_client.get(reverse("scheduling:my_cancel"))
    response = taxpayer_client.post(reverse("scheduling:my_cancel"), {"booking": others.pk})

    assert page.status_code == 200
    assert own.reference in page.content.decode()
    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["Your interview is cancelled. You can book a new one at any time."]
    own.refresh_from_db()
    others.refresh_from_db()
    assert (own.status, others.status) == (Booking.Status.CANCELLED, Booking.Status.ACTIVE)


# manage links


def test_manage_link_shows_the_booking_without_a_login(client, taxpayer, working_agent):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 15))
    token = services.booking_link_issue(booking=booking)

    response = client.get(reverse("scheduling:manage", args=[token]))

    assert response.status_code == 200
    content = response.content.decode()
    assert booking.reference in content
    # 15:00 UTC is 10 a.m. in New York, the taxpayer's zone.
    assert "Monday, January 11, 2027, 10 a.m." in content
    assert reverse("scheduling:manage_cancel", args=[token]) in content


@pytest.mark.parametrize("name", ["scheduling:manage", "scheduling:manage_reschedule"])
def test_manage_pages_with_a_wrong_token_are_not_found(client, working_agent, name):
    booking = BookingFactory(agent=working_agent, starts_at=at(MONDAY, 15))
    token = services.booking_link_issue(booking=booking)

    response = client.get(reverse(name, args=[token[:-2]]))

    assert response.status_code == 404


def test_manage_page_of_a_cancelled_booking_says_the_link_does_not_work(client, working_agent):
    booking = BookingFactory(agent=working_agent, starts_at=at(MONDAY, 15))
    token = services.booking_link_issue(booking=booking)
    services.booking_cancel(booking=booking)

    response = client.get(reverse("scheduling:manage", args=[token]))

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_manage_link_moves_its_booking(client, taxpayer, working_agent):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    token = services.booking_link_issue(booking=booking)
    path = reverse("scheduling:manage_reschedule", args=[token])

    page = client.get(path)
    response = client.post(path, {"starts_at": in_new_york(at(MONDAY, 14))})

    assert page.status_code == 200
    assert response.status_code == 302
    assert response.url == path
    booking.refresh_from_db()
    assert (booking.starts_at, booking.sequence) == (at(MONDAY, 14), 1)


def test_manage_link_cancels_its_booking(client, taxpayer, working_agent):
    booking = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    token = services.booking_link_issue(booking=booking)

    response = client.post(reverse("scheduling:manage_cancel", args=[token]))

    assert response.status_code == 200
    assert f"Interview {booking.reference} is cancelled." in response.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Booking.Status.CANCELLED, Booking.CancelReason.TAXPAYER)


def test_manage_cancel_asks_first_and_a_get_changes_nothing(client, working_agent):
    booking = BookingFactory(agent=working_agent, starts_at=at(MONDAY, 10))
    token = services.booking_link_issue(booking=booking)

    response = client.get(reverse("scheduling:manage_cancel", args=[token]))

    booking.refresh_from_db()
    assert response.status_code == 200
    assert "Do you want to cancel this interview?" in response.content.decode()
    assert reverse("scheduling:manage", args=[token]) in response.content.decode()
    assert booking.status == Booking.Status.ACTIVE


def test_manage_link_of_an_earlier_booking_does_nothing_to_the_current_one(taxpayer, taxpayer_client, working_agent):
    earlier = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    old_token = services.booking_link_issue(booking=earlier)
    services.booking_cancel(booking=earlier)
    current = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 12))

    cancel = taxpayer_client.post(reverse("scheduling:manage_cancel", args=[old_token]))
    move = taxpayer_client.post(
        reverse("scheduling:manage_reschedule", args=[old_token]), {"starts_at": in_new_york(at(MONDAY, 14))}
    )

    current.refresh_from_db()
    assert (cancel.status_code, move.status_code) == (404, 404)
    assert (current.status, current.starts_at, current.sequence) == (Booking.Status.ACTIVE, at(MONDAY, 12), 0)


def test_manage_link_of_another_booking_acts_only_on_that_booking(
    taxpayer, taxpayer_client, other_taxpayer, working_agent
):
    own = BookingFactory(taxpayer=taxpayer, agent=working_agent, starts_at=at(MONDAY, 10))
    others = BookingFactory(taxpayer=other_taxpayer, agent=working_agent, starts_at=at(MONDAY, 12))
    others_token = services.booking_link_issue(booking=others)

    taxpayer_client.post(
        reverse("scheduling:manage_reschedule", args=[others_token]), {"starts_at": in_new_york(at(MONDAY, 14))}
    )

    own.refresh_from_db()
    others.refresh_from_db()
    assert (own.starts_at, own.sequence) == (at(MONDAY, 10), 0)
    assert others.starts_at == at(MONDAY, 14)


# agent_week and supervisor_schedule


def test_agent_week_lists_only_the_agents_own_interviews(agent, agent_client, working_agent):
    own = BookingFactory(agent=agent, starts_at=at(MONDAY, 15))
    BookingFactory(agent=working_agent, starts_at=at(MONDAY, 16))

    response = agent_client.get(reverse("scheduling:agent_week"), {"week": "2027-01-13"})

    assert response.status_code == 200
    week = dict(response.context["week_days"])
    assert list(week) == [MONDAY + timedelta(days=offset) for offset in range(7)]
    assert week[MONDAY] == [own]
    assert sum(len(bookings) for bookings in week.values()) == 1


@pytest.mark.parametrize("name", ["scheduling:agent_week", "scheduling:supervisor_schedule"])
def test_calendar_without_a_date_shows_the_current_week(agent_client, supervisor_client, name):
    client = agent_client if name == "scheduling:agent_week" else supervisor_client

    response = client.get(reverse(name), {"week": ""})

    assert response.status_code == 200
    assert response.context["this_week"] == date(2027, 1, 4)  # the Monday before the frozen Sunday
    assert messages_of(response) == []


@pytest.mark.parametrize("name", ["scheduling:agent_week", "scheduling:supervisor_schedule"])
@pytest.mark.parametrize(
    "week",
    ["not-a-date", "abc", "-1", "-2027-01-11", "2026-02-30", "0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"],
)
def test_calendar_with_a_bad_or_out_of_range_date_shows_the_current_week_and_says_so(
    agent_client, supervisor_client, name, week
):
    client = agent_client if name == "scheduling:agent_week" else supervisor_client

    response = client.get(reverse(name), {"week": week})

    assert response.status_code == 200
    assert response.context["this_week"] == date(2027, 1, 4)
    assert (response.context["previous_week"], response.context["next_week"]) == ("2026-12-28", "2027-01-11")
    assert messages_of(response) == ["That date cannot be shown. Here is the current week."]


@pytest.mark.parametrize(("week", "monday"), [("2000-01-03", date(2000, 1, 3)), ("2099-12-31", date(2099, 12, 28))])
def test_calendar_shows_the_first_and_last_weeks_it_allows(agent_client, week, monday):
    response = agent_client.get(reverse("scheduling:agent_week"), {"week": week})

    assert response.status_code == 200
    assert response.context["this_week"] == monday
    assert messages_of(response) == []


def test_supervisor_schedule_lists_every_agent_and_filters_by_one(supervisor_client, agent, working_agent):
    first = BookingFactory(agent=agent, starts_at=at(MONDAY, 15))
    second = BookingFactory(agent=working_agent, starts_at=at(MONDAY, 16))
    path = reverse("scheduling:supervisor_schedule")

    everyone = supervisor_client.get(path, {"week": "2027-01-11"})
    one = supervisor_client.get(path, {"week": "2027-01-11", "agent": str(working_agent.pk)})
    unknown = supervisor_client.get(path, {"week": "2027-01-11", "agent": "abc"})

    assert dict(everyone.context["week_days"])[MONDAY] == [first, second]
    assert (one.context["selected_agent"], dict(one.context["week_days"])[MONDAY]) == (working_agent, [second])
    assert (unknown.status_code, unknown.context["selected_agent"]) == (200, None)


# hours, staff_hours and exception_delete


def test_agent_sees_and_saves_their_weekly_hours(agent, agent_client):
    WeeklyHoursFactory(agent=agent, weekday=0)

    page = agent_client.get(reverse("scheduling:hours"))
    response = agent_client.post(
        reverse("scheduling:hours"),
        {"form": "weekly", "d1_0_start": "08:00", "d1_0_end": "12:00", "d1_1_start": "13:00", "d1_1_end": "16:00"},
    )

    assert page.status_code == 200
    assert page.context["hours_form"].initial == {"d0_0_start": time(9), "d0_0_end": time(17)}
    assert response.status_code == 302
    assert response.url == reverse("scheduling:hours")
    assert messages_of(response) == ["The weekly hours are saved."]
    assert hours_of(agent) == [(1, time(8), time(12)), (1, time(13), time(16))]


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"d0_0_start": "12:00", "d0_0_end": "09:00"}, "d0_0_end", "The end must be after the start."),
        ({"d0_0_start": "09:00"}, "d0_0_start", "Give both a start and an end time."),
        ({"d0_0_start": "25:00", "d0_0_end": "26:00"}, "d0_0_start", "Enter a valid time."),
        (
            {"d0_0_start": "09:00", "d0_0_end": "12:00", "d0_1_start": "11:00", "d0_1_end": "13:00"},
            "__all__",
            "Ranges on the same day must not overlap.",
        ),
    ],
)
def test_bad_weekly_hours_re_render_with_status_400_and_change_nothing(agent, agent_client, data, field, error):
    WeeklyHoursFactory(agent=agent, weekday=2)

    response = agent_client.post(reverse("scheduling:hours"), {"form": "weekly", **data})

    assert response.status_code == 400
    assert response.context["hours_form"].errors[field] == [error]
    assert hours_of(agent) == [(2, time(9), time(17))]


def test_agent_adds_time_off_and_is_told_what_happened_to_booked_interviews(agent, agent_client):
    for weekday in range(7):
        WeeklyHoursFactory(agent=agent, weekday=weekday)
    booking = BookingFactory(agent=agent, starts_at=at(MONDAY, 10))

    response = agent_client.post(
        reverse("scheduling:hours"), {"form": "exception", "kind": "time_off", "day": "2027-01-11", "whole_day": "on"}
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "The change is saved. Interviews moved to another agent: 0. Interviews cancelled, with the taxpayer told: 1."
    ]
    assert list(agent.date_exceptions.values_list("kind", "date", "start", "end")) == [
        (DateException.Kind.TIME_OFF, MONDAY, None, None)
    ]
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Booking.Status.CANCELLED, Booking.CancelReason.AGENT_UNAVAILABLE)


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            {"kind": "extra", "day": "2027-01-11", "whole_day": "on"},
            "whole_day",
            "Extra hours need a start and an end time.",
        ),
        (
            {"kind": "time_off", "day": "2027-01-11", "start": "10:00"},
            "start",
            "Give both times, or choose the whole day.",
        ),
        (
            {"kind": "time_off", "day": "2027-01-11", "start": "10:00", "end": "09:00"},
            "end",
            "The end must be after the start.",
        ),
        ({"kind": "time_off", "day": "someday", "whole_day": "on"}, "day", "Enter a valid date."),
        ({"kind": "time_off", "day": "2027-01-09", "whole_day": "on"}, "day", "Choose today or a later date."),
        (
            {"kind": "extra", "day": "2027-01-09", "start": "18:00", "end": "19:00"},
            "day",
            "Choose today or a later date.",
        ),
        ({"kind": "time_off", "day": "0001-01-01", "whole_day": "on"}, "day", "Choose today or a later date."),
        ({"kind": "time_off", "day": "9999-12-31", "whole_day": "on"}, "day", "Choose a date from 2000 to 2099."),
        ({"kind": "time_off", "day": "2026-02-30", "whole_day": "on"}, "day", "Enter a valid date."),
        ({"kind": "holiday", "day": "2027-01-11", "whole_day": "on"}, "kind", None),
    ],
)
def test_bad_time_off_re_renders_with_status_400_and_adds_nothing(agent, agent_client, data, field, error):
    response = agent_client.post(reverse("scheduling:hours"), {"form": "exception", **data})

    assert response.status_code == 400
    errors = response.context["exception_form"].errors[field]
    assert len(errors) == 1
    if error is not None:
        assert errors == [error]
    assert DateException.objects.count() == 0


def test_time_off_today_is_added_and_listed(agent, agent_client):
    agent.time_zone = "UTC"
    agent.save()

    response = agent_client.post(
        reverse("scheduling:hours"),
        {"form": "exception", "kind": "time_off", "day": "2027-01-10", "start": "13:00", "end": "15:00"},
    )
    page = agent_client.get(reverse("scheduling:hours"))

    assert response.status_code == 302
    assert [(exception.date, exception.start) for exception in page.context["exceptions"]] == [
        (date(2027, 1, 10), time(13))
    ]


def test_the_same_time_off_twice_is_refused_the_second_time(agent, agent_client):
    data = {"form": "exception", "kind": "time_off", "day": "2027-01-11", "start": "09:00", "end": "12:00"}

    first = agent_client.post(reverse("scheduling:hours"), data)
    second = agent_client.post(reverse("scheduling:hours"), data)
    overlapping = agent_client.post(reverse("scheduling:hours"), data | {"start": "11:00", "end": "13:00"})

    assert first.status_code == 302
    for response in (second, overlapping):
        assert response.status_code == 400
        assert response.context["exception_form"].errors == {
            "__all__": ["This overlaps time off already set for that day."]
        }
    assert list(agent.date_exceptions.values_list("date", "start", "end")) == [(MONDAY, time(9), time(12))]


def test_agent_cannot_open_or_change_another_agents_hours(agent, agent_client, working_agent):
    path = reverse("scheduling:staff_hours", args=[working_agent.pk])

    page = agent_client.get(path)
    change = agent_client.post(path, {"form": "weekly", "d0_0_start": "10:00", "d0_0_end": "11:00"})
    own_through_staff_page = agent_client.get(reverse("scheduling:staff_hours", args=[agent.pk]))

    assert (page.status_code, change.status_code, own_through_staff_page.status_code) == (404, 404, 404)
    assert len(hours_of(working_agent)) == 7


def test_supervisor_edits_an_agents_hours(supervisor_client, agent):
    path = reverse("scheduling:staff_hours", args=[agent.pk])

    page = supervisor_client.get(path)
    response = supervisor_client.post(path, {"form": "weekly", "d4_0_start": "10:00", "d4_0_end": "14:00"})

    assert page.status_code == 200
    assert page.context["agent"] == agent
    assert response.status_code == 302
    assert response.url == path
    assert hours_of(agent) == [(4, time(10), time(14))]


@pytest.mark.parametrize("factory", [TaxpayerFactory, SupervisorFactory])
def test_supervisor_cannot_open_hours_of_someone_who_is_not_an_agent(supervisor_client, factory):
    person = factory()

    assert supervisor_client.get(reverse("scheduling:staff_hours", args=[person.pk])).status_code == 404
    assert supervisor_client.get(reverse("scheduling:hours")).status_code == 404


def test_agent_removes_their_own_time_off(agent, agent_client):
    exception = DateExceptionFactory(agent=agent, date=MONDAY)

    response = agent_client.post(reverse("scheduling:exception_delete", args=[exception.pk]))

    assert response.status_code == 302
    assert response.url == reverse("scheduling:hours")
    assert DateException.objects.count() == 0


def test_agent_cannot_remove_another_agents_time_off(agent_client, working_agent):
    exception = DateExceptionFactory(agent=working_agent, date=MONDAY)

    response = agent_client.post(reverse("scheduling:exception_delete", args=[exception.pk]))

    assert response.status_code == 404
    assert list(DateException.objects.all()) == [exception]


def test_supervisor_removes_an_agents_time_off_and_returns_to_their_hours(supervisor_client, working_agent):
    exception = DateExceptionFactory(agent=working_agent, date=MONDAY)

    response = supervisor_client.post(reverse("scheduling:exception_delete", args=[exception.pk]))

    assert response.status_code == 302
    assert response.url == reverse("scheduling:staff_hours", args=[working_agent.pk])
    assert DateException.objects.count() == 0


def test_exception_delete_only_accepts_post_and_not_from_taxpayers(agent_client, taxpayer_client, agent):
    exception = DateExceptionFactory(agent=agent, date=MONDAY)
    path = reverse("scheduling:exception_delete", args=[exception.pk])

    assert agent_client.get(path).status_code == 405
    assert taxpayer_client.post(path).status_code == 403
    assert DateException.objects.count() == 1


# settings

VALID_SETTINGS = {
    "interview_minutes": "30",
    "buffer_minutes": "5",
    "minimum_notice_minutes": "120",
    "horizon_days": "14",
    "granularity_minutes": "15",
    "join_window_minutes": "10",
    "no_show_grace_minutes": "5",
    "agent_daily_limit": "8",
    "languages_offered": ["en"],
}


def test_supervisor_changes_the_interview_settings(supervisor_client):
    page = supervisor_client.get(reverse("scheduling:settings"))
    response = supervisor_client.post(reverse("scheduling:settings"), VALID_SETTINGS)

    assert page.status_code == 200
    assert response.status_code == 302
    assert response.url == reverse("scheduling:settings")
    assert messages_of(response) == ["The interview settings are saved."]
    assert rules_snapshot() == {
        "interview_minutes": 30,
        "buffer_minutes": 5,
        "minimum_notice_minutes": 120,
        "horizon_days": 14,
        "granularity_minutes": 15,
        "join_window_minutes": 10,
        "no_show_grace_minutes": 5,
        "agent_daily_limit": 8,
        "languages_offered": ["en"],
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"interview_minutes": "0"}, "interview_minutes"),
        ({"interview_minutes": "121"}, "interview_minutes"),
        ({"granularity_minutes": "4"}, "granularity_minutes"),
        ({"horizon_days": "0"}, "horizon_days"),
        ({"agent_daily_limit": "-1"}, "agent_daily_limit"),
        ({"buffer_minutes": "ten"}, "buffer_minutes"),
        ({"languages_offered": []}, "languages_offered"),
        ({"languages_offered": [NOT_OFFERED]}, "languages_offered"),
        ({"minimum_notice_minutes": str(14 * 24 * 60), "horizon_days": "1"}, "minimum_notice_minutes"),
        ({"granularity_minutes": "7"}, "granularity_minutes"),
        ({"no_show_grace_minutes": "60", "interview_minutes": "5"}, "no_show_grace_minutes"),
    ],
)
def test_bad_settings_re_render_with_status_400_and_change_nothing(supervisor_client, changes, field):
    before = rules_snapshot()

    response = supervisor_client.post(reverse("scheduling:settings"), {**VALID_SETTINGS, **changes})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert rules_snapshot() == before


def number_inputs(page: str) -> dict[str, tuple[str | None, str | None]]:
    """Each number input's (min, max) attributes, by name."""
    inputs = {}
    for tag in re.findall(r"<input [^>]*>", page):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attributes.get("type") == "number":
            inputs[attributes["name"]] = (attributes.get("min"), attributes.get("max"))
    return inputs


def test_the_settings_fields_allow_in_the_browser_what_the_server_accepts(supervisor_client):
    page = supervisor_client.get(reverse("scheduling:settings")).content.decode()

    assert number_inputs(page) == {
        "interview_minutes": ("5", "120"),
        "buffer_minutes": ("0", "60"),
        "minimum_notice_minutes": ("0", "20160"),
        "horizon_days": ("1", "90"),
        "granularity_minutes": ("5", "120"),
        "join_window_minutes": ("0", "120"),
        "no_show_grace_minutes": ("1", "60"),
        "agent_daily_limit": ("1", "48"),
    }


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("interview_minutes", "4", "Ensure this value is greater than or equal to 5."),
        ("buffer_minutes", "61", "Ensure this value is less than or equal to 60."),
        ("minimum_notice_minutes", "20161", "Ensure this value is less than or equal to 20160."),
    ],
)
def test_a_setting_just_outside_its_limits_is_refused_once(supervisor_client, field, value, error):
    before = rules_snapshot()

    response = supervisor_client.post(reverse("scheduling:settings"), {**VALID_SETTINGS, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [error]}
    assert rules_snapshot() == before


def test_agent_cannot_change_the_interview_settings(agent_client):
    before = rules_snapshot()

    response = agent_client.post(reverse("scheduling:settings"), VALID_SETTINGS)

    assert response.status_code == 403
    assert rules_snapshot() == before


# Pages in the taxpayer's language


def test_book_page_lists_spanish_times_for_a_spanish_taxpayer_in_their_zone(working_agent):
    AgentLanguageFactory(agent=working_agent, language="es")
    taxpayer = TaxpayerFactory(preferred_language="es", time_zone="America/Puerto_Rico")

    response = client_for(taxpayer).get(reverse("scheduling:book"))

    assert response.context["language"] == "es"
    (first_day, first_times), *_rest = response.context["days"]
    # 13:00 UTC is 09:00 in Puerto Rico.
    assert (first_day, first_times[0].isoformat()) == (date(2027, 1, 10), "2027-01-10T09:00:00-04:00")
    assert "domingo" in response.content.decode()


def test_book_page_falls_back_to_an_offered_language(taxpayer_client, working_agent):
    rules = interview_settings_get()
    rules.languages_offered = ["en"]
    rules.save()

    response = taxpayer_client.get(reverse("scheduling:book"), {"language": "es"})

    assert response.context["language"] == "en"
    assert response.context["any_times"] is True


def test_agent_posting_the_booking_form_books_nothing(agent_client, working_agent):
    response = agent_client.post(
        reverse("scheduling:book"), {"starts_at": at(MONDAY, 10).isoformat(), "language": "en"}
    )

    assert response.status_code == 403
    assert Booking.objects.count() == 0
