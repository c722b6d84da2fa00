"""A day of the talk-now queue, simulated event by event, with the estimate the app really shows.

Arrivals follow a Poisson process whose rate rises to a late-morning peak; each arrival has a
patience drawn from an exponential distribution and gives up when it runs out (counted as
abandoned); interview lengths are log-normal (median 14 min); a share of those taken never come
to the waiting room (a no-show costs the agent the no-show grace); agents wrap up after each
interview. At each arrival the estimate is computed by `operations.eta.eta_range`, the function
the queue page uses, from the same inputs the app has: the place in line, each agent's state and
time in it, and the last 50 interview lengths. Reported: waits, abandonment, and the estimate
against the wait that followed, over many simulated days. Baseline in the same run: the naive
estimate (place × mean length ÷ agents) that queues commonly show.
"""

import heapq
import math
import random
import statistics

from bench.common import report
from operations.eta import AgentOnDuty, eta_range, quantile

DAYS = 40
OPEN_HOURS = 8
SCENARIOS = {"staffed": 6, "two_agents_off": 4}
WRAP_UP = 120.0
MEDIAN_LENGTH = 14 * 60.0
LENGTH_SIGMA = 0.35
NO_SHOW_SHARE = 0.06
NO_SHOW_COST = 5 * 60.0
MEAN_PATIENCE = 30 * 60.0
DEFAULT_LENGTH = 20 * 60 * 0.75  # what the app assumes before it has seen an interview


def arrival_rate(hour: float) -> float:
    """Arrivals per hour: 16 at opening, 28 at the late-morning peak, 20 in the afternoon."""
    return 16 + 12 * math.exp(-((hour - 2.5) ** 2) / 2) + (4 if hour > 4 else 0)


class Day:
    def __init__(self, seed: int, agents: int) -> None:
        self.rng = random.Random(seed)
        self.events: list = []
        self.queue: list[dict] = []  # people waiting, in order
        self.agents = [{"state": "available", "since": 0.0, "until": 0.0} for _ in range(agents)]
        self.lengths: list[float] = []
        self.people: list[dict] = []
        self.counter = 0

    def push(self, at: float, kind: str, data) -> None:
        self.counter += 1
        heapq.heappush(self.events, (at, self.counter, kind, data))

    def on_duty(self, now: float) -> list[AgentOnDuty]:
        result = []
        for agent in self.agents:
            if agent["state"] == "available":
                result.append(AgentOnDuty("available"))
            elif agent["state"] == "wrap_up":
                result.append(AgentOnDuty("wrap_up", wrap_up_left_seconds=agent["until"] - now))
            else:
                result.append(AgentOnDuty("in_interview", elapsed_seconds=now - agent["since"]))
        return result

    def run(self) -> list[dict]:
        now = 0.0
        while True:
            now += self.rng.expovariate(arrival_rate(now / 3600) / 3600)
            if now >= OPEN_HOURS * 3600:
                break
            self.push(now, "arrive", None)
        while self.events:
            now, _n, kind, data = heapq.heappop(self.events)
            getattr(self, kind)(now, data)
        return self.people

    def leave_share(self) -> float:
        """Of the last 50 people whose turn is settled, the share who gave up (as the app counts it)."""
        settled = [person for person in self.people if person["taken"] is not None or person["gave_up"]][-50:]
        return sum(person["gave_up"] for person in settled) / len(settled) if settled else 0.0

    def arrive(self, now: float, _data) -> None:
        position = len(self.queue) + 1
        recent = self.lengths[-50:]
        estimate = eta_range(
            position=position,
            agents=self.on_duty(now),
            recent_lengths=recent,
            default_length=DEFAULT_LENGTH,
            wrap_up_seconds=WRAP_UP,
            leave_share=self.leave_share(),
        )
        mean = statistics.fmean(recent) if recent else DEFAULT_LENGTH
        person = {
            "arrived": now,
            "estimate": estimate,
            "naive": (position - 1) * (mean + WRAP_UP) / len(self.agents),
            "taken": None,
            "gave_up": False,
        }
        self.people.append(person)
        self.queue.append(person)
        self.push(now + self.rng.expovariate(1 / MEAN_PATIENCE), "give_up", person)
        self.dispatch(now)

    def give_up(self, now: float, person: dict) -> None:
        if person["taken"] is None and not person["gave_up"]:
            person["gave_up"] = True
            self.queue.remove(person)

    def dispatch(self, now: float) -> None:
        for index, agent in enumerate(self.agents):
            if agent["state"] == "wrap_up" and agent["until"] <= now:
                agent["state"] = "available"
            if agent["state"] == "available" and self.queue:
                person = self.queue.pop(0)
                person["taken"] = now
                if self.rng.random() < NO_SHOW_SHARE:
                    length = NO_SHOW_COST
                else:
                    length = self.rng.lognormvariate(math.log(MEDIAN_LENGTH), LENGTH_SIGMA)
                    person["length"] = length
                agent.update(state="in_interview", since=now)
                self.push(now + length, "end", (index, length, "length" in person))

    def end(self, now: float, data) -> None:
        index, length, held = data
        if held:
            self.lengths.append(length)
        self.agents[index].update(state="wrap_up", since=now, until=now + WRAP_UP)
        self.push(now + WRAP_UP, "free", index)

    def free(self, now: float, _index: int) -> None:
        self.dispatch(now)


