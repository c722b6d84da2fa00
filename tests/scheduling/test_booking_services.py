"""Scheduling services against a real database: booking, changing, cancelling, hours, mails and the sweeps."""

import hashlib
import re
from base64 import urlsafe_b64decode
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User
from audit.models import AuditRecord
from core.errors import DomainError
from scheduling import services
from scheduling.models import Booking, BookingLink, DateException, SentNotification, WeeklyHours
from scheduling.selectors import interview_settings_get, open_times_list
from tests.factories import (
    AgentFactory,
    AgentLanguageFactory,
    AgentProfileFactory,
    BookingFactory,
    SupervisorFactory,
    TaxpayerFactory,
    WeeklyHoursFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 1, 11)
TUESDAY = MONDAY + timedelta(days=1)
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)  # the Sunday before, at noon
REFERENCE = re.compile(r"^[ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{3}$")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def set_rules(**values) -> None:
    rules = interview_settings_get()
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()


def agent_working(
    zone: str = "UTC",
    *,
    languages: Iterable[str] = ("en",),
    start: time = time(9),
    end: time = time(17),
    **fields,
) -> User:
    """An agent working every day from `start` to `end` in their zone."""
    agent = AgentFactory(time_zone=zone, **fields)
    for language in languages:
        if language != "en":
            AgentLanguageFactory(agent=agent, language=language)
    for weekday in range(7):
        WeeklyHoursFactory(agent=agent, weekday=weekday, start=start, end=end)
    return agent


def book(taxpayer: User, starts_at: datetime, *, language: str = "en", now: datetime = NOW) -> Booking:
    return services.booking_create(taxpayer=taxpayer, starts_at=starts_at, language=language, now=now)


def set_created_at(booking: Booking, moment: datetime) -> None:
    Booking.objects.filter(pk=booking.pk).update(created_at=moment)


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def ics_of(message: mail.EmailMessage) -> tuple[icalendar.Calendar, icalendar.Event, str]:
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert filename == "interview.ics"
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event, mimetype


def token_in(message: mail.EmailMessage) -> str:
    (token,) = re.findall(r"/manage/([^/\s]+)/", message.body)
    return token


def notifications(booking: Booking) -> list[tuple[str, int]]:
    return sorted(booking.notifications.values_list("kind", "sequence"))


# booking_create: choosing the agent


def test_booking_goes_to_the_agent_with_fewest_interviews_that_day_before_round_robin():
    busy, free = agent_working(), agent_working()
    # `busy` was assigned long ago but has an interview on Monday; `free` was assigned just now, on Tuesday.
    set_created_at(BookingFactory(agent=busy, starts_at=at(MONDAY, 15)), NOW - timedelta(days=30))
    set_created_at(BookingFactory(agent=free, starts_at=at(TUESDAY, 15)), NOW)

    booking = book(TaxpayerFactory(), at(MONDAY, 10))

    assert booking.agent == free


def test_tie_on_interviews_that_day_goes_to_the_agent_assigned_longest_ago():
    recent, longest_ago = agent_working(), agent_working()
    set_created_at(BookingFactory(agent=recent, starts_at=at(TUESDAY, 10)), NOW - timedelta(days=1))
    set_created_at(BookingFactory(agent=longest_ago, starts_at=at(TUESDAY, 11)), NOW - timedelta(days=2))

    booking = book(TaxpayerFactory(), at(MONDAY, 10))

    assert booking.agent == longest_ago


def test_agent_never_assigned_goes_before_agents_assigned_before():
    assigned = agent_working()
    never = agent_working()
    set_created_at(BookingFactory(agent=assigned, starts_at=at(TUESDAY, 10)), NOW - timedelta(days=90))

    assert book(TaxpayerFactory(), at(MONDAY, 10)).agent == never


def test_successive_bookings_on_one_day_take_turns_between_agents():
    first, second, third = agent_working(), agent_working(), agent_working()
    agents = []
    for hour in (10, 11, 12, 13, 14):
        with time_machine.travel(NOW + timedelta(minutes=hour), tick=False):  # created_at orders the turns
            agents.append(book(TaxpayerFactory(), at(MONDAY, hour)).agent)

    assert agents == [first, second, third, first, second]


def test_completed_interview_still_counts_as_an_assignment_for_round_robin():
    just_worked, waiting = agent_working(), agent_working()
    set_created_at(
        BookingFactory(agent=just_worked, starts_at=NOW - timedelta(hours=2), status=Booking.Status.COMPLETED),
        NOW - timedelta(days=1),
    )
    set_created_at(BookingFactory(agent=waiting, starts_at=at(TUESDAY, 10)), NOW - timedelta(days=5))

    assert book(TaxpayerFactory(), at(MONDAY, 10)).agent == waiting


def test_spanish_booking_goes_to_a_spanish_speaking_agent_even_if_busier():
    english_only = agent_working()
    bilingual = agent_working(languages=("en", "es"))
    BookingFactory(agent=bilingual, starts_at=at(MONDAY, 15), language="es")

    booking = book(TaxpayerFactory(preferred_language="es"), at(MONDAY, 10), language="es")

    assert booking.agent == bilingual
    assert booking.language == "es"
    assert english_only.agent_bookings.count() == 0


def test_audio_only_taxpayer_is_booked_with_an_agent_who_takes_audio_only():
    refuses = agent_working()
    AgentProfileFactory(user=refuses, takes_audio_only=False)
    accepts = agent_working()
    taxpayer = TaxpayerFactory()
    taxpayer.taxpayer_profile.audio_only = True
    taxpayer.taxpayer_profile.save()

    booking = book(taxpayer, at(MONDAY, 10))

    assert booking.agent == accepts
    assert booking.audio_only is True


