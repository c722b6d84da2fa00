"""The talk-now wait estimate: pure functions, shared by the queue and the queue simulation (bench/).

Each agent on duty frees up at some moment: now if available, when wrap-up ends, or when the
current interview is expected to end plus wrap-up. Whenever an agent frees up they take the
person who has waited longest among those they can serve (their languages; audio-only if they
take it), as agents do, then free up again one interview length plus wrap-up later. So a
bilingual agent is shared between the languages' lines rather than counted in full in each, and
an audio-only taxpayer waits for an agent who takes audio-only calls. Doing this with a short and
a long interview length (quantiles of recent completed interviews) gives the range shown.
"""

import heapq
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

LOW_QUANTILE, HIGH_QUANTILE = 0.2, 0.8


@dataclass(frozen=True)
class AgentOnDuty:
    state: str  # "available", "wrap_up" or "in_interview"
    # Seconds into the current interview (in_interview) or left of wrap-up (wrap_up).
    elapsed_seconds: float = 0.0
    wrap_up_left_seconds: float = 0.0
    languages: frozenset[str] = frozenset()  # empty: every language
    takes_audio_only: bool = True

    def serves(self, person: "InLine") -> bool:
        return (not self.languages or person.language in self.languages) and (
            self.takes_audio_only or not person.audio_only
        )


@dataclass(frozen=True)
class InLine:
    """One person waiting, in the order of the line (longest wait first)."""

    language: str = ""
    audio_only: bool = False


def quantile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values lie (linear interpolation)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rest_of_call(elapsed: float, length: float, lengths: list[float]) -> float:
    """Seconds left of a call in progress if calls last `length`; one already longer than that
    is expected to last as long as the median of the recent calls that went on longer (or a minute)."""
    if length > elapsed:
        return length - elapsed
    longer = [value for value in lengths if value > elapsed]
    return (statistics.median(longer) - elapsed) if longer else 60.0


def _starts(
    line: Sequence[InLine], agents: Sequence[AgentOnDuty], length: float, wrap_up: float, lengths: list
) -> list[float | None]:
    """When each person in line is taken (None: no agent on duty can serve them), in one pass
    over the agents' turns."""
    free_at = []
    for index, agent in enumerate(agents):
        if agent.state == "available":
            first = 0.0
        elif agent.state == "wrap_up":
            first = max(0.0, agent.wrap_up_left_seconds)
        else:
            first = _rest_of_call(agent.elapsed_seconds, length, lengths) + wrap_up
        free_at.append((first, index))
    heapq.heapify(free_at)
    starts: list[float | None] = [None] * len(line)
    # Where each kind of agent's search of the line resumes: everyone before it is taken or not theirs.
    cursors: dict[tuple, int] = {}
    left = len(line)
    while free_at and left:
        start, index = heapq.heappop(free_at)
        agent = agents[index]
        kind = (agent.languages, agent.takes_audio_only)
        place = cursors.get(kind, 0)
        while place < len(line) and (starts[place] is not None or not agent.serves(line[place])):
            place += 1
        cursors[kind] = place
        if place == len(line):
            continue  # nobody left whom this agent can serve
        starts[place] = start
        left -= 1
        heapq.heappush(free_at, (start + length + wrap_up, index))
    return starts


def eta_range(
    *,
    position: int,
    agents: Sequence[AgentOnDuty],
    recent_lengths: Sequence[float],
    default_length: float,
    wrap_up_seconds: float,
    leave_share: float = 0.0,
) -> tuple[int, int] | None:
    """The (low, high) wait in seconds for the person at `position` (1 = next) of a line that
    every agent serves, or None when no agent is on duty, so no honest estimate exists."""
    if position < 1:
        return None
    return eta_ranges(
        line=[InLine()] * position,
        agents=agents,
        recent_lengths=recent_lengths,
        default_length=default_length,
        wrap_up_seconds=wrap_up_seconds,
        leave_share=leave_share,
    )[-1]


def eta_ranges(
    *,
    line: Sequence[InLine],
    agents: Sequence[AgentOnDuty],
    recent_lengths: Sequence[float],
    default_length: float,
    wrap_up_seconds: float,
    leave_share: float = 0.0,
) -> list[tuple[int, int] | None]:
    """The (low, high) wait in seconds of everyone in line, in one pass; None for a person no
    agent on duty can serve.

    `leave_share` is the recent share of people who left the queue before being taken: the low end
    assumes that many of those ahead of a person (in their own language) leave too, the high end
    that nobody does.
    """
    lengths = list(recent_lengths) or [default_length]
    short, long = quantile(lengths, LOW_QUANTILE), quantile(lengths, HIGH_QUANTILE)
    low_starts = _starts(line, agents, short, wrap_up_seconds, lengths)
    high_starts = _starts(line, agents, long, wrap_up_seconds, lengths)
    keep = 1 - min(max(leave_share, 0.0), 1.0)
    same_language: dict[str, list[int]] = {}
    result: list[tuple[int, int] | None] = []
    for index, person in enumerate(line):
        ahead = same_language.setdefault(person.language, [])
        ahead.append(index)
        low, high = low_starts[ahead[round((len(ahead) - 1) * keep)]], high_starts[index]
        if low is None or high is None:
            result.append(None)
        else:
            result.append((int(low), int(max(high, low))))
    return result