def _inside(person: dict) -> bool:
    """Whether the wait fell inside the range as the page shows it: whole minutes, rounded outwards."""
    low, high = person["estimate"]
    return (low // 60) * 60 <= person["taken"] - person["arrived"] <= -(-high // 60) * 60


def _p(values: list[float], share: float) -> float:
    return round(quantile(values, share) / 60, 1) if values else None


def scenario(agents: int) -> dict:
    """The figures of DAYS simulated days with this many agents (the same arrivals for every scenario)."""
    people = [person for seed in range(DAYS) for person in Day(seed, agents).run()]
    served = [person for person in people if person["taken"] is not None]
    waits = [person["taken"] - person["arrived"] for person in served]
    estimated = [person for person in served if person["estimate"] is not None]
    errors = [abs(p["taken"] - p["arrived"] - sum(p["estimate"]) / 2) for p in estimated]
    naive_errors = [abs(p["taken"] - p["arrived"] - p["naive"]) for p in served]
    inside = [_inside(p) for p in estimated]
    queued = [p for p in estimated if p["estimate"][1] >= 60]  # told they would wait a minute or more
    queued_errors = [abs(p["taken"] - p["arrived"] - sum(p["estimate"]) / 2) for p in queued]
    widths = [p["estimate"][1] - p["estimate"][0] for p in queued]
    return {
        "agents": agents,
        "arrivals_per_day": round(len(people) / DAYS, 1),
        "people": len(people),
        "median_wait_minutes": _p(waits, 0.5),
        "p90_wait_minutes": _p(waits, 0.9),
        "abandonment_rate": round(1 - len(served) / len(people), 3),
        "estimate": {
            "median_abs_error_minutes": _p(errors, 0.5),
            "p90_abs_error_minutes": _p(errors, 0.9),
            "share_inside_range": round(sum(inside) / len(estimated), 3),
        },
        "estimate_for_those_told_they_would_wait": {
            "people": len(queued),
            "median_abs_error_minutes": _p(queued_errors, 0.5),
            "p90_abs_error_minutes": _p(queued_errors, 0.9),
            "share_inside_range": round(sum(_inside(p) for p in queued) / len(queued), 3),
            "median_range_width_minutes": _p(widths, 0.5),
        },
        "baseline_naive_estimate": {
            "median_abs_error_minutes": _p(naive_errors, 0.5),
            "p90_abs_error_minutes": _p(naive_errors, 0.9),
        },
    }


def main() -> None:
    model = {
        "open_hours": OPEN_HOURS,
        "median_interview_minutes": MEDIAN_LENGTH / 60,
        "wrap_up_seconds": WRAP_UP,
        "no_show_share": NO_SHOW_SHARE,
        "mean_patience_minutes": MEAN_PATIENCE / 60,
    }
    scenarios = {name: scenario(agents) for name, agents in SCENARIOS.items()}
    report("queue_sim", {"days": DAYS, "model": model, "scenarios": scenarios})


if __name__ == "__main__":
    main()