def test_booking_records_its_times_reference_and_confirmation_moment():
    agent_working()
    taxpayer = TaxpayerFactory()

    booking = book(taxpayer, at(MONDAY, 10))

    booking.refresh_from_db()
    assert REFERENCE.match(booking.reference)
    assert (booking.starts_at, booking.ends_at, booking.blocked_until) == (
        at(MONDAY, 10),
        at(MONDAY, 10, 20),
        at(MONDAY, 10, 30),
    )
    assert (booking.status, booking.sequence, booking.confirmed_at, booking.taxpayer) == (
        Booking.Status.ACTIVE,
        0,
        NOW,
        taxpayer,
    )


def test_booking_uses_the_buffer_in_force_when_booked():
    set_rules(interview_minutes=30, buffer_minutes=15)
    agent_working()

    booking = book(TaxpayerFactory(), at(MONDAY, 10))

    assert (booking.ends_at, booking.blocked_until) == (at(MONDAY, 10, 30), at(MONDAY, 10, 45))


# booking_create: refusals


@pytest.mark.parametrize(
    ("starts_at", "code"),
    [
        (NOW - timedelta(hours=1), "past"),
        (NOW, "past"),
        (NOW + timedelta(minutes=30), "notice"),
        (NOW + timedelta(minutes=59), "notice"),
        (NOW + timedelta(days=21, minutes=30), "horizon"),
        (at(MONDAY, 10, 15), "granularity"),
        (at(MONDAY, 10, 0) + timedelta(seconds=1), "granularity"),
    ],
)
def test_booking_outside_the_rules_is_refused_with_its_reason(taxpayer, starts_at, code):
    agent_working(start=time(0), end=time(23, 59))

    error = refused(book, taxpayer, starts_at)

    assert error.code == code
    assert Booking.objects.count() == 0


def test_booking_exactly_at_minimum_notice_and_at_horizon_is_accepted():
    agent_working(start=time(0), end=time(23, 59))

    first = book(TaxpayerFactory(), NOW + timedelta(minutes=60))
    last = book(TaxpayerFactory(), NOW + timedelta(days=21))

    assert (first.starts_at, last.starts_at) == (NOW + timedelta(minutes=60), NOW + timedelta(days=21))


def test_booking_outside_working_hours_is_taken_with_the_nearest_open_times(taxpayer):
    agent_working()

    error = refused(book, taxpayer, at(MONDAY, 20))

    assert error.code == "taken"
    assert [suggestion.starts_at for suggestion in error.suggestions] == [
        at(MONDAY, 16, 30),
        at(MONDAY, 16),
        at(MONDAY, 15, 30),
    ]
    assert Booking.objects.count() == 0


def test_booking_a_time_whose_only_agent_is_booked_is_taken(taxpayer):
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(MONDAY, 10))

    error = refused(book, taxpayer, at(MONDAY, 10))

    assert error.code == "taken"
    assert [suggestion.starts_at for suggestion in error.suggestions] == [
        at(MONDAY, 9, 30),
        at(MONDAY, 10, 30),
        at(MONDAY, 9),
    ]


def test_booking_earlier_in_the_day_than_the_agents_last_booking_respects_the_daily_limit(taxpayer):
    set_rules(agent_daily_limit=1)
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(MONDAY, 15))

    error = refused(book, taxpayer, at(MONDAY, 10))

    assert error.code == "taken"


def test_completed_interviews_count_toward_the_daily_limit():
    set_rules(agent_daily_limit=1)
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(MONDAY, 9), status=Booking.Status.COMPLETED)

    times = open_times_list(language="en", now=at(MONDAY, 10))

    assert [item.starts_at for item in times if item.starts_at.date() == MONDAY] == []


def test_language_not_offered_is_refused(taxpayer):
    set_rules(languages_offered=["en"])
    agent_working(languages=("en", "es"))

    error = refused(book, taxpayer, at(MONDAY, 10), language="es")

    assert error.code == "language"


def test_language_offered_but_spoken_by_no_agent_is_taken_without_suggestions(taxpayer):
    agent_working()

    error = refused(book, taxpayer, at(MONDAY, 10), language="es")

    assert (error.code, error.suggestions) == ("taken", [])


@pytest.mark.parametrize("factory", [AgentFactory, SupervisorFactory])
def test_only_taxpayers_can_book(factory):
    agent_working()

    error = refused(book, factory(), at(MONDAY, 10))

    assert error.code == "role"
    assert Booking.objects.count() == 0


def test_second_active_booking_for_a_taxpayer_is_refused(taxpayer):
    agent_working()
    first = book(taxpayer, at(MONDAY, 10))

    error = refused(book, taxpayer, at(MONDAY, 11))

    assert error.code == "already_booked"
    assert list(Booking.objects.all()) == [first]


def test_same_time_submitted_twice_returns_the_same_booking_and_mails_once(
    taxpayer, django_capture_on_commit_callbacks
):
    agent_working()

    with django_capture_on_commit_callbacks(execute=True):
        first = book(taxpayer, at(MONDAY, 10))
    with django_capture_on_commit_callbacks(execute=True):
        second = book(taxpayer, at(MONDAY, 10))

    assert second == first
    assert Booking.objects.count() == 1
    assert len(mail.outbox) == 1


def test_taxpayer_can_book_again_after_cancelling(taxpayer):
    agent_working()
    services.booking_cancel(booking=book(taxpayer, at(MONDAY, 10)))

    again = book(taxpayer, at(MONDAY, 11))

    assert list(Booking.objects.filter(status=Booking.Status.ACTIVE)) == [again]


# booking_reschedule


