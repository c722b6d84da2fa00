"""Reads shared by operations views, consumers, services and tasks."""

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from interviews.models import InterviewSession
from interviews.selectors import wait_started_at
from operations.eta import AgentOnDuty, InLine, eta_ranges, quantile
from operations.models import AgentState, QueueEntry, QueueSettings
from scheduling.models import Booking
from scheduling.selectors import interview_settings_get, open_times_list, working_intervals
from verification.models import VerificationOutcome

State = AgentState.State
ON_DUTY = (State.AVAILABLE, State.IN_INTERVIEW, State.WRAP_UP)
RECENT_INTERVIEWS = 50


def queue_settings_get() -> QueueSettings:
    """The queue settings row, created with defaults on first use."""
    row, _created = QueueSettings.objects.get_or_create(pk=1)
    return row


def queue_languages() -> list[str]:
    """Languages the queue could open for: those interviews are offered in."""
    offered = interview_settings_get().languages_offered
    return [code for code, _name in settings.LANGUAGES if code in offered]


@dataclass(frozen=True)
class EffectiveState:
    state: str
    since: datetime | None
    until: datetime | None = None
    session_id: int | None = None


def agent_state_effective(row: AgentState | None, *, now: datetime) -> EffectiveState:
    """An agent's state as it stands now: no row is offline, a finished wrap-up is available."""
    if row is None:
        return EffectiveState(State.OFFLINE, None)
    if row.state == State.WRAP_UP and row.until is not None and row.until <= now:
        return EffectiveState(State.AVAILABLE, row.until)
    return EffectiveState(row.state, row.since, row.until, row.session_id)


def agent_state_get(*, agent: User, now: datetime | None = None) -> EffectiveState:
    now = now or timezone.now()
    return agent_state_effective(AgentState.objects.filter(agent=agent).first(), now=now)


def agents_active() -> QuerySet[User]:
    return (
        User.objects.filter(role=User.Role.AGENT, is_active=True)
        .select_related("operations_state", "agent_profile")
        .prefetch_related("agent_languages")
        .order_by("full_name", "pk")
    )


def _languages_of(agent: User) -> set[str]:
    return {row.language for row in agent.agent_languages.all()}


def recent_lengths(*, now: datetime, limit: int = RECENT_INTERVIEWS) -> list[float]:
    """Lengths in seconds of the latest completed interviews (admitted to ended), newest first."""
    rows = (
        InterviewSession.objects.filter(
            state=InterviewSession.State.COMPLETED,
            admitted_at__isnull=False,
            ended_at__lte=now,
            ended_at__gte=now - timedelta(days=14),
        )
        .order_by("-ended_at")
        .values_list("admitted_at", "ended_at")[:limit]
    )
    return [(ended - admitted).total_seconds() for admitted, ended in rows if ended > admitted]


def recent_leave_share(*, now: datetime, limit: int = RECENT_INTERVIEWS) -> float:
    """Of the latest queue entries whose turn is settled, the share who left before being taken."""
    statuses = list(
        QueueEntry.objects.filter(ended_at__lte=now, ended_at__gte=now - timedelta(days=7))
        .exclude(status=QueueEntry.Status.WAITING)
        .order_by("-ended_at")
        .values_list("status", flat=True)[:limit]
    )
    return sum(status != QueueEntry.Status.TAKEN for status in statuses) / len(statuses) if statuses else 0.0


def agents_on_duty(*, now: datetime) -> list[AgentOnDuty]:
    """The agents who take talk-now taxpayers now or soon, as the estimate sees them."""
    sessions = {}
    result = []
    for agent in agents_active():
        state = agent_state_effective(getattr(agent, "operations_state", None), now=now)
        if state.state not in ON_DUTY:
            continue
        who = {
            "languages": frozenset(_languages_of(agent)),
            "takes_audio_only": getattr(getattr(agent, "agent_profile", None), "takes_audio_only", True),
        }
        if state.state == State.IN_INTERVIEW:
            if state.session_id not in sessions:
                sessions[state.session_id] = (
                    InterviewSession.objects.filter(pk=state.session_id).values_list("admitted_at", flat=True).first()
                )
            started = sessions[state.session_id] or state.since
            result.append(AgentOnDuty("in_interview", elapsed_seconds=(now - started).total_seconds(), **who))
        elif state.state == State.WRAP_UP:
            result.append(AgentOnDuty("wrap_up", wrap_up_left_seconds=(state.until - now).total_seconds(), **who))
        else:
            result.append(AgentOnDuty("available", **who))
    return result


