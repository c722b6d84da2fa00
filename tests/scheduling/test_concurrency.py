"""Races for the last agent and the database rules behind them. PostgreSQL only: SQLite has neither
exclusion constraints nor row locks, and serialises writers instead."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from core.errors import DomainError
from scheduling import selectors, services
from scheduling.models import Booking, SentNotification
from tests.factories import AgentFactory, BookingFactory, TaxpayerFactory, WeeklyHoursFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (set DATABASE_URL): the exclusion constraint and SKIP LOCKED exist only there",
)

MONDAY = date(2027, 1, 11)
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
RACERS = 12


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def agent_working() -> User:
    agent = AgentFactory(time_zone="UTC")
    for weekday in range(7):
        WeeklyHoursFactory(agent=agent, weekday=weekday)
    return agent


def run_together(count: int, work) -> list:
    """Run work(index) in `count` threads released at once; each closes its own database connection."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = work(index)
        except Exception as error:  # the outcome under test, or a failure to report
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def insert_booking(*, agent: User, taxpayer: User, starts_at: datetime, status: str = "active", reference: str) -> None:
    """A booking written with plain SQL, past every check in Python."""
    ends_at = starts_at + timedelta(minutes=20)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO scheduling_booking (reference, taxpayer_id, agent_id, language, audio_only, starts_at,"
            " ends_at, blocked_until, status, cancel_reason, sequence, confirmed_at, created_at, updated_at)"
            " VALUES (%s, %s, %s, 'en', false, %s, %s, %s, %s, '', 0, %s, %s, %s)",
            [
                reference,
                taxpayer.pk,
                agent.pk,
                starts_at,
                ends_at,
                ends_at + timedelta(minutes=10),
                status,
                NOW,
                NOW,
                NOW,
            ],
        )


@pytest.mark.django_db(transaction=True)
def test_many_taxpayers_racing_for_the_last_free_agent_leaves_one_booking_and_the_rest_taken():
    busy, last = agent_working(), agent_working()
    already = BookingFactory(agent=busy, starts_at=at(MONDAY, 10))
    taxpayers = TaxpayerFactory.create_batch(RACERS)

    outcomes = run_together(
        RACERS,
        lambda index: services.booking_create(
            taxpayer=taxpayers[index], starts_at=at(MONDAY, 10), language="en", now=NOW
        ),
    )

    won = [outcome for outcome in outcomes if isinstance(outcome, Booking)]
    lost = [outcome for outcome in outcomes if not isinstance(outcome, Booking)]
    assert len(won) == 1, outcomes
    assert [type(error) for error in lost] == [DomainError] * (RACERS - 1), outcomes
    assert {error.code for error in lost} == {"taken"}
    # Both agents are now booked at 10:00; the nearest open times around it are the same for every loser.
    assert {tuple(suggestion.starts_at for suggestion in error.suggestions) for error in lost} == {
        (at(MONDAY, 9, 30), at(MONDAY, 10, 30), at(MONDAY, 9))
    }
    (winner,) = won
    assert sorted(
        Booking.objects.filter(status=Booking.Status.ACTIVE).values_list("agent_id", "taxpayer_id")
    ) == sorted([(busy.pk, already.taxpayer_id), (last.pk, winner.taxpayer_id)])
    assert [message.to for message in mail.outbox] == [[winner.taxpayer.email]]


@pytest.mark.django_db(transaction=True)
def test_one_taxpayer_booking_two_times_at_once_gets_one_booking():
    agent_working()
    agent_working()
    taxpayer = TaxpayerFactory()
    times = [at(MONDAY, 10), at(MONDAY, 14)]

    outcomes = run_together(
        2, lambda index: services.booking_create(taxpayer=taxpayer, starts_at=times[index], language="en", now=NOW)
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Booking", "DomainError"], outcomes
    (error,) = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert error.code == "already_booked"
    assert Booking.objects.filter(taxpayer=taxpayer, status=Booking.Status.ACTIVE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_time_submitted_twice_at_once_returns_the_same_booking(monkeypatch):
    agent_working()
    taxpayer = TaxpayerFactory()
    first_made, first_may_commit, second_checked = threading.Event(), threading.Event(), threading.Event()
    original_check = selectors.active_booking_for

    def check_then_tell(*, taxpayer: User):
        found = original_check(taxpayer=taxpayer)
        if threading.current_thread().name == "second":
            second_checked.set()
        return found

    monkeypatch.setattr(selectors, "active_booking_for", check_then_tell)

    def first() -> Booking:
        with transaction.atomic():  # the first request, still saving when the second one arrives
            booking = services.booking_create(taxpayer=taxpayer, starts_at=at(MONDAY, 10), language="en", now=NOW)
            first_made.set()
            assert first_may_commit.wait(timeout=30)
        return booking

    def second() -> Booking:
        assert first_made.wait(timeout=30)
        return services.booking_create(taxpayer=taxpayer, starts_at=at(MONDAY, 10), language="en", now=NOW)

    outcomes: dict = {}

    def run(name: str, work) -> None:
        try:
            outcomes[name] = work()
        except Exception as error:
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, work), name=name)
        for name, work in [("first", first), ("second", second)]
    ]
    for thread in threads:
        thread.start()
    assert second_checked.wait(timeout=30)
    first_may_commit.set()
    for thread in threads:
        thread.join(timeout=60)

    assert isinstance(outcomes["first"], Booking), outcomes
    assert outcomes["second"] == outcomes["first"], outcomes