def test_reschedule_keeps_the_agent_when_free_and_raises_the_sequence(taxpayer):
    kept, other = agent_working(), agent_working()
    booking = book(taxpayer, at(MONDAY, 10))
    assert booking.agent == kept
    # `kept` now has more interviews on Monday than `other`, so a new booking would go to `other`.
    BookingFactory(agent=kept, starts_at=at(MONDAY, 15))
    later = NOW + timedelta(hours=1)

    moved = services.booking_reschedule(booking=booking, starts_at=at(MONDAY, 11), now=later)

    moved.refresh_from_db()
    assert (moved.agent, moved.starts_at, moved.ends_at, moved.blocked_until) == (
        kept,
        at(MONDAY, 11),
        at(MONDAY, 11, 20),
        at(MONDAY, 11, 30),
    )
    assert (moved.sequence, moved.confirmed_at, moved.reference) == (1, later, booking.reference)
    assert other.agent_bookings.count() == 0


def test_reschedule_moves_to_another_agent_when_its_agent_is_busy_then(taxpayer):
    first, second = agent_working(), agent_working()
    booking = book(taxpayer, at(MONDAY, 10))
    assert booking.agent == first
    BookingFactory(agent=first, starts_at=at(MONDAY, 11))

    moved = services.booking_reschedule(booking=booking, starts_at=at(MONDAY, 11), now=NOW)

    assert moved.agent == second


def test_reschedule_to_a_time_overlapping_its_own_old_time_is_allowed(taxpayer):
    set_rules(granularity_minutes=10)
    agent = agent_working()
    booking = book(taxpayer, at(MONDAY, 10))

    moved = services.booking_reschedule(booking=booking, starts_at=at(MONDAY, 10, 10), now=NOW)

    assert (moved.agent, moved.starts_at) == (agent, at(MONDAY, 10, 10))


def test_reschedule_to_the_same_time_is_refused_and_changes_nothing(taxpayer):
    agent = agent_working()
    booking = book(taxpayer, at(MONDAY, 10))
    mail.outbox.clear()
    records = AuditRecord.objects.count()

    error = refused(
        services.booking_reschedule, booking=booking, starts_at=at(MONDAY, 10), now=NOW + timedelta(hours=1)
    )

    booking.refresh_from_db()
    assert (error.code, error.message) == ("same_time", "That is already the time of your interview.")
    assert (booking.starts_at, booking.agent, booking.sequence, booking.confirmed_at) == (at(MONDAY, 10), agent, 0, NOW)
    assert (AuditRecord.objects.count(), mail.outbox) == (records, [])


@pytest.mark.parametrize("status", [Booking.Status.CANCELLED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW])
def test_reschedule_of_a_booking_no_longer_active_is_refused(status):
    agent_working()
    booking = BookingFactory(starts_at=at(MONDAY, 10), status=status)

    error = refused(services.booking_reschedule, booking=booking, starts_at=at(MONDAY, 11), now=NOW)

    booking.refresh_from_db()
    assert error.code == "not_active"
    assert (booking.starts_at, booking.sequence) == (at(MONDAY, 10), 0)


def test_reschedule_to_a_time_with_no_free_agent_is_taken_and_keeps_the_old_time(taxpayer):
    agent = agent_working()
    booking = book(taxpayer, at(MONDAY, 10))
    BookingFactory(agent=agent, starts_at=at(MONDAY, 12))

    error = refused(services.booking_reschedule, booking=booking, starts_at=at(MONDAY, 12), now=NOW)

    booking.refresh_from_db()
    assert error.code == "taken"
    assert [suggestion.starts_at for suggestion in error.suggestions] == [
        at(MONDAY, 11, 30),
        at(MONDAY, 12, 30),
        at(MONDAY, 11),
    ]
    assert (booking.starts_at, booking.sequence, booking.agent) == (at(MONDAY, 10), 0, agent)


def test_reschedule_inside_minimum_notice_is_refused(taxpayer):
    agent_working(start=time(0), end=time(23, 59))
    booking = book(taxpayer, at(MONDAY, 10))

    error = refused(services.booking_reschedule, booking=booking, starts_at=NOW + timedelta(minutes=30), now=NOW)

    assert error.code == "notice"


# booking_cancel and manage links


def test_cancel_marks_the_booking_frees_the_time_and_ends_its_links(taxpayer):
    agent_working()
    booking = book(taxpayer, at(MONDAY, 10))
    token = services.booking_link_issue(booking=booking)

    services.booking_cancel(booking=booking)

    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason, booking.sequence) == (
        Booking.Status.CANCELLED,
        Booking.CancelReason.TAXPAYER,
        1,
    )
    assert BookingLink.objects.count() == 0
    assert services.booking_for_token(token=token) is None
    assert at(MONDAY, 10) in [item.starts_at for item in open_times_list(language="en", now=NOW)]


def test_cancelling_twice_is_refused(taxpayer):
    agent_working()
    booking = book(taxpayer, at(MONDAY, 10))
    services.booking_cancel(booking=booking)

    error = refused(services.booking_cancel, booking=booking)

    booking.refresh_from_db()
    assert error.code == "not_active"
    assert booking.sequence == 1


def test_manage_link_is_128_bits_and_only_its_hash_is_stored():
    booking = BookingFactory()

    token = services.booking_link_issue(booking=booking)

    (link,) = BookingLink.objects.all()
    assert len(urlsafe_b64decode(token + "==")) == 16
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in link.token_hash
    assert services.booking_for_token(token=token) == booking


def test_manage_link_changed_by_one_character_opens_nothing():
    booking = BookingFactory()
    token = services.booking_link_issue(booking=booking)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert services.booking_for_token(token=tampered) is None
    assert services.booking_for_token(token="") is None


@pytest.mark.parametrize("status", [Booking.Status.NO_SHOW, Booking.Status.COMPLETED])
def test_manage_link_of_a_booking_no_longer_active_opens_nothing(status):
    booking = BookingFactory()
    token = services.booking_link_issue(booking=booking)
    Booking.objects.filter(pk=booking.pk).update(status=status)

    assert services.booking_for_token(token=token) is None


