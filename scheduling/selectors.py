"""Reads shared by scheduling views, services and tasks."""

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, QuerySet

from accounts.models import User
from scheduling.models import Booking, DateException, InterviewSettings, WeeklyHours

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight UTC: start times align to it
# The days pages take from a link or a form: any year someone could mean. Near the ends of
# Python's calendar a day's neighbours (the week after, the same moment in UTC) do not exist.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


@dataclass(frozen=True)
class OpenTime:
    starts_at: datetime
    agent_ids: tuple[int, ...]


def interview_settings_get() -> InterviewSettings:
    """The interview settings row, created with defaults on first use."""
    settings_row, _created = InterviewSettings.objects.get_or_create(pk=1)
    return settings_row


def agents_for(*, language: str, audio_only: bool = False) -> QuerySet[User]:
    """Active agents who hold interviews in this language (and take audio-only ones if asked)."""
    agents = User.objects.filter(role=User.Role.AGENT, is_active=True, agent_languages__language=language)
    if audio_only:
        agents = agents.exclude(agent_profile__takes_audio_only=False)
    return agents.distinct()


def local_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a day in a zone, as UTC. A time skipped by a DST change moves forward."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _subtract(ranges: list[tuple[time, time]], cut: tuple[time, time]) -> list[tuple[time, time]]:
    result = []
    for start, end in ranges:
        if cut[1] <= start or cut[0] >= end:
            result.append((start, end))
            continue
        if start < cut[0]:
            result.append((start, cut[0]))
        if cut[1] < end:
            result.append((cut[1], end))
    return result