def queue_waiting(*, language: str | None = None) -> QuerySet[QueueEntry]:
    """Entries still in the queue, in the order agents take them."""
    rows = QueueEntry.objects.filter(status=QueueEntry.Status.WAITING)
    if language is not None:
        rows = rows.filter(language=language)
    return rows.order_by("joined_at", "pk")


def queue_entry_ready(entry: QueueEntry, *, rules: QueueSettings) -> bool:
    """Present, and ready if readiness is asked for: an agent can take them now."""
    if entry.disconnected_at is not None:
        return False
    return not rules.confirm_at_position or entry.ready_confirmed_at is not None


def queue_waiting_for(*, agent: User) -> QuerySet[QueueEntry]:
    """The waiting entries an agent could take, in queue order: in their languages, audio-only ones
    only if they take them, and nobody who already has an interview booked."""
    languages = list(agent.agent_languages.values_list("language", flat=True))
    rows = queue_waiting().filter(language__in=languages).exclude(taxpayer__bookings__status=Booking.Status.ACTIVE)
    if not getattr(getattr(agent, "agent_profile", None), "takes_audio_only", True):
        rows = rows.filter(audio_only=False)
    return rows


def agent_queues(*, agent: User) -> list[dict]:
    """The queue in each of an agent's languages: open or not, how many wait for an agent like them,
    and how many of those are ready to be taken now."""
    rules = queue_settings_get()
    languages = set(agent.agent_languages.values_list("language", flat=True))
    waiting, ready = Counter(), Counter()
    for entry in queue_waiting_for(agent=agent):
        waiting[entry.language] += 1
        ready[entry.language] += queue_entry_ready(entry, rules=rules)
    return [
        {"code": code, "open": code in rules.open_languages, "waiting": waiting[code], "ready": ready[code]}
        for code in queue_languages()
        if code in languages
    ]


def queue_entry_for(*, taxpayer: User) -> QueueEntry | None:
    return QueueEntry.objects.filter(taxpayer=taxpayer, status=QueueEntry.Status.WAITING).first()


def _line_estimates(entries: list[QueueEntry], *, now: datetime, newcomer: InLine | None = None) -> list:
    """The estimates of a line: the waiting entries of every language, oldest first (plus someone
    about to join at the end), since agents who speak several languages serve several lines."""
    line = [InLine(entry.language, entry.audio_only) for entry in entries]
    return eta_ranges(
        line=line + ([newcomer] if newcomer else []),
        agents=agents_on_duty(now=now),
        recent_lengths=recent_lengths(now=now),
        default_length=interview_settings_get().interview_minutes * 60 * 0.75,
        wrap_up_seconds=queue_settings_get().wrap_up_seconds,
        leave_share=recent_leave_share(now=now),
    )


def estimate_for(*, language: str, now: datetime, audio_only: bool = False) -> tuple[int, int] | None:
    """The estimated (low, high) wait in seconds of someone joining a language's queue now."""
    return _line_estimates(list(queue_waiting()), now=now, newcomer=InLine(language, audio_only))[-1]


def queue_lines(*, now: datetime) -> dict[str, list[dict]]:
    """Every waiting entry with its place in its language's line and its estimate, by language,
    in queue order: all the lines played forward once."""
    entries = list(queue_waiting())
    lines: dict[str, list[dict]] = defaultdict(list)
    for entry, estimate in zip(entries, _line_estimates(entries, now=now), strict=True):
        line = lines[entry.language]
        line.append({"entry": entry, "position": len(line) + 1, "estimate": estimate})
    return lines


def queue_positions(*, language: str, now: datetime) -> list[dict]:
    """Every waiting entry of a language with its place and estimate, in queue order."""
    return queue_lines(now=now).get(language, [])


def queue_place(*, entry: QueueEntry, now: datetime) -> dict:
    """One waiting entry's place and estimate; only those ahead of it (in any language) count."""
    ahead = list(
        queue_waiting().filter(Q(joined_at__lt=entry.joined_at) | Q(joined_at=entry.joined_at, pk__lt=entry.pk))
    )
    estimate = _line_estimates(ahead, now=now, newcomer=InLine(entry.language, entry.audio_only))[-1]
    position = 1 + sum(other.language == entry.language for other in ahead)
    return {"entry": entry, "position": position, "estimate": estimate}