# date_exception_add


def test_time_off_moves_booked_interviews_to_another_free_agent_with_the_same_language(
    django_capture_on_commit_callbacks,
):
    away = agent_working(languages=("en", "es"))
    english_only = agent_working()  # free, but does not speak Spanish
    spanish = agent_working(languages=("en", "es"))
    BookingFactory(agent=spanish, starts_at=at(MONDAY, 14))  # busier than english_only, still the one who fits
    booking = BookingFactory(agent=away, starts_at=at(MONDAY, 10), language="es")
    supervisor = SupervisorFactory()

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        exception, moved, cancelled = services.date_exception_add(
            editor=supervisor, agent=away, kind=DateException.Kind.TIME_OFF, day=MONDAY, start=time(9), end=time(12)
        )

    booking.refresh_from_db()
    assert (moved, cancelled) == ([booking], [])
    assert (booking.agent, booking.status, booking.starts_at, booking.sequence) == (
        spanish,
        Booking.Status.ACTIVE,
        at(MONDAY, 10),
        0,
    )
    assert (exception.agent, exception.created_by, exception.start, exception.end) == (
        away,
        supervisor,
        time(9),
        time(12),
    )
    assert english_only.agent_bookings.count() == 0
    assert mail.outbox == []


def test_time_off_cancels_interviews_no_other_agent_can_take_and_mails_the_taxpayer(
    django_capture_on_commit_callbacks,
):
    away = agent_working(languages=("en", "es"))
    agent_working()  # speaks only English
    taxpayer = TaxpayerFactory(full_name="Maria Lopez", email="maria@example.org")
    booking = BookingFactory(agent=away, taxpayer=taxpayer, starts_at=at(MONDAY, 10), language="es")

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        _exception, moved, cancelled = services.date_exception_add(
            editor=away, agent=away, kind=DateException.Kind.TIME_OFF, day=MONDAY, start=None, end=None
        )

    booking.refresh_from_db()
    assert (moved, cancelled) == ([], [booking])
    assert (booking.status, booking.cancel_reason, booking.sequence) == (
        Booking.Status.CANCELLED,
        Booking.CancelReason.AGENT_UNAVAILABLE,
        1,
    )
    (message,) = mail.outbox
    assert message.to == ["maria@example.org"]
    assert message.subject == "Your identity interview is cancelled"
    assert message.body.startswith(
        "Hello Maria,\n\nWe are sorry: no agent is available any more at the time of your interview, "
        "so we had to cancel it.\n"
    )
    calendar, event, mimetype = ics_of(message)
    assert (calendar["method"], event["status"], event.decoded("sequence")) == ("CANCEL", "CANCELLED", 1)
    assert mimetype == "text/calendar; method=CANCEL"


def test_time_off_leaves_interviews_outside_it_and_those_already_over_alone():
    away = agent_working()
    earlier = BookingFactory(agent=away, starts_at=at(MONDAY, 9))  # over by the time off is added
    outside = BookingFactory(agent=away, starts_at=at(MONDAY, 15))
    inside = BookingFactory(agent=away, starts_at=at(MONDAY, 11))

    with time_machine.travel(at(MONDAY, 9, 45), tick=False):
        _exception, moved, cancelled = services.date_exception_add(
            editor=away, agent=away, kind=DateException.Kind.TIME_OFF, day=MONDAY, start=time(8), end=time(12)
        )

    assert (moved, cancelled) == ([], [inside])
    assert list(Booking.objects.filter(status=Booking.Status.ACTIVE).order_by("starts_at")) == [earlier, outside]


def test_whole_day_time_off_covers_the_agents_own_calendar_day():
    away = agent_working("America/New_York", start=time(0), end=time(23, 59))
    # Monday 23:30 in New York is Tuesday 04:30 UTC; Tuesday 00:30 there is Tuesday 05:30 UTC.
    late_monday = BookingFactory(agent=away, starts_at=at(TUESDAY, 4, 30))
    early_tuesday = BookingFactory(agent=away, starts_at=at(TUESDAY, 5, 30))

    with time_machine.travel(NOW, tick=False):
        _exception, moved, cancelled = services.date_exception_add(
            editor=away, agent=away, kind=DateException.Kind.TIME_OFF, day=MONDAY, start=None, end=None
        )

    assert (moved, cancelled) == ([], [late_monday])
    early_tuesday.refresh_from_db()
    assert early_tuesday.status == Booking.Status.ACTIVE


def test_time_off_moves_an_audio_only_interview_only_to_an_agent_who_takes_audio_only():
    away = agent_working()
    refuses = agent_working()
    AgentProfileFactory(user=refuses, takes_audio_only=False)
    accepts = agent_working()
    BookingFactory(agent=accepts, starts_at=at(MONDAY, 14))
    booking = BookingFactory(agent=away, starts_at=at(MONDAY, 10), audio_only=True)

    with time_machine.travel(NOW, tick=False):
        services.date_exception_add(
            editor=away, agent=away, kind=DateException.Kind.TIME_OFF, day=MONDAY, start=time(10), end=time(11)
        )

    booking.refresh_from_db()
    assert booking.agent == accepts


def test_time_off_moves_a_booking_made_before_the_start_time_grid_changed():
    away, free = agent_working(), agent_working()
    booking = BookingFactory(agent=away, starts_at=at(MONDAY, 10, 30))
    set_rules(granularity_minutes=20)  # 10:30 is not on the new 20-minute grid

    with time_machine.travel(NOW, tick=False):
        _exception, moved, cancelled = services.date_exception_add(
            editor=away, agent=away, kind=DateException.Kind.TIME_OFF, day=MONDAY, start=None, end=None
        )

    booking.refresh_from_db()
    assert (moved, cancelled) == ([booking], [])
    assert (booking.agent, booking.status) == (free, Booking.Status.ACTIVE)


