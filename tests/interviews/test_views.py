"""The taxpayer's and the agent's interview pages through the test client, including stale links."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from interviews.models import InterviewSession
from operations import services as operations_services
from scheduling import services as scheduling_services
from scheduling.models import Booking, DateException
from tests.conftest import staff_client
from tests.factories import AgentFactory, BookingFactory, WeeklyHoursFactory

pytestmark = pytest.mark.django_db

STARTS = datetime(2027, 1, 11, 10, tzinfo=UTC)
OPEN = STARTS - timedelta(minutes=5)  # inside the default 15-minute join window


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(OPEN, tick=False):
        yield


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# join


def test_taxpayer_joins_their_interview_when_the_waiting_room_is_open(taxpayer, taxpayer_client):
    booking = BookingFactory(taxpayer=taxpayer, starts_at=STARTS)

    response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 200
    assert response.context["booking"] == booking
    assert response.context["session"] == InterviewSession.objects.get(booking=booking)


def test_join_with_no_booking_sends_the_taxpayer_home_and_opens_no_one_elses(taxpayer_client, other_taxpayer):
    others = BookingFactory(taxpayer=other_taxpayer, starts_at=STARTS)

    response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["You have no interview booked."]
    assert not InterviewSession.objects.filter(booking=others).exists()


def test_join_after_the_call_ended_sends_the_taxpayer_home_saying_so(taxpayer, taxpayer_client):
    BookingFactory(taxpayer=taxpayer, starts_at=STARTS, status=Booking.Status.COMPLETED)

    response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["Your interview has ended."]


def test_join_after_the_waiting_room_closed_sends_the_taxpayer_home_saying_so(taxpayer, taxpayer_client):
    booking = BookingFactory(taxpayer=taxpayer, starts_at=STARTS)

    # The 20-minute interview plus the default 10-minute no-show grace.
    with time_machine.travel(STARTS + timedelta(minutes=30), tick=False):
        response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert messages_of(response) == ["The time of your interview has passed."]
    assert not InterviewSession.objects.filter(booking=booking).exists()


def test_join_before_the_waiting_room_opens_says_when_it_opens(taxpayer, taxpayer_client):
    BookingFactory(taxpayer=taxpayer, starts_at=STARTS + timedelta(days=1))

    response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 200
    assert response.context["opens_at"] == STARTS + timedelta(days=1, minutes=-15)
    # 09:45 UTC is 4:45 a.m. in New York; the time's own full stop is not doubled.
    assert "It opens at 4:45 a.m. on Tuesday, January 12. Come back then." in response.content.decode()
    assert not InterviewSession.objects.exists()


# agent_interview

LATER = STARTS + timedelta(days=2)  # a Wednesday, outside the join window


@pytest.fixture
def free_agent(db):
    """Another agent, in UTC, working 09:00-17:00 on the day of LATER."""
    agent = AgentFactory(time_zone="UTC")
    WeeklyHoursFactory(agent=agent, weekday=LATER.weekday(), start=time(9), end=time(17))
    return agent


def test_agent_opens_their_own_interview(agent, agent_client):
    booking = BookingFactory(agent=agent, starts_at=LATER)

    response = agent_client.get(reverse("verification:agent_interview", args=[booking.reference]))

    assert response.status_code == 200
    assert response.context["booking"] == booking


@pytest.mark.parametrize("how", ["supervisor", "time_off"])
def test_agent_opening_an_interview_given_to_another_agent_is_sent_home_saying_so(
    agent, agent_client, supervisor, free_agent, how
):
    booking = BookingFactory(agent=agent, starts_at=LATER)
    if how == "supervisor":
        operations_services.booking_reassign(supervisor=supervisor, booking=booking, agent=free_agent)
    else:
        scheduling_services.date_exception_add(
            editor=agent, agent=agent, kind=DateException.Kind.TIME_OFF, day=LATER.date(), start=None, end=None
        )
    booking.refresh_from_db()
    assert booking.agent == free_agent

    response = agent_client.get(reverse("verification:agent_interview", args=[booking.reference]))

    assert response.status_code == 302
    assert response.url == reverse("operations:agent_home")
    assert messages_of(response) == ["That interview is no longer yours: it was given to another agent."]
    assert staff_client(free_agent).get(response.request["PATH_INFO"]).status_code == 200


def test_agent_cannot_open_an_interview_that_was_never_theirs(agent_client, free_agent):
    others = BookingFactory(agent=free_agent, starts_at=LATER)
    scheduling_services.booking_reschedule(booking=others, starts_at=LATER + timedelta(hours=1))

    page = agent_client.get(reverse("verification:agent_interview", args=[others.reference]))
    unknown = agent_client.get(reverse("verification:agent_interview", args=["XXX-XXX"]))

    assert (page.status_code, unknown.status_code) == (404, 404)
    assert others.taxpayer.full_name not in page.content.decode()
    assert not InterviewSession.objects.exists()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("agent", "/agent/interviews/AB%00-DEF/"),
        ("agent", "/agent/interviews/AB%00-DEF/checklist/"),
        ("agent", "/agent/interviews/{reference}/checklist/evidence%00/"),
        ("supervisor", "/supervisor/interviews/AB%00-DEF/"),
    ],
)
def test_an_interview_address_with_a_nul_character_is_not_found(agent, agent_client, supervisor_client, role, path):
    booking = BookingFactory(agent=agent, starts_at=LATER)
    client = agent_client if role == "agent" else supervisor_client

    # PostgreSQL refuses to compare a string holding NUL, so such an address must not reach a query.
    assert client.get(path.format(reference=booking.reference)).status_code == 404
    assert client.post(path.format(reference=booking.reference)).status_code == 404
