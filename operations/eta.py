"""The talk-now wait estimate: a pure function, shared by the queue and the queue simulation (bench/).

Each agent on duty in the language frees up at some moment: now if available, when wrap-up
ends, or when the current interview is expected to end plus wrap-up. From then on each agent
takes one taxpayer per interview length plus wrap-up. The taxpayer at place p is taken at the
p-th moment an agent frees up. Doing this with a short and a long interview length (quantiles of
recent completed interviews) gives the range shown.
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


def _starts(count: int, agents: Sequence[AgentOnDuty], length: float, wrap_up: float, lengths: list) -> list[float]:
    """When each of the first `count` places in line is taken, in one pass over the agents' turns."""
    free_at = []
    for agent in agents:
        if agent.state == "available":
            free_at.append(0.0)
        elif agent.state == "wrap_up":
            free_at.append(max(0.0, agent.wrap_up_left_seconds))
        else:
            free_at.append(_rest_of_call(agent.elapsed_seconds, length, lengths) + wrap_up)
    heapq.heapify(free_at)
    starts = []
    for _place in range(count):
        start = heapq.heappop(free_at)
        starts.append(start)
        heapq.heappush(free_at, start + length + wrap_up)
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
    """The (low, high) wait in seconds for the taxpayer at `position` (1 = next), or None when no
    agent is on duty in their language, so no honest estimate exists.

    `leave_share` is the recent share of people who left the queue before being taken: the low end
    assumes that many of those ahead leave too, the high end that nobody does.
    """
    if position < 1:
        return None
    ranges = eta_ranges(
        count=position,
        agents=agents,
        recent_lengths=recent_lengths,
        default_length=default_length,
        wrap_up_seconds=wrap_up_seconds,
        leave_share=leave_share,
    )
    return ranges[-1] if ranges else None


def eta_ranges(
    *,
    count: int,
    agents: Sequence[AgentOnDuty],
    recent_lengths: Sequence[float],
    default_length: float,
    wrap_up_seconds: float,
    leave_share: float = 0.0,
) -> list[tuple[int, int]]:
    """`eta_range` for places 1 to `count` at once (a whole queue in one pass); empty without agents."""
    if not agents or count < 1:
        return []
    lengths = list(recent_lengths) or [default_length]
    short, long = quantile(lengths, LOW_QUANTILE), quantile(lengths, HIGH_QUANTILE)
    low_starts = _starts(count, agents, short, wrap_up_seconds, lengths)
    high_starts = _starts(count, agents, long, wrap_up_seconds, lengths)
    keep = 1 - min(max(leave_share, 0.0), 1.0)
    result = []
    for position in range(1, count + 1):
        low = low_starts[round((position - 1) * keep)]
        high = high_starts[position - 1]
        result.append((int(low), int(max(high, low))))
    return result