def test_extra_hours_move_and_cancel_nothing():
    agent = agent_working()
    booking = BookingFactory(agent=agent, starts_at=at(MONDAY, 10))

    with time_machine.travel(NOW, tick=False):
        exception, moved, cancelled = services.date_exception_add(
            editor=agent, agent=agent, kind=DateException.Kind.EXTRA, day=MONDAY, start=time(17), end=time(19)
        )

    assert (exception.kind, moved, cancelled) == (DateException.Kind.EXTRA, [], [])
    booking.refresh_from_db()
    assert booking.agent == agent


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        (DateException.Kind.TIME_OFF, time(12), time(11)),
        (DateException.Kind.TIME_OFF, time(12), time(12)),
        (DateException.Kind.TIME_OFF, time(12), None),
        (DateException.Kind.EXTRA, None, None),
    ],
)
def test_date_exception_with_a_bad_range_is_refused(agent, kind, start, end):
    error = refused(services.date_exception_add, editor=agent, agent=agent, kind=kind, day=MONDAY, start=start, end=end)

    assert error.code == "invalid"
    assert DateException.objects.count() == 0


@pytest.mark.parametrize("kind", [DateException.Kind.TIME_OFF, DateException.Kind.EXTRA])
def test_a_change_for_a_day_already_over_in_the_agents_zone_is_refused(kind):
    agent = AgentFactory(time_zone="Pacific/Guam")  # 01:00 on Monday there when it is Sunday 15:00 in UTC

    error = refused(
        services.date_exception_add,
        editor=agent,
        agent=agent,
        kind=kind,
        day=MONDAY - timedelta(days=1),
        start=time(9),
        end=time(12),
        now=at(MONDAY - timedelta(days=1), 15),
    )

    assert (error.code, error.message) == ("past", "Choose today or a later date.")
    assert DateException.objects.count() == 0


def test_time_off_today_in_the_agents_zone_is_added():
    agent = AgentFactory(time_zone="Pacific/Honolulu")  # still Sunday there when it is Monday 05:00 in UTC

    exception, _moved, _cancelled = services.date_exception_add(
        editor=agent,
        agent=agent,
        kind=DateException.Kind.TIME_OFF,
        day=MONDAY - timedelta(days=1),
        start=None,
        end=None,
        now=at(MONDAY, 5),
    )

    assert list(DateException.objects.all()) == [exception]


def test_a_change_after_the_last_day_pages_handle_is_refused(agent):
    error = refused(
        services.date_exception_add,
        editor=agent,
        agent=agent,
        kind=DateException.Kind.TIME_OFF,
        day=date(9999, 12, 31),
        start=None,
        end=None,
        now=NOW,
    )

    assert (error.code, error.message) == ("range", "Choose a date from 2000 to 2099.")
    assert DateException.objects.count() == 0


TIME_OFF_TAKEN = "This overlaps time off already set for that day."


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ((time(9), time(12)), (time(9), time(12))),
        ((time(9), time(12)), (time(11), time(13))),
        ((time(9), time(12)), (time(10), time(11))),
        ((time(9), time(12)), (None, None)),
        ((None, None), (time(9), time(12))),
        ((None, None), (None, None)),
    ],
)
def test_time_off_overlapping_time_off_that_day_is_refused(agent, existing, new):
    kwargs = {"editor": agent, "agent": agent, "kind": DateException.Kind.TIME_OFF, "day": MONDAY, "now": NOW}
    services.date_exception_add(**kwargs, start=existing[0], end=existing[1])

    refusal = refused(services.date_exception_add, **kwargs, start=new[0], end=new[1])

    assert (refusal.code, refusal.message) == ("overlap", TIME_OFF_TAKEN)
    assert list(DateException.objects.values_list("start", "end")) == [existing]


@pytest.mark.parametrize("new", [(time(12), time(13)), (time(7), time(9))])
def test_time_off_next_to_time_off_that_day_is_added(agent, new):
    kwargs = {"editor": agent, "agent": agent, "kind": DateException.Kind.TIME_OFF, "day": MONDAY, "now": NOW}
    services.date_exception_add(**kwargs, start=time(9), end=time(12))

    services.date_exception_add(**kwargs, start=new[0], end=new[1])

    assert sorted(DateException.objects.values_list("start", "end")) == sorted([(time(9), time(12)), new])


def test_extra_hours_overlapping_extra_hours_that_day_are_refused(agent):
    kwargs = {"editor": agent, "agent": agent, "kind": DateException.Kind.EXTRA, "day": MONDAY, "now": NOW}
    services.date_exception_add(**kwargs, start=time(17), end=time(19))

    error = refused(services.date_exception_add, **kwargs, start=time(18), end=time(20))

    assert (error.code, error.message) == ("overlap", "This overlaps extra hours already set for that day.")
    assert DateException.objects.count() == 1


def test_changes_of_another_kind_day_or_agent_do_not_overlap(agent):
    other = AgentFactory()
    for editor, kind, day in [
        (other, DateException.Kind.TIME_OFF, MONDAY),
        (agent, DateException.Kind.EXTRA, MONDAY),
        (agent, DateException.Kind.TIME_OFF, TUESDAY),
    ]:
        services.date_exception_add(
            editor=editor, agent=editor, kind=kind, day=day, start=time(9), end=time(12), now=NOW
        )

    services.date_exception_add(
        editor=agent, agent=agent, kind=DateException.Kind.TIME_OFF, day=MONDAY, start=time(9), end=time(12), now=NOW
    )

    assert DateException.objects.count() == 4


