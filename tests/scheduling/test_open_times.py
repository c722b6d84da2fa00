"""open_times_list: working hours in each agent's zone, across daylight-saving changes, and every rule that
removes a time. Every call passes `now`; nothing here reads the real clock."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from scheduling.models import Booking, DateException
from scheduling.selectors import OpenTime, interview_settings_get, open_times_list
from tests.factories import (
    AgentFactory,
    AgentLanguageFactory,
    AgentProfileFactory,
    BookingFactory,
    DateExceptionFactory,
    WeeklyHoursFactory,
)

pytestmark = pytest.mark.django_db

EVERY_DAY = range(7)
# Mondays: 2027-01-11 in winter, 2027-07-12 in summer (US daylight saving time).
WINTER_MONDAY = date(2027, 1, 11)
SUMMER_MONDAY = date(2027, 7, 12)
SPRING_FORWARD = date(2027, 3, 14)  # a Sunday: 02:00 becomes 03:00 in the US
FALL_BACK = date(2027, 11, 7)  # a Sunday: 02:00 becomes 01:00 again in the US


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def set_rules(**values) -> None:
    rules = interview_settings_get()
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()


def agent_working(
    zone: str = "UTC", *, days: Iterable[int] = EVERY_DAY, start: time = time(9), end: time = time(17)
) -> User:
    agent = AgentFactory(time_zone=zone)
    for weekday in days:
        WeeklyHoursFactory(agent=agent, weekday=weekday, start=start, end=end)
    return agent


def starts(open_times: list[OpenTime]) -> list[datetime]:
    return [open_time.starts_at for open_time in open_times]


def starts_between(open_times: list[OpenTime], first: datetime, last: datetime) -> list[datetime]:
    """Start times from `first` up to and including `last`."""
    return [moment for moment in starts(open_times) if first <= moment <= last]


def starts_on_local_day(open_times: list[OpenTime], zone: str, day: date) -> list[datetime]:
    return [moment for moment in starts(open_times) if moment.astimezone(ZoneInfo(zone)).date() == day]


def every(first: datetime, last: datetime, minutes: int = 30) -> list[datetime]:
    """Instants from first to last inclusive, `minutes` apart."""
    moments = []
    while first <= last:
        moments.append(first)
        first += timedelta(minutes=minutes)
    return moments


def day_before(day: date) -> datetime:
    return at(day - timedelta(days=1), 0)


# Time zones and daylight saving


@pytest.mark.parametrize(
    ("zone", "winter_first", "summer_first"),
    [
        ("America/New_York", at(WINTER_MONDAY, 14), at(SUMMER_MONDAY, 13)),
        ("America/Los_Angeles", at(WINTER_MONDAY, 17), at(SUMMER_MONDAY, 16)),
        ("America/Puerto_Rico", at(WINTER_MONDAY, 13), at(SUMMER_MONDAY, 13)),
        ("Pacific/Honolulu", at(WINTER_MONDAY, 19), at(SUMMER_MONDAY, 19)),
    ],
)
def test_nine_to_five_in_the_agents_zone_gives_these_utc_times_in_winter_and_summer(zone, winter_first, summer_first):
    agent_working(zone)

    winter = starts_on_local_day(open_times_list(language="en", now=day_before(WINTER_MONDAY)), zone, WINTER_MONDAY)
    summer = starts_on_local_day(open_times_list(language="en", now=day_before(SUMMER_MONDAY)), zone, SUMMER_MONDAY)

    # 09:00 to 16:30 local, every 30 minutes (the last 20-minute interview ends at 16:50).
    assert winter == every(winter_first, winter_first + timedelta(hours=7, minutes=30))
    assert summer == every(summer_first, summer_first + timedelta(hours=7, minutes=30))


def test_honolulu_afternoon_times_fall_on_the_next_utc_day():
    agent_working("Pacific/Honolulu", days=[WINTER_MONDAY.weekday()])

    times = starts_on_local_day(
        open_times_list(language="en", now=day_before(WINTER_MONDAY)), "Pacific/Honolulu", WINTER_MONDAY
    )

    assert times == every(at(WINTER_MONDAY, 19), at(WINTER_MONDAY + timedelta(days=1), 2, 30))


@pytest.mark.parametrize(
    ("zone", "change_day", "first_before", "first_on"),
    [
        ("America/New_York", SPRING_FORWARD, 14, 13),
        ("America/Los_Angeles", SPRING_FORWARD, 17, 16),
        ("America/Puerto_Rico", SPRING_FORWARD, 13, 13),
        ("Pacific/Honolulu", SPRING_FORWARD, 19, 19),
        ("America/New_York", FALL_BACK, 13, 14),
        ("America/Los_Angeles", FALL_BACK, 16, 17),
        ("America/Puerto_Rico", FALL_BACK, 13, 13),
        ("Pacific/Honolulu", FALL_BACK, 19, 19),
    ],
)
def test_the_day_of_a_daylight_saving_change_keeps_local_hours_and_moves_utc_hours(
    zone, change_day, first_before, first_on
):
    agent_working(zone)
    saturday = change_day - timedelta(days=1)
    open_times = open_times_list(language="en", now=day_before(saturday))

    before = starts_on_local_day(open_times, zone, saturday)
    on_the_day = starts_on_local_day(open_times, zone, change_day)

    assert before == every(at(saturday, first_before), at(saturday, first_before) + timedelta(hours=7, minutes=30))
    assert on_the_day == every(at(change_day, first_on), at(change_day, first_on) + timedelta(hours=7, minutes=30))
    assert [moment.astimezone(ZoneInfo(zone)).time() for moment in on_the_day] == [
        time(9 + index // 2, 30 * (index % 2)) for index in range(16)
    ]


@pytest.mark.parametrize(
    ("sunday", "slots"),
    [
        (date(2027, 3, 7), 47),  # an ordinary Sunday: 23.5 hours of work
        (SPRING_FORWARD, 45),  # the day is 23 hours long: 22.5 hours of work
        (FALL_BACK, 49),  # the day is 25 hours long: 24.5 hours of work
    ],
)
def test_a_whole_day_of_new_york_hours_has_as_many_times_as_the_day_has_hours(sunday, slots):
    agent_working("America/New_York", days=[6], start=time(0), end=time(23, 30))

    times = starts_on_local_day(open_times_list(language="en", now=day_before(sunday)), "America/New_York", sunday)

    assert len(times) == slots
    assert times[0] == datetime.combine(sunday, time(0), tzinfo=ZoneInfo("America/New_York"))
    assert times[-1] == datetime.combine(sunday, time(23), tzinfo=ZoneInfo("America/New_York"))


def test_range_across_the_skipped_hour_on_spring_forward_day_gives_three_hours_of_times():
    agent_working("America/New_York", days=[6], start=time(1), end=time(5))

    times = starts_on_local_day(
        open_times_list(language="en", now=day_before(SPRING_FORWARD)), "America/New_York", SPRING_FORWARD
    )

    # 01:00 EST is 06:00 UTC; 05:00 EDT is 09:00 UTC.
    assert times == every(at(SPRING_FORWARD, 6), at(SPRING_FORWARD, 8, 30))


def test_range_across_the_repeated_hour_on_fall_back_day_gives_five_hours_of_times():
    agent_working("America/New_York", days=[6], start=time(1), end=time(5))

    times = starts_on_local_day(
        open_times_list(language="en", now=day_before(FALL_BACK)), "America/New_York", FALL_BACK
    )

    # 01:00 EDT (the first of the two) is 05:00 UTC; 05:00 EST is 10:00 UTC.
    assert times == every(at(FALL_BACK, 5), at(FALL_BACK, 9, 30))


@pytest.mark.parametrize("sunday", [SPRING_FORWARD, FALL_BACK])
def test_same_range_in_puerto_rico_gives_four_hours_on_us_change_days(sunday):
    agent_working("America/Puerto_Rico", days=[6], start=time(1), end=time(5))

    times = starts_on_local_day(open_times_list(language="en", now=day_before(sunday)), "America/Puerto_Rico", sunday)

    assert times == every(at(sunday, 5), at(sunday, 8, 30))


# Minimum notice, horizon and grid


@pytest.mark.parametrize(
    ("now", "notice", "first"),
    [
        (at(WINTER_MONDAY, 8, 10), 60, at(WINTER_MONDAY, 9, 30)),
        (at(WINTER_MONDAY, 8, 10), 120, at(WINTER_MONDAY, 10, 30)),
        (at(WINTER_MONDAY, 8, 0), 60, at(WINTER_MONDAY, 9, 0)),
        (at(WINTER_MONDAY, 8, 10), 0, at(WINTER_MONDAY, 9, 0)),
        (at(WINTER_MONDAY, 12, 1), 0, at(WINTER_MONDAY, 12, 30)),
    ],
)
def test_first_time_is_now_plus_minimum_notice_rounded_up_to_the_grid(now, notice, first):
    set_rules(minimum_notice_minutes=notice)
    agent_working()

    assert starts(open_times_list(language="en", now=now))[0] == first


def test_last_time_is_at_the_booking_horizon():
    set_rules(horizon_days=1)
    agent_working()
    now = at(WINTER_MONDAY, 12)

    times = starts(open_times_list(language="en", now=now))

    assert times[-1] == at(WINTER_MONDAY + timedelta(days=1), 12)
    assert times == every(at(WINTER_MONDAY, 13), at(WINTER_MONDAY, 16, 30)) + every(
        at(WINTER_MONDAY + timedelta(days=1), 9), at(WINTER_MONDAY + timedelta(days=1), 12)
    )


@pytest.mark.parametrize(
    ("granularity", "start", "expected"),
    [
        (20, time(9, 10), ["09:20", "09:40", "10:00", "10:20", "10:40"]),
        (45, time(9, 0), ["09:00", "09:45", "10:30"]),
        (15, time(9, 5), ["09:15", "09:30", "09:45", "10:00", "10:15", "10:30"]),
    ],
)
def test_start_times_are_on_the_granularity_grid(granularity, start, expected):
    set_rules(granularity_minutes=granularity)
    agent_working(days=[0], start=start, end=time(11))

    times = starts_on_local_day(open_times_list(language="en", now=day_before(WINTER_MONDAY)), "UTC", WINTER_MONDAY)

    assert [moment.strftime("%H:%M") for moment in times] == expected


# Bookings and buffers


def test_booking_blocks_its_time_and_its_buffer_but_not_the_time_before():
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 10))  # ends 10:20, buffer until 10:30

    times = starts_between(
        open_times_list(language="en", now=day_before(WINTER_MONDAY)), at(WINTER_MONDAY, 9), at(WINTER_MONDAY, 11)
    )

    assert times == [at(WINTER_MONDAY, 9), at(WINTER_MONDAY, 9, 30), at(WINTER_MONDAY, 10, 30), at(WINTER_MONDAY, 11)]


def test_new_interview_with_its_buffer_must_end_before_the_next_booking_starts():
    set_rules(buffer_minutes=15)
    agent = agent_working()
    BookingFactory(
        agent=agent,
        starts_at=at(WINTER_MONDAY, 10),
        ends_at=at(WINTER_MONDAY, 10, 20),
        blocked_until=at(WINTER_MONDAY, 10, 35),
    )

    times = starts_between(
        open_times_list(language="en", now=day_before(WINTER_MONDAY)), at(WINTER_MONDAY, 9), at(WINTER_MONDAY, 11)
    )

    # 09:30 would run with its buffer to 10:05; 10:30 is inside the booking's buffer.
    assert times == [at(WINTER_MONDAY, 9), at(WINTER_MONDAY, 11)]


def test_cancelled_booking_does_not_block_its_time():
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 10), status=Booking.Status.CANCELLED)

    times = starts(open_times_list(language="en", now=day_before(WINTER_MONDAY)))

    assert at(WINTER_MONDAY, 10) in times


def test_booking_being_moved_does_not_block_its_own_time():
    agent = agent_working()
    booking = BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 10))

    times = starts(open_times_list(language="en", now=day_before(WINTER_MONDAY), exclude_booking=booking))

    assert at(WINTER_MONDAY, 10) in times


def test_booking_of_one_agent_leaves_the_other_agent_free_at_that_time():
    first, second = agent_working(), agent_working()
    BookingFactory(agent=first, starts_at=at(WINTER_MONDAY, 10))

    open_times = {
        item.starts_at: item.agent_ids for item in open_times_list(language="en", now=day_before(WINTER_MONDAY))
    }

    assert open_times[at(WINTER_MONDAY, 10)] == (second.pk,)
    assert sorted(open_times[at(WINTER_MONDAY, 9)]) == sorted([first.pk, second.pk])


def test_agent_at_the_daily_limit_offers_no_more_times_that_day():
    set_rules(agent_daily_limit=2)
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 10))
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 15))
    tuesday = WINTER_MONDAY + timedelta(days=1)

    open_times = open_times_list(language="en", now=day_before(WINTER_MONDAY))

    assert starts_on_local_day(open_times, "UTC", WINTER_MONDAY) == []
    assert starts_on_local_day(open_times, "UTC", tuesday) == every(at(tuesday, 9), at(tuesday, 16, 30))


def test_agent_one_below_the_daily_limit_still_offers_the_other_times_that_day():
    set_rules(agent_daily_limit=3)
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 10))
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 15))

    times = starts_on_local_day(open_times_list(language="en", now=day_before(WINTER_MONDAY)), "UTC", WINTER_MONDAY)

    assert len(times) == 16 - 2


def test_daily_limit_counts_the_agents_own_calendar_day():
    set_rules(agent_daily_limit=1)
    agent = agent_working("Pacific/Honolulu")
    # Monday 09:00 in Honolulu is 19:00 UTC on Monday.
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 19))
    tuesday = WINTER_MONDAY + timedelta(days=1)

    open_times = open_times_list(language="en", now=day_before(WINTER_MONDAY))

    # Monday 15:00 in Honolulu is Tuesday 01:00 UTC, still the agent's Monday: not offered.
    assert starts_on_local_day(open_times, "Pacific/Honolulu", WINTER_MONDAY) == []
    assert starts_on_local_day(open_times, "Pacific/Honolulu", tuesday)[0] == at(tuesday, 19)


def test_only_at_answer_agrees_with_the_full_list_about_the_daily_limit():
    set_rules(agent_daily_limit=1)
    agent = agent_working()
    BookingFactory(agent=agent, starts_at=at(WINTER_MONDAY, 15))
    now = day_before(WINTER_MONDAY)

    assert at(WINTER_MONDAY, 10) not in starts(open_times_list(language="en", now=now))
    assert open_times_list(language="en", now=now, only_at=at(WINTER_MONDAY, 10)) == []


# Time off and extra hours


def test_whole_day_time_off_removes_that_day_only():
    agent = agent_working()
    DateExceptionFactory(agent=agent, date=WINTER_MONDAY)
    tuesday = WINTER_MONDAY + timedelta(days=1)

    open_times = open_times_list(language="en", now=day_before(WINTER_MONDAY))

    assert starts_on_local_day(open_times, "UTC", WINTER_MONDAY) == []
    assert starts_on_local_day(open_times, "UTC", tuesday) == every(at(tuesday, 9), at(tuesday, 16, 30))


def test_part_day_time_off_removes_only_those_hours_in_the_agents_zone():
    agent = agent_working("America/New_York")
    DateExceptionFactory(agent=agent, date=WINTER_MONDAY, start=time(12), end=time(14))

    times = starts_on_local_day(
        open_times_list(language="en", now=day_before(WINTER_MONDAY)), "America/New_York", WINTER_MONDAY
    )

    # 09:00-12:00 and 14:00-17:00 New York time are 14:00-17:00 and 19:00-22:00 UTC.
    assert times == every(at(WINTER_MONDAY, 14), at(WINTER_MONDAY, 16, 30)) + every(
        at(WINTER_MONDAY, 19), at(WINTER_MONDAY, 21, 30)
    )


def test_extra_hours_add_times_on_a_day_without_weekly_hours():
    agent = agent_working(days=[0])
    saturday = WINTER_MONDAY + timedelta(days=5)
    DateExceptionFactory(agent=agent, kind=DateException.Kind.EXTRA, date=saturday, start=time(10), end=time(12))

    times = starts_on_local_day(open_times_list(language="en", now=day_before(WINTER_MONDAY)), "UTC", saturday)

    assert times == every(at(saturday, 10), at(saturday, 11, 30))


def test_extra_hours_join_the_weekly_hours_they_touch():
    agent = agent_working(days=[0])
    DateExceptionFactory(
        agent=agent, kind=DateException.Kind.EXTRA, date=WINTER_MONDAY, start=time(16, 30), end=time(18)
    )

    times = starts_on_local_day(open_times_list(language="en", now=day_before(WINTER_MONDAY)), "UTC", WINTER_MONDAY)

    assert times == every(at(WINTER_MONDAY, 9), at(WINTER_MONDAY, 17, 30))


# Language and audio-only


def test_only_agents_speaking_the_language_are_offered():
    english_only = agent_working(days=[0], start=time(9), end=time(11))
    bilingual = agent_working(days=[0], start=time(13), end=time(15))
    AgentLanguageFactory(agent=bilingual, language="es")
    now = day_before(WINTER_MONDAY)

    monday = (at(WINTER_MONDAY, 0), at(WINTER_MONDAY, 23, 59))
    spanish = [item for item in open_times_list(language="es", now=now) if monday[0] <= item.starts_at <= monday[1]]
    english = [item for item in open_times_list(language="en", now=now) if monday[0] <= item.starts_at <= monday[1]]

    assert spanish == [
        OpenTime(starts_at=moment, agent_ids=(bilingual.pk,))
        for moment in every(at(WINTER_MONDAY, 13), at(WINTER_MONDAY, 14, 30))
    ]
    assert (
        english
        == [
            OpenTime(starts_at=moment, agent_ids=(english_only.pk,))
            for moment in every(at(WINTER_MONDAY, 9), at(WINTER_MONDAY, 10, 30))
        ]
        + spanish
    )


def test_language_not_offered_has_no_times_even_with_agents_speaking_it():
    set_rules(languages_offered=["en"])
    agent = agent_working()
    AgentLanguageFactory(agent=agent, language="es")

    assert open_times_list(language="es", now=day_before(WINTER_MONDAY)) == []


def test_inactive_agent_is_not_offered():
    agent = agent_working()
    agent.is_active = False
    agent.save()

    assert open_times_list(language="en", now=day_before(WINTER_MONDAY)) == []


def test_audio_only_taxpayers_see_only_agents_who_take_audio_only_interviews():
    refuses = agent_working(days=[0])
    AgentProfileFactory(user=refuses, takes_audio_only=False)
    accepts = agent_working(days=[0])
    AgentProfileFactory(user=accepts, takes_audio_only=True)
    no_profile = agent_working(days=[0])
    now = day_before(WINTER_MONDAY)

    audio_only = open_times_list(language="en", now=now, audio_only=True)
    video = open_times_list(language="en", now=now)

    assert {frozenset(item.agent_ids) for item in audio_only} == {frozenset({accepts.pk, no_profile.pk})}
    assert {frozenset(item.agent_ids) for item in video} == {frozenset({refuses.pk, accepts.pk, no_profile.pk})}
    assert len(audio_only) == len(video) == 16 * 3  # 09:00-16:30 on the three Mondays within the horizon