@dataclass
class WaitingPerson:
    name: str
    language: str
    profile: object | None
    audio_only: bool
    waiting_since: datetime
    where: str  # "queue" or "waiting_room"
    booking: Booking | None = None
    entry: QueueEntry | None = None
    connected: bool = True


def waiting_board(*, now: datetime) -> list[WaitingPerson]:
    """Everyone waiting now, in a waiting room or the talk-now queue, longest wait first."""
    people = []
    sessions = InterviewSession.objects.filter(state=InterviewSession.State.WAITING).select_related(
        "booking", "booking__taxpayer", "booking__taxpayer__taxpayer_profile", "booking__agent", "booking__queue_entry"
    )
    for session in sessions:
        booking = session.booking
        taxpayer = booking.taxpayer
        people.append(
            WaitingPerson(
                name=taxpayer.full_name,
                language=booking.language,
                profile=getattr(taxpayer, "taxpayer_profile", None),
                audio_only=booking.audio_only,
                waiting_since=wait_started_at(booking, session.waiting_since or now),
                where="waiting_room",
                booking=booking,
                connected=session.taxpayer_connected,
            )
        )
    for entry in queue_waiting().select_related("taxpayer", "taxpayer__taxpayer_profile"):
        people.append(
            WaitingPerson(
                name=entry.taxpayer.full_name,
                language=entry.language,
                profile=getattr(entry.taxpayer, "taxpayer_profile", None),
                audio_only=entry.audio_only,
                waiting_since=entry.joined_at,
                where="queue",
                entry=entry,
                connected=entry.disconnected_at is None,
            )
        )
    return sorted(people, key=lambda person: person.waiting_since)


@dataclass
class AgentRow:
    agent: User
    state: EffectiveState
    languages: list[str]
    booking: Booking | None
    interviews_today: int


def agents_board(*, now: datetime, day_start: datetime) -> list[AgentRow]:
    """Each active agent's state, time in it, current interview and interviews held today."""
    agents = list(agents_active())
    done_today: dict[int, int] = defaultdict(int)
    for agent_id in Booking.objects.filter(
        agent__in=agents, status=Booking.Status.COMPLETED, starts_at__gte=day_start, starts_at__lt=now
    ).values_list("agent_id", flat=True):
        done_today[agent_id] += 1
    states = {agent.pk: agent_state_effective(getattr(agent, "operations_state", None), now=now) for agent in agents}
    session_ids = [state.session_id for state in states.values() if state.session_id]
    bookings = {
        session.pk: session.booking
        for session in InterviewSession.objects.filter(pk__in=session_ids).select_related("booking")
    }
    return [
        AgentRow(
            agent=agent,
            state=states[agent.pk],
            languages=sorted(_languages_of(agent)),
            booking=bookings.get(states[agent.pk].session_id) if states[agent.pk].state == State.IN_INTERVIEW else None,
            interviews_today=done_today[agent.pk],
        )
        for agent in agents
    ]


def agent_due_booking(*, agent: User, now: datetime) -> Booking | None:
    """The interview an agent should go to before taking anyone new: a booked one whose taxpayer is
    in the waiting room, else a talk-now one they took that has not started yet."""
    active = Booking.objects.filter(agent=agent, status=Booking.Status.ACTIVE).order_by("starts_at")
    waiting = active.filter(session__state=InterviewSession.State.WAITING).first()
    if waiting is not None:
        return waiting
    return active.filter(
        queue_entry__isnull=False,
        starts_at__lte=now,
        session__state__in=[InterviewSession.State.SCHEDULED, InterviewSession.State.ABANDONED],
    ).first()


def booking_reassignable(booking: Booking) -> bool:
    """Booked, and its interview has not started: it can still go to another agent."""
    session = InterviewSession.objects.filter(booking=booking).first()
    return booking.status == Booking.Status.ACTIVE and (
        session is None or session.state in (InterviewSession.State.SCHEDULED, InterviewSession.State.WAITING)
    )


def reassign_agents(*, booking: Booking) -> QuerySet[User]:
    """The active agents a booking could be given to: the others who hold interviews in its
    language, and take audio-only interviews if it is one."""
    agents = User.objects.filter(
        role=User.Role.AGENT, is_active=True, agent_languages__language=booking.language
    ).exclude(pk=booking.agent_id)
    if booking.audio_only:
        agents = agents.exclude(agent_profile__takes_audio_only=False)
    return agents.order_by("full_name", "pk")