def test_agent_cannot_add_time_off_for_another_agent(agent):
    other = agent_working()
    booking = BookingFactory(agent=other, starts_at=at(MONDAY, 10))

    error = refused(
        services.date_exception_add,
        editor=agent,
        agent=other,
        kind=DateException.Kind.TIME_OFF,
        day=MONDAY,
        start=None,
        end=None,
    )

    booking.refresh_from_db()
    assert error.code == "role"
    assert (DateException.objects.count(), booking.status) == (0, Booking.Status.ACTIVE)


# weekly_hours_set


def test_agent_replaces_their_own_weekly_hours(agent):
    WeeklyHoursFactory(agent=agent, weekday=0)

    services.weekly_hours_set(
        editor=agent, agent=agent, ranges=[(1, time(8), time(12)), (1, time(12), time(16)), (3, time(10), time(14))]
    )

    assert sorted(agent.weekly_hours.values_list("weekday", "start", "end")) == [
        (1, time(8), time(12)),
        (1, time(12), time(16)),
        (3, time(10), time(14)),
    ]


def test_supervisor_sets_an_agents_weekly_hours(agent, supervisor):
    services.weekly_hours_set(editor=supervisor, agent=agent, ranges=[(4, time(9), time(13))])

    assert list(agent.weekly_hours.values_list("weekday", "start", "end")) == [(4, time(9), time(13))]


@pytest.mark.parametrize(
    ("ranges", "code"),
    [
        ([(0, time(9), time(12)), (0, time(11), time(14))], "overlap"),
        ([(0, time(9), time(17)), (0, time(10), time(11))], "overlap"),
        ([(0, time(12), time(9))], "range"),
        ([(0, time(9), time(9))], "range"),
    ],
)
def test_weekly_hours_that_overlap_or_end_before_they_start_are_refused_and_change_nothing(agent, ranges, code):
    WeeklyHoursFactory(agent=agent, weekday=2)

    error = refused(services.weekly_hours_set, editor=agent, agent=agent, ranges=ranges)

    assert error.code == code
    assert list(agent.weekly_hours.values_list("weekday", "start", "end")) == [(2, time(9), time(17))]


@pytest.mark.parametrize("editor_factory", [AgentFactory, TaxpayerFactory])
def test_only_the_agent_or_a_supervisor_can_change_an_agents_hours(agent, editor_factory):
    WeeklyHoursFactory(agent=agent, weekday=2)

    error = refused(services.weekly_hours_set, editor=editor_factory(), agent=agent, ranges=[])

    assert error.code == "role"
    assert WeeklyHours.objects.filter(agent=agent).count() == 1


def test_hours_are_kept_for_agents_only(supervisor):
    error = refused(services.weekly_hours_set, editor=supervisor, agent=supervisor, ranges=[(0, time(9), time(17))])

    assert error.code == "role"
    assert WeeklyHours.objects.count() == 0


# interview_settings_update


def test_supervisor_changes_the_interview_settings(supervisor):
    services.interview_settings_update(
        updated_by=supervisor, values={"interview_minutes": 30, "buffer_minutes": 5, "languages_offered": ["es"]}
    )

    rules = interview_settings_get()
    assert (rules.interview_minutes, rules.buffer_minutes, rules.languages_offered) == (30, 5, ["es"])


@pytest.mark.parametrize("factory", [AgentFactory, TaxpayerFactory])
def test_only_supervisors_change_the_interview_settings(factory):
    error = refused(services.interview_settings_update, updated_by=factory(), values={"interview_minutes": 30})

    assert error.code == "role"
    assert interview_settings_get().interview_minutes == 20


def test_interview_settings_out_of_range_are_refused_and_change_nothing(supervisor):
    with pytest.raises(ValidationError) as caught:
        services.interview_settings_update(
            updated_by=supervisor, values={"buffer_minutes": 5, "interview_minutes": 121}
        )

    assert set(caught.value.message_dict) == {"interview_minutes"}
    rules = interview_settings_get()
    assert (rules.interview_minutes, rules.buffer_minutes) == (20, 10)


# Mails: once each, in the taxpayer's language and zone, with a calendar file


def test_notification_sent_twice_mails_once(taxpayer):
    booking = BookingFactory(taxpayer=taxpayer, starts_at=at(MONDAY, 10))

    first = services.notification_send(booking_id=booking.pk, kind=SentNotification.Kind.CONFIRMATION, sequence=0)
    second = services.notification_send(booking_id=booking.pk, kind=SentNotification.Kind.CONFIRMATION, sequence=0)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assert notifications(booking) == [(SentNotification.Kind.CONFIRMATION, 0)]


def test_notification_for_an_older_sequence_or_a_missing_booking_sends_nothing():
    booking = BookingFactory(sequence=2)

    stale = services.notification_send(booking_id=booking.pk, kind=SentNotification.Kind.RESCHEDULED, sequence=1)
    missing = services.notification_send(booking_id=booking.pk + 1, kind=SentNotification.Kind.CONFIRMATION, sequence=0)

    assert (stale, missing) == (False, False)
    assert mail.outbox == []
    assert SentNotification.objects.count() == 0


def test_notification_whose_mail_fails_is_not_recorded_so_a_retry_sends_it(monkeypatch):
    booking = BookingFactory()

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(mail.EmailMessage, "send", refuse)
    with pytest.raises(ConnectionRefusedError):
        services.notification_send(booking_id=booking.pk, kind=SentNotification.Kind.CONFIRMATION, sequence=0)
    assert SentNotification.objects.count() == 0
    monkeypatch.undo()

    assert services.notification_send(booking_id=booking.pk, kind=SentNotification.Kind.CONFIRMATION, sequence=0)
    assert len(mail.outbox) == 1