@pytest.mark.django_db
def test_database_refuses_an_overlapping_active_booking_for_one_agent():
    agent = AgentFactory()
    first, second = TaxpayerFactory(), TaxpayerFactory()
    insert_booking(agent=agent, taxpayer=first, starts_at=at(MONDAY, 10), reference="AAA-001")  # blocked to 10:30

    with pytest.raises(IntegrityError, match="scheduling_booking_agent_no_overlap"), transaction.atomic():
        insert_booking(agent=agent, taxpayer=second, starts_at=at(MONDAY, 10, 20), reference="AAA-002")

    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_database_accepts_cancelled_adjacent_and_other_agents_bookings():
    agent, other_agent = AgentFactory(), AgentFactory()
    insert_booking(agent=agent, taxpayer=TaxpayerFactory(), starts_at=at(MONDAY, 10), reference="AAA-001")

    insert_booking(
        agent=agent, taxpayer=TaxpayerFactory(), starts_at=at(MONDAY, 10, 10), status="cancelled", reference="AAA-002"
    )
    insert_booking(agent=agent, taxpayer=TaxpayerFactory(), starts_at=at(MONDAY, 10, 30), reference="AAA-003")
    insert_booking(agent=other_agent, taxpayer=TaxpayerFactory(), starts_at=at(MONDAY, 10), reference="AAA-004")

    assert sorted(Booking.objects.values_list("reference", "status")) == [
        ("AAA-001", "active"),
        ("AAA-002", "cancelled"),
        ("AAA-003", "active"),
        ("AAA-004", "active"),
    ]


@pytest.mark.django_db
def test_database_refuses_a_second_active_booking_for_one_taxpayer():
    taxpayer = TaxpayerFactory()
    insert_booking(agent=AgentFactory(), taxpayer=taxpayer, starts_at=at(MONDAY, 10), reference="AAA-001")

    with pytest.raises(IntegrityError, match="scheduling_booking_one_active_per_taxpayer"), transaction.atomic():
        insert_booking(agent=AgentFactory(), taxpayer=taxpayer, starts_at=at(MONDAY, 14), reference="AAA-002")

    insert_booking(
        agent=AgentFactory(), taxpayer=taxpayer, starts_at=at(MONDAY, 14), status="cancelled", reference="AAA-003"
    )
    assert Booking.objects.filter(taxpayer=taxpayer).count() == 2


def hold_lock_while(booking: Booking, action):
    """Lock the booking's row in another connection, run action() meanwhile, then let go."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=booking.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        return action()
    finally:
        release.set()
        holder.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_reminder_sweep_skips_a_booking_another_sweep_holds():
    booking = BookingFactory(starts_at=at(MONDAY, 10), confirmed_at=NOW - timedelta(days=2))
    sweep_time = at(MONDAY, 10) - timedelta(hours=20)

    while_locked = hold_lock_while(booking, lambda: services.reminders_send_due(now=sweep_time))
    afterwards = services.reminders_send_due(now=sweep_time)

    assert (while_locked, afterwards) == (0, 1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_no_show_sweep_skips_a_booking_another_sweep_holds():
    booking = BookingFactory(starts_at=at(MONDAY, 10))

    while_locked = hold_lock_while(booking, lambda: services.no_shows_mark(now=at(MONDAY, 11)))
    afterwards = services.no_shows_mark(now=at(MONDAY, 11))

    booking.refresh_from_db()
    assert (while_locked, afterwards, booking.status) == (0, 1, Booking.Status.NO_SHOW)


@pytest.mark.django_db(transaction=True)
def test_reminder_sweeps_running_at_once_mail_each_reminder_once():
    bookings = [
        BookingFactory(starts_at=at(MONDAY, hour), confirmed_at=NOW - timedelta(days=2)) for hour in (9, 10, 11, 12)
    ]
    sweep_time = at(MONDAY, 6)  # every booking is inside its day-before window

    outcomes = run_together(6, lambda _index: services.reminders_send_due(now=sweep_time))

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == len(bookings)
    assert len(mail.outbox) == len(bookings)
    assert SentNotification.objects.filter(kind=SentNotification.Kind.REMINDER_24H).count() == len(bookings)
