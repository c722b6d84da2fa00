"""Open times for 200 agents over 30 days, on PostgreSQL: milliseconds per query.

Baseline in the same run: one query that reads the same agents' weekly hours, so the
ratio shows what the computation adds on top of a plain round trip.
"""

import statistics
import time

from bench import pg
from bench.common import report

AGENTS = 200
DAYS = 30
RUNS = 25


def main() -> None:
    pg.setup_django()
    from scheduling import selectors, services
    from scheduling.models import WeeklyHours

    agents = pg.roster(agents=AGENTS)
    rules = selectors.interview_settings_get()
    rules.horizon_days = DAYS
    rules.minimum_notice_minutes = 60
    rules.agent_daily_limit = 12
    rules.save()
    now = pg.fixed_now()
    # A third of the agents already have two interviews a day booked.
    people = pg.taxpayers(AGENTS // 3 * 2)
    open_times = selectors.open_times_list(language="en", now=now)
    booked = 0
    for person, open_time in zip(people, open_times[:: max(1, len(open_times) // len(people))], strict=False):
        services.booking_create(taxpayer=person, starts_at=open_time.starts_at, language="en", now=now)
        booked += 1

    samples, baseline = [], []
    for _run in range(RUNS):
        start = time.perf_counter()
        list(WeeklyHours.objects.filter(agent__in=agents).values_list("agent_id", "weekday", "start", "end"))
        baseline.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        result = selectors.open_times_list(language="en", now=now)
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    figures = {
        "agents": AGENTS,
        "days": DAYS,
        "bookings": booked,
        "open_start_times": len(result),
        "agent_slots": sum(len(open_time.agent_ids) for open_time in result),
        "runs": RUNS,
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
        "baseline_hours_query_median_ms": round(statistics.median(baseline), 1),
        "ratio_to_baseline": round(statistics.median(samples) / statistics.median(baseline), 1),
    }
    report("open_times", figures)


if __name__ == "__main__":
    main()