def test_confirmation_mail_carries_a_calendar_request_at_the_booked_utc_time(django_capture_on_commit_callbacks):
    agent_working()
    taxpayer = TaxpayerFactory(full_name="Sam Lee", email="sam@example.org", time_zone="America/New_York")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(taxpayer, at(MONDAY, 15))

    (message,) = mail.outbox
    calendar, event, mimetype = ics_of(message)
    assert message.to == ["sam@example.org"]
    assert message.subject == "Your identity interview is booked: Jan. 11, 2027, 10 a.m."
    assert "When: Monday, January 11, 2027, 10 a.m. Eastern Time (New York)\n" in message.body
    assert f"Reference: {booking.reference}\n" in message.body
    assert (calendar["method"], event["status"], event.decoded("sequence")) == ("REQUEST", "CONFIRMED", 0)
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (at(MONDAY, 15), at(MONDAY, 15, 20))
    assert event["dtstart"].to_ical() == b"20270111T150000Z"
    assert str(event["uid"]) == f"{booking.reference}@liveverify"
    assert mimetype == "text/calendar; method=REQUEST"
    assert services.booking_for_token(token=token_in(message)) == booking


def test_rescheduled_mail_carries_the_new_time_and_a_higher_sequence(taxpayer, django_capture_on_commit_callbacks):
    agent_working()
    booking = book(taxpayer, at(MONDAY, 10))

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reschedule(booking=booking, starts_at=at(MONDAY, 13), now=NOW)

    (message,) = mail.outbox
    calendar, event, _mimetype = ics_of(message)
    assert message.subject.startswith("New time for your identity interview: ")
    assert (calendar["method"], event.decoded("sequence"), event.decoded("dtstart")) == (
        "REQUEST",
        1,
        at(MONDAY, 13),
    )
    assert str(event["uid"]) == f"{booking.reference}@liveverify"
    assert notifications(booking) == [(SentNotification.Kind.RESCHEDULED, 1)]


def test_cancellation_mail_carries_a_calendar_cancel(taxpayer, django_capture_on_commit_callbacks):
    agent_working()
    booking = book(taxpayer, at(MONDAY, 10))

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking)

    (message,) = mail.outbox
    calendar, event, mimetype = ics_of(message)
    assert message.subject == "Your identity interview is cancelled"
    assert "Your identity interview is cancelled, as you asked." in message.body
    assert (calendar["method"], event["status"], event.decoded("sequence")) == ("CANCEL", "CANCELLED", 1)
    assert event.decoded("dtstart") == at(MONDAY, 10)
    assert mimetype == "text/calendar; method=CANCEL"
    assert "/manage/" not in message.body


def test_mail_to_a_spanish_taxpayer_in_puerto_rico_is_in_spanish_and_local_time(django_capture_on_commit_callbacks):
    agent_working(languages=("en", "es"))
    taxpayer = TaxpayerFactory(full_name="Ana Rivera", preferred_language="es", time_zone="America/Puerto_Rico")

    with django_capture_on_commit_callbacks(execute=True):
        book(taxpayer, at(MONDAY, 10), language="es")

    (message,) = mail.outbox
    # 10:00 UTC is 06:00 in Puerto Rico (UTC-4, no daylight saving).
    assert message.subject.endswith(": 11 de enero de 2027 a las 06:00")
    assert message.body.startswith("Hola, Ana:\n")
    assert "lunes" in message.body
    assert ", 06:00 Hora del Atlántico (Puerto Rico, Islas Vírgenes de EE. UU.)\n" in message.body
    assert "Monday" not in message.body
    assert "10:00" not in message.body
    assert "a.m." not in message.body


def test_mail_language_follows_the_taxpayer_not_the_active_language():
    taxpayer = TaxpayerFactory(full_name="Ana Rivera", preferred_language="es", time_zone="UTC")
    booking = BookingFactory(taxpayer=taxpayer, starts_at=at(MONDAY, 10))
    english_taxpayer = TaxpayerFactory(full_name="Bo Chen", preferred_language="en", time_zone="UTC")
    english_booking = BookingFactory(taxpayer=english_taxpayer, starts_at=at(MONDAY, 11))

    with translation.override("es"):
        services.notification_send(booking_id=english_booking.pk, kind=SentNotification.Kind.NO_SHOW, sequence=0)
    services.notification_send(booking_id=booking.pk, kind=SentNotification.Kind.NO_SHOW, sequence=0)

    english, spanish = mail.outbox
    assert english.body.startswith("Hello Bo,\n")
    assert spanish.body.startswith("Hola, Ana:\n")


# reminders_send_due


def reminder_kinds() -> list[str]:
    return sorted(SentNotification.objects.values_list("kind", flat=True))


@pytest.mark.parametrize(
    ("now", "sent"),
    [
        (at(MONDAY, 10) - timedelta(hours=24, minutes=1), []),
        (at(MONDAY, 10) - timedelta(hours=24), [SentNotification.Kind.REMINDER_24H]),
        (at(MONDAY, 10) - timedelta(hours=2), [SentNotification.Kind.REMINDER_24H]),
        (at(MONDAY, 10) - timedelta(hours=1), [SentNotification.Kind.REMINDER_1H]),
        (at(MONDAY, 10) - timedelta(minutes=1), [SentNotification.Kind.REMINDER_1H]),
        (at(MONDAY, 10), []),
    ],
)
def test_reminder_due_at_each_moment(now, sent):
    BookingFactory(starts_at=at(MONDAY, 10), confirmed_at=at(MONDAY, 10) - timedelta(days=3))

    count = services.reminders_send_due(now=now)

    assert (count, reminder_kinds(), len(mail.outbox)) == (len(sent), sent, len(sent))


