"""Today's figures, reports and the capacity view, counted from bookings, sessions and the queue."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from interviews import services
from interviews.models import InterviewSession
from operations import selectors
from operations.models import QueueEntry
from scheduling.models import Booking
from tests import factories
from verification.models import VerificationOutcome

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 20)
ZONE = ZoneInfo("UTC")
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
State = InterviewSession.State


def held(agent, *, at, waited_seconds, length_minutes):
    """A completed booked interview whose taxpayer waited `waited_seconds` to be admitted."""
    booking = factories.BookingFactory(
        agent=agent,
        starts_at=at,
        status=Booking.Status.COMPLETED,
        taxpayer_joined_at=at - timedelta(minutes=5),
    )
    admitted = at + timedelta(seconds=waited_seconds)
    InterviewSession.objects.create(
        booking=booking,
        state=State.COMPLETED,
        taxpayer_came=True,
        wait_seconds=waited_seconds,
        admitted_at=admitted,
        ended_at=admitted + timedelta(minutes=length_minutes),
    )
    return booking


def decided(booking, result: str) -> None:
    VerificationOutcome.objects.create(
        session=booking.session,
        taxpayer=booking.taxpayer,
        result=result,
        method="live_video",
        assurance_level="IAL2" if result == "verified" else "",
        decided_by=booking.agent,
        decided_at=booking.starts_at + timedelta(minutes=20),
    )


@pytest.mark.parametrize("purged", [False, True], ids=["fresh", "after-the-metadata-purge"])
def test_the_days_figures(agent, purged):
    first = held(agent, at=START, waited_seconds=60, length_minutes=10)
    second = held(agent, at=START + timedelta(hours=1), waited_seconds=590, length_minutes=20)
    held(agent, at=START + timedelta(hours=2), waited_seconds=110, length_minutes=14)
    decided(first, "verified")
    decided(second, "not_verified")
    # A missed interview (never came), one left from the waiting room, one left the queue.
    factories.BookingFactory(agent=agent, starts_at=START + timedelta(hours=3), status=Booking.Status.NO_SHOW)
    left = factories.BookingFactory(
        agent=agent,
        starts_at=START + timedelta(hours=4),
        status=Booking.Status.NO_SHOW,
        taxpayer_joined_at=START + timedelta(hours=4),
    )
    InterviewSession.objects.create(booking=left, state=State.NO_SHOW, taxpayer_came=True)
    factories.QueueEntryFactory(joined_at=START, status=QueueEntry.Status.LEFT, ended_at=START + timedelta(minutes=9))
    # Cancelled bookings and other days do not count.
    factories.BookingFactory(agent=agent, starts_at=START, status=Booking.Status.CANCELLED)
    held(agent, at=START - timedelta(days=1), waited_seconds=5, length_minutes=5)
    if purged:  # join and connection times are gone; the figures must not change
        services.metadata_purge(now=START + timedelta(days=settings.METADATA_RETENTION_DAYS + 1))
        assert not Booking.objects.exclude(taxpayer_joined_at=None).exists()

    figures = selectors.figures_between(start=START.replace(hour=0), end=START.replace(hour=0) + timedelta(days=1))

    assert (figures.completed, figures.no_shows, figures.abandoned, figures.admitted) == (3, 1, 2, 3)
    assert (figures.median_wait, figures.p90_wait, figures.median_length) == (110, 494, 840)
    # Admitted within 5 minutes: 2 of the 5 who waited (3 admitted, 2 gave up).
    assert figures.service_level == pytest.approx(2 / 5)
    assert figures.abandonment_rate == pytest.approx(2 / 5)
    assert (figures.verified_share, figures.decided) == (0.5, 2)  # the third outcome is not recorded yet


def test_a_talk_now_wait_is_compared_with_its_estimate(agent):
    booking = held(agent, at=START + timedelta(minutes=10), waited_seconds=630, length_minutes=12)
    factories.QueueEntryFactory(
        taxpayer=booking.taxpayer,
        joined_at=START,
        status=QueueEntry.Status.TAKEN,
        ended_at=START + timedelta(minutes=10),
        booking=booking,
        estimate_low_seconds=300,
        estimate_high_seconds=900,
    )
    figures = selectors.figures_between(start=START.replace(hour=0), end=START.replace(hour=0) + timedelta(days=1))
    assert figures.median_wait == 630
    assert (figures.estimate_median_error, figures.estimate_inside_share) == (0, 1.0)


def test_reports_per_day_and_per_agent(agent):
    other = factories.AgentFactory(full_name="Zoe Other")
    held(agent, at=START, waited_seconds=60, length_minutes=10)
    held(other, at=START + timedelta(days=1), waited_seconds=60, length_minutes=10)

    days, per_agent, total = selectors.report_rows(first=DAY, last=DAY + timedelta(days=2), zone=ZONE)

    assert [(day, figures.completed) for day, figures in days] == [
        (DAY, 1),
        (DAY + timedelta(days=1), 1),
        (DAY + timedelta(days=2), 0),
    ]
    assert sorted((person.pk, figures.completed) for person, figures in per_agent) == [(agent.pk, 1), (other.pk, 1)]
    assert total.completed == 2


def test_capacity_is_open_agent_time_against_booked_time():
    agent = factories.AgentFactory(time_zone="UTC")
    factories.WeeklyHoursFactory(agent=agent, weekday=DAY.weekday(), start=time(9), end=time(17))
    factories.BookingFactory(agent=agent, starts_at=START)
    factories.BookingFactory(agent=agent, starts_at=START + timedelta(hours=1), status=Booking.Status.CANCELLED)

    rows = selectors.capacity_days(first=DAY, days=2, zone=ZONE)

    assert rows[0] == {"day": DAY, "open_minutes": 480, "booked_minutes": 20, "bookings": 1, "share": 20 / 480}
    assert rows[1] == {
        "day": DAY + timedelta(days=1),
        "open_minutes": 0,
        "booked_minutes": 0,
        "bookings": 0,
        "share": None,
    }


def test_the_public_page_shows_open_queues_with_an_estimate_and_the_next_open_booking(agent):
    rules = selectors.queue_settings_get()
    rules.open_languages = ["en"]
    rules.save()
    factories.AgentStateFactory(agent=agent)
    factories.QueueEntryFactory()

    waits = selectors.public_waits(now=datetime.now(UTC))

    english, spanish = waits["languages"]
    assert (english["code"], english["open"], english["waiting"], english["estimate"]) == ("en", True, 1, (1020, 1020))
    assert (spanish["code"], spanish["open"], spanish["estimate"]) == ("es", False, None)