def _merge(ranges: Iterable[tuple[time, time]]) -> list[tuple[time, time]]:
    merged: list[tuple[time, time]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def working_intervals(*, agents: Iterable[User], start: datetime, end: datetime) -> dict[int, list[tuple]]:
    """Each agent's working time between two instants, as sorted UTC (start, end) pairs.

    Weekly hours and dated exceptions are wall-clock times in the agent's own zone, so the
    same 9:00-17:00 is a different UTC range before and after a daylight-saving change.
    """
    agents = list(agents)
    weekly: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for row in WeeklyHours.objects.filter(agent__in=agents).values_list("agent_id", "weekday", "start", "end"):
        weekly[row[0]][row[1]].append((row[2], row[3]))
    first_day, last_day = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
    exceptions: dict[tuple[int, date], list[DateException]] = defaultdict(list)
    for exception in DateException.objects.filter(agent__in=agents, date__range=(first_day, last_day)):
        exceptions[(exception.agent_id, exception.date)].append(exception)

    result: dict[int, list[tuple]] = {}
    for agent in agents:
        zone = ZoneInfo(agent.time_zone)
        day, last_local = start.astimezone(zone).date(), end.astimezone(zone).date()
        intervals = []
        while day <= last_local:
            ranges = list(weekly[agent.pk][day.weekday()])
            day_exceptions = exceptions[(agent.pk, day)]
            ranges += [(e.start, e.end) for e in day_exceptions if e.kind == DateException.Kind.EXTRA]
            ranges = _merge(ranges)
            for exception in day_exceptions:
                if exception.kind == DateException.Kind.TIME_OFF:
                    ranges = [] if exception.whole_day else _subtract(ranges, (exception.start, exception.end))
            for range_start, range_end in ranges:
                utc_start, utc_end = local_to_utc(day, range_start, zone), local_to_utc(day, range_end, zone)
                if utc_end > start and utc_start < end and utc_end > utc_start:
                    intervals.append((max(utc_start, start), min(utc_end, end)))
            day += timedelta(days=1)
        result[agent.pk] = sorted(intervals)
    return result


def _align_up(moment: datetime, minutes: int) -> datetime:
    step = timedelta(minutes=minutes)
    offset = (moment - EPOCH) % step
    return moment if not offset else moment + (step - offset)


def open_times_list(
    *,
    language: str,
    now: datetime,
    audio_only: bool = False,
    exclude_booking: Booking | None = None,
    only_at: datetime | None = None,
    within_booking_window: bool = True,
    follow_up: bool = False,
) -> list[OpenTime]:
    """Start times a taxpayer can book, with the agents free at each, in time order.

    Honours working hours and exceptions, other bookings plus their buffers, minimum
    notice, the booking horizon and the per-agent daily limit. `only_at` narrows the
    answer to one start time (the booking service uses it to find free agents); moving a
    booking already made to another agent passes `within_booking_window=False`, since
    notice and horizon were checked when it was booked. A follow-up to an inconclusive
    interview (`follow_up`) skips the minimum notice: it goes ahead of the usual wait.
    """
    rules = interview_settings_get()
    if language not in rules.languages_offered:
        return []
    length = timedelta(minutes=rules.interview_minutes)
    block = length + timedelta(minutes=rules.buffer_minutes)
    notice = 0 if follow_up else rules.minimum_notice_minutes
    earliest = _align_up(now + timedelta(minutes=notice), rules.granularity_minutes)
    latest = now + timedelta(days=rules.horizon_days)
    if only_at is not None:
        if within_booking_window and (only_at < earliest or only_at > latest):
            return []
        earliest, latest = only_at, only_at
    window_end = latest + block

    agents = list(agents_for(language=language, audio_only=audio_only))
    intervals = working_intervals(agents=agents, start=earliest, end=window_end)
    bookings = Booking.objects.filter(
        agent__in=agents, status=Booking.Status.ACTIVE, blocked_until__gt=earliest - block, starts_at__lt=window_end
    )
    if exclude_booking is not None:
        bookings = bookings.exclude(pk=exclude_booking.pk)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for agent_id, starts_at, blocked_until in bookings.values_list("agent_id", "starts_at", "blocked_until"):
        busy[agent_id].append((starts_at, blocked_until))
    # Whole calendar days around the window, so a day's later bookings count too.
    per_day = daily_counts(
        agents=agents, start=earliest - timedelta(days=1), end=window_end + timedelta(days=1), exclude=exclude_booking
    )

    free: dict[datetime, list[int]] = defaultdict(list)
    step_minutes = rules.granularity_minutes
    step = timedelta(minutes=step_minutes)
    for agent in agents:
        zone = ZoneInfo(agent.time_zone)
        # An agent's bookings never overlap, so sorted by start they are sorted by end too.
        agent_busy = sorted(busy[agent.pk])
        busy_starts = [starts_at for starts_at, _until in agent_busy]
        for interval_start, interval_end in intervals[agent.pk]:
            # A booking being moved keeps its own time, even if the start-time grid changed since.
            candidate = only_at if only_at is not None else _align_up(max(interval_start, earliest), step_minutes)
            if candidate < interval_start:
                continue
            while candidate + length <= interval_end and candidate <= latest:
                before = bisect.bisect_left(busy_starts, candidate + block)
                clash = before > 0 and agent_busy[before - 1][1] > candidate
                local_day = candidate.astimezone(zone).date()
                if not clash and per_day.get((agent.pk, local_day), 0) < rules.agent_daily_limit:
                    free[candidate].append(agent.pk)
                candidate += step
    return [OpenTime(starts_at=moment, agent_ids=tuple(ids)) for moment, ids in sorted(free.items())]


def daily_counts(
    *, agents: Iterable[User], start: datetime, end: datetime, exclude: Booking | None = None
) -> dict[tuple[int, date], int]:
    """Interviews (booked, held or missed; not cancelled) per agent per day of the agent's own calendar."""
    zones = {agent.pk: ZoneInfo(agent.time_zone) for agent in agents}
    rows = Booking.objects.filter(agent_id__in=zones, starts_at__range=(start, end)).exclude(
        status=Booking.Status.CANCELLED
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for agent_id, starts_at in rows.values_list("agent_id", "starts_at"):
        counts[(agent_id, starts_at.astimezone(zones[agent_id]).date())] += 1
    return counts


def agents_ranked_for(*, agent_ids: Iterable[int], starts_at: datetime) -> list[User]:
    """Free agents in the order a booking should try them: fewest interviews that day, then
    the one who was assigned longest ago (round robin), then by id."""
    agents = list(
        User.objects.filter(pk__in=list(agent_ids)).annotate(
            last_assigned=Max("agent_bookings__created_at", filter=~Q(agent_bookings__status=Booking.Status.CANCELLED))
        )
    )
    counts = daily_counts(agents=agents, start=starts_at - timedelta(days=1), end=starts_at + timedelta(days=1))

    def key(agent: User) -> tuple:
        local_day = starts_at.astimezone(ZoneInfo(agent.time_zone)).date()
        last = agent.last_assigned or datetime.min.replace(tzinfo=UTC)
        return (counts.get((agent.pk, local_day), 0), last, agent.pk)

    return sorted(agents, key=key)


def nearest_open_times(*, language: str, now: datetime, around: datetime, audio_only: bool, count: int = 3) -> list:
    """The open times closest to a wanted time, for when that time was just taken."""
    times = open_times_list(language=language, now=now, audio_only=audio_only)
    return sorted(times, key=lambda open_time: abs(open_time.starts_at - around))[:count]


def active_booking_for(*, taxpayer: User) -> Booking | None:
    return Booking.objects.filter(taxpayer=taxpayer, status=Booking.Status.ACTIVE).select_related("agent").first()


def bookings_between(*, start: datetime, end: datetime, agent: User | None = None) -> QuerySet[Booking]:
    """Bookings in a period for calendars, with the people they show."""
    rows = Booking.objects.filter(starts_at__gte=start, starts_at__lt=end).select_related(
        "taxpayer", "taxpayer__taxpayer_profile", "agent"
    )
    if agent is not None:
        rows = rows.filter(agent=agent)
    return rows.order_by("starts_at")