def test_reminders_go_out_once_each_through_a_day_of_sweeps():
    taxpayer = TaxpayerFactory(time_zone="UTC")
    booking = BookingFactory(taxpayer=taxpayer, starts_at=at(MONDAY, 10), confirmed_at=NOW - timedelta(days=2))

    counts = [
        services.reminders_send_due(now=at(MONDAY, 10) - timedelta(minutes=minutes))
        for minutes in range(24 * 60 + 30, -1, -30)
    ]

    assert sum(counts) == 2
    assert notifications(booking) == [(SentNotification.Kind.REMINDER_1H, 0), (SentNotification.Kind.REMINDER_24H, 0)]
    assert [message.subject for message in mail.outbox] == [
        "Reminder: your identity interview is on Monday, January 11 at 10 a.m.",
        "Your identity interview starts soon, at 10 a.m.",
    ]
    assert services.booking_for_token(token=token_in(mail.outbox[0])) == booking


def test_booking_made_inside_the_day_before_gets_no_day_before_reminder_but_the_hour_before_one():
    booking = BookingFactory(starts_at=at(MONDAY, 10), confirmed_at=at(MONDAY, 10) - timedelta(hours=5))

    early = services.reminders_send_due(now=at(MONDAY, 10) - timedelta(hours=4))
    late = services.reminders_send_due(now=at(MONDAY, 10) - timedelta(minutes=59))

    assert (early, late) == (0, 1)
    assert notifications(booking) == [(SentNotification.Kind.REMINDER_1H, 0)]


def test_booking_made_inside_the_last_hour_gets_no_reminder():
    BookingFactory(starts_at=at(MONDAY, 10), confirmed_at=at(MONDAY, 9, 20))

    assert services.reminders_send_due(now=at(MONDAY, 9, 30)) == 0
    assert mail.outbox == []


def test_cancelled_booking_gets_no_reminder():
    BookingFactory(starts_at=at(MONDAY, 10), confirmed_at=NOW - timedelta(days=2), status=Booking.Status.CANCELLED)

    assert services.reminders_send_due(now=at(MONDAY, 9)) == 0


def test_rescheduled_booking_gets_its_reminder_again(taxpayer):
    agent_working()
    booking = book(taxpayer, at(MONDAY, 10), now=NOW - timedelta(days=3))
    assert services.reminders_send_due(now=at(MONDAY, 10) - timedelta(hours=20)) == 1

    services.booking_reschedule(booking=booking, starts_at=at(TUESDAY, 16), now=at(MONDAY, 10) - timedelta(hours=19))
    again = services.reminders_send_due(now=at(TUESDAY, 16) - timedelta(hours=23))
    repeat = services.reminders_send_due(now=at(TUESDAY, 16) - timedelta(hours=22))

    assert (again, repeat) == (1, 0)
    assert notifications(booking) == [(SentNotification.Kind.REMINDER_24H, 0), (SentNotification.Kind.REMINDER_24H, 1)]


# no_shows_mark


def test_booking_not_joined_after_the_grace_period_is_marked_missed_and_mailed():
    taxpayer = TaxpayerFactory(full_name="Lee Park")
    booking = BookingFactory(taxpayer=taxpayer, starts_at=at(MONDAY, 10))
    token = services.booking_link_issue(booking=booking)

    within_grace = services.no_shows_mark(now=at(MONDAY, 10, 10))
    after_grace = services.no_shows_mark(now=at(MONDAY, 10, 11))
    again = services.no_shows_mark(now=at(MONDAY, 10, 30))

    booking.refresh_from_db()
    assert (within_grace, after_grace, again) == (0, 1, 0)
    assert booking.status == Booking.Status.NO_SHOW
    assert services.booking_for_token(token=token) is None
    (message,) = mail.outbox
    assert message.subject == "We missed you at your identity interview"
    assert message.body.startswith(
        "Hello Lee,\n\nYou did not join your identity interview, so we have marked it as missed.\n"
    )
    assert notifications(booking) == [(SentNotification.Kind.NO_SHOW, 0)]


def test_no_show_grace_period_follows_the_settings():
    set_rules(no_show_grace_minutes=30)
    booking = BookingFactory(starts_at=at(MONDAY, 10))

    assert services.no_shows_mark(now=at(MONDAY, 10, 29)) == 0
    assert services.no_shows_mark(now=at(MONDAY, 10, 31)) == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_taxpayer_who_joined_or_cancelled_is_not_marked_missed():
    joined = BookingFactory(starts_at=at(MONDAY, 10), taxpayer_joined_at=at(MONDAY, 9, 58))
    cancelled = BookingFactory(starts_at=at(MONDAY, 10), status=Booking.Status.CANCELLED)

    assert services.no_shows_mark(now=at(MONDAY, 11)) == 0
    joined.refresh_from_db()
    cancelled.refresh_from_db()
    assert (joined.status, cancelled.status) == (Booking.Status.ACTIVE, Booking.Status.CANCELLED)
    assert mail.outbox == []


def test_hours_and_time_off_changes_go_in_the_audit_trail(agent, supervisor):
    from audit.models import AuditRecord

    services.weekly_hours_set(editor=supervisor, agent=agent, ranges=[(4, time(9), time(13))])
    exception, _moved, _cancelled = services.date_exception_add(
        editor=agent, agent=agent, kind="time_off", day=NOW.date() + timedelta(days=3), start=None, end=None, now=NOW
    )
    services.date_exception_remove(editor=agent, exception=exception)

    records = AuditRecord.objects.filter(object_id=str(agent.pk)).order_by("pk")
    assert [(r.action, r.actor_id) for r in records] == [
        ("hours.weekly", supervisor.pk),
        ("hours.exception_add", agent.pk),
        ("hours.exception_remove", agent.pk),
    ]
    assert records[0].details == {"ranges": [[4, "09:00", "13:00"]]}
