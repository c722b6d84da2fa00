"""The taxpayer's and the agent's interview pages through the test client, including stale links."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from interviews.models import InterviewSession
from scheduling.models import Booking
from tests.factories import BookingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_static_scan")]

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
    assert response.url == reverse("accounts:taxpayer_home")
    assert messages_of(response) == ["You have no interview booked."]
    assert not InterviewSession.objects.filter(booking=others).exists()


def test_join_after_the_call_ended_sends_the_taxpayer_home_saying_so(taxpayer, taxpayer_client):
    BookingFactory(taxpayer=taxpayer, starts_at=STARTS, status=Booking.Status.COMPLETED)

    response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:taxpayer_home")
    assert messages_of(response) == ["Your interview has ended."]


def test_join_after_the_waiting_room_closed_sends_the_taxpayer_home_saying_so(taxpayer, taxpayer_client):
    booking = BookingFactory(taxpayer=taxpayer, starts_at=STARTS)

    # The 20-minute interview plus the default 10-minute no-show grace.
    with time_machine.travel(STARTS + timedelta(minutes=30), tick=False):
        response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:taxpayer_home")
    assert messages_of(response) == ["The time of your interview has passed."]
    assert not InterviewSession.objects.filter(booking=booking).exists()


def test_join_before_the_waiting_room_opens_says_when_it_opens(taxpayer, taxpayer_client):
    BookingFactory(taxpayer=taxpayer, starts_at=STARTS + timedelta(days=1))

    response = taxpayer_client.get(reverse("interviews:join"))

    assert response.status_code == 200
    assert response.context["opens_at"] == STARTS + timedelta(days=1, minutes=-15)
    assert not InterviewSession.objects.exists()