def agent_next_booking(*, agent: User, start: datetime, end: datetime) -> Booking | None:
    """The agent's active booking that keeps them busy somewhere between two instants."""
    return (
        Booking.objects.filter(agent=agent, status=Booking.Status.ACTIVE, starts_at__lt=end, blocked_until__gt=start)
        .order_by("starts_at")
        .first()
    )


# Figures


def verified_share(sessions: Iterable[InterviewSession]) -> tuple[float | None, int]:
    """Of the completed interviews whose outcome is recorded, the share "verified" (None if none
    is), and how many outcomes that share is of."""
    results = list(
        VerificationOutcome.objects.filter(session__in=[session.pk for session in sessions]).values_list(
            "result", flat=True
        )
    )
    if not results:
        return None, 0
    return sum(result == VerificationOutcome.Result.VERIFIED for result in results) / len(results), len(results)


@dataclass
class Outcome:
    """One person's turn, as the figures count it."""

    day: date
    agent_id: int | None
    kind: str  # completed, no_show, abandoned, pending
    wait: float | None = None  # seconds from their time (or joining the queue) to admission
    length: float | None = None
    session: InterviewSession | None = None
    estimate: tuple[int, int] | None = None
    queue_wait: float | None = None  # seconds in the talk-now queue, to compare with the estimate


@dataclass
class Figures:
    completed: int = 0
    verified_share: float | None = None
    decided: int = 0  # completed interviews whose outcome is recorded: what the verified share is of
    no_shows: int = 0
    abandoned: int = 0
    admitted: int = 0
    median_wait: float | None = None
    p90_wait: float | None = None
    median_length: float | None = None
    service_level: float | None = None
    abandonment_rate: float | None = None
    estimate_median_error: float | None = None
    estimate_inside_share: float | None = None


def _outcomes(*, start: datetime, end: datetime, zone: ZoneInfo) -> list[Outcome]:
    result = []
    bookings = (
        Booking.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("session", "queue_entry")
    )
    for booking in bookings:
        session = getattr(booking, "session", None)
        entry = getattr(booking, "queue_entry", None)
        admitted = session.admitted_at if session else None
        outcome = Outcome(day=booking.starts_at.astimezone(zone).date(), agent_id=booking.agent_id, kind="pending")
        if admitted is not None:
            outcome.wait = session.wait_seconds
        if entry is not None and entry.estimate_low_seconds is not None and entry.wait_seconds is not None:
            outcome.estimate = (entry.estimate_low_seconds, entry.estimate_high_seconds)
            outcome.queue_wait = entry.wait_seconds
        if booking.status == Booking.Status.COMPLETED and session is not None:
            outcome.kind, outcome.session = "completed", session
            if session.ended_at and admitted:
                outcome.length = (session.ended_at - admitted).total_seconds()
        elif (
            admitted is None
            and session is not None
            and session.taxpayer_came
            and booking.status != Booking.Status.ACTIVE
        ):
            outcome.kind = "abandoned"
        elif admitted is None and booking.status == Booking.Status.NO_SHOW:
            outcome.kind = "no_show"
        elif admitted is None and session is not None and session.state == InterviewSession.State.ABANDONED:
            outcome.kind = "abandoned"
        result.append(outcome)
    gone = QueueEntry.objects.filter(
        joined_at__gte=start, joined_at__lt=end, status__in=[QueueEntry.Status.LEFT, QueueEntry.Status.EXPIRED]
    ).values_list("joined_at", flat=True)
    result += [Outcome(day=joined.astimezone(zone).date(), agent_id=None, kind="abandoned") for joined in gone]
    return result


def _percentile(values: list[float], share: float) -> float | None:
    return round(quantile(values, share)) if values else None


def _aggregate(outcomes: list[Outcome], *, service_level_minutes: int) -> Figures:
    figures = Figures()
    waits = [outcome.wait for outcome in outcomes if outcome.wait is not None]
    lengths = [outcome.length for outcome in outcomes if outcome.length is not None]
    completed = [outcome.session for outcome in outcomes if outcome.kind == "completed"]
    figures.completed = len(completed)
    figures.verified_share, figures.decided = verified_share(completed)
    figures.no_shows = sum(outcome.kind == "no_show" for outcome in outcomes)
    figures.abandoned = sum(outcome.kind == "abandoned" for outcome in outcomes)
    figures.admitted = len(waits)
    figures.median_wait = _percentile(waits, 0.5)
    figures.p90_wait = _percentile(waits, 0.9)
    figures.median_length = _percentile(lengths, 0.5)
    waited = figures.admitted + figures.abandoned
    if waited:
        in_time = sum(wait <= service_level_minutes * 60 for wait in waits)
        figures.service_level = in_time / waited
        figures.abandonment_rate = figures.abandoned / waited
    estimated = [outcome for outcome in outcomes if outcome.estimate is not None]
    if estimated:
        errors = [abs(outcome.queue_wait - sum(outcome.estimate) / 2) for outcome in estimated]
        figures.estimate_median_error = round(statistics.median(errors))
        inside = sum(outcome.estimate[0] <= outcome.queue_wait <= outcome.estimate[1] for outcome in estimated)
        figures.estimate_inside_share = inside / len(estimated)
    return figures


def figures_between(*, start: datetime, end: datetime, zone: ZoneInfo | None = None) -> Figures:
    """The figures for every booking and queue entry of a period."""
    level = queue_settings_get().service_level_minutes
    return _aggregate(_outcomes(start=start, end=end, zone=zone or ZoneInfo("UTC")), service_level_minutes=level)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def report_rows(*, first: date, last: date, zone: ZoneInfo) -> tuple[list, list, Figures]:
    """The figures of a date range per day, per agent and in total."""
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    outcomes = _outcomes(start=start, end=end, zone=zone)
    level = queue_settings_get().service_level_minutes
    by_day: dict[date, list[Outcome]] = defaultdict(list)
    by_agent: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_day[outcome.day].append(outcome)
        if outcome.agent_id is not None:
            by_agent[outcome.agent_id].append(outcome)
    days = []
    day = first
    while day <= last:
        days.append((day, _aggregate(by_day.get(day, []), service_level_minutes=level)))
        day += timedelta(days=1)
    agents = {agent.pk: agent for agent in User.objects.filter(pk__in=by_agent)}
    per_agent = sorted(
        ((agents[pk], _aggregate(rows, service_level_minutes=level)) for pk, rows in by_agent.items()),
        key=lambda pair: (pair[0].full_name, pair[0].pk),
    )
    return days, per_agent, _aggregate(outcomes, service_level_minutes=level)


def capacity_days(*, first: date, days: int, zone: ZoneInfo) -> list[dict]:
    """For each day: agents' open working minutes against booked interview minutes."""
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(first + timedelta(days=days - 1), zone)
    agents = list(User.objects.filter(role=User.Role.AGENT, is_active=True))
    intervals = working_intervals(agents=agents, start=start, end=end)
    bookings = Booking.objects.filter(status=Booking.Status.ACTIVE, starts_at__gte=start, starts_at__lt=end)
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        day_start, day_end = day_bounds(day, zone)
        open_seconds = sum(
            max(0.0, (min(b, day_end) - max(a, day_start)).total_seconds())
            for agent_intervals in intervals.values()
            for a, b in agent_intervals
        )
        booked = [booking for booking in bookings if day_start <= booking.starts_at < day_end]
        booked_seconds = sum((booking.ends_at - booking.starts_at).total_seconds() for booking in booked)
        rows.append(
            {
                "day": day,
                "open_minutes": round(open_seconds / 60),
                "booked_minutes": round(booked_seconds / 60),
                "bookings": len(booked),
                "share": booked_seconds / open_seconds if open_seconds else None,
            }
        )
    return rows


def queue_overview(*, now: datetime) -> list[dict]:
    """Each language the queue can open for: open or not, people waiting, the estimate for a newcomer."""
    rules = queue_settings_get()
    rows = []
    for language in queue_languages():
        waiting = queue_waiting(language=language).count()
        is_open = language in rules.open_languages
        estimate = estimate_for(language=language, now=now) if is_open else None
        rows.append({"code": language, "open": is_open, "waiting": waiting, "estimate": estimate})
    return rows


def public_waits(*, now: datetime) -> dict:
    """What the public wait-time page shows: estimates now, the next open booking, and the last
    30 days as they happened."""
    languages = queue_overview(now=now)
    for row in languages:
        next_open = open_times_list(language=row["code"], now=now)
        row["next_booking"] = next_open[0].starts_at if next_open else None
    return {"languages": languages, "month": figures_between(start=now - timedelta(days=30), end=now)}
