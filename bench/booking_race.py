"""Bookings per second with 50 concurrent clients racing over a pool of times, on PostgreSQL.

Each client (a thread with its own database connection) books one interview: it picks a
random time from a shared pool, and when told "just taken" tries another, until it books
or the pool is exhausted. Afterwards a query counts overlapping active bookings per agent,
which must be 0. Baseline in the same run: the same number of bookings made by one client
with no competition.
"""

import random
import threading
import time

from bench import pg
from bench.common import report
from core.errors import DomainError

CLIENTS = 50
AGENTS = 10
POOL_TIMES = 4  # the 4 start times with the most free agents: fewer places than clients


def _overlaps() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM scheduling_booking a JOIN scheduling_booking b
              ON a.agent_id = b.agent_id AND a.id < b.id
             AND tstzrange(a.starts_at, a.blocked_until) && tstzrange(b.starts_at, b.blocked_until)
             WHERE a.status = 'active' AND b.status = 'active'
            """
        )
        return cursor.fetchone()[0]


def _race(people: list, pool: list, now) -> dict:
    from django.db import connection

    from scheduling import services

    barrier = threading.Barrier(len(people))
    outcome = {"booked": 0, "taken": 0, "gave_up": 0, "errors": 0}
    lock = threading.Lock()

    def client(person, seed: int) -> None:
        rng = random.Random(seed)
        choices = pool[:]
        rng.shuffle(choices)
        barrier.wait()
        try:
            for starts_at in choices:
                try:
                    services.booking_create(taxpayer=person, starts_at=starts_at, language="en", now=now)
                except DomainError as error:
                    with lock:
                        outcome["taken" if error.code == "taken" else "errors"] += 1
                    continue
                with lock:
                    outcome["booked"] += 1
                return
            with lock:
                outcome["gave_up"] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(person, i)) for i, person in enumerate(people)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome["seconds"] = round(time.perf_counter() - start, 3)
    outcome["bookings_per_second"] = round(outcome["booked"] / outcome["seconds"], 1)
    return outcome


def _sequential(people: list, places: list, now) -> dict:
    from scheduling import services

    start = time.perf_counter()
    booked = 0
    for person, starts_at in zip(people, places, strict=False):
        services.booking_create(taxpayer=person, starts_at=starts_at, language="en", now=now)
        booked += 1
    seconds = time.perf_counter() - start
    return {"booked": booked, "seconds": round(seconds, 3), "bookings_per_second": round(booked / seconds, 1)}


def main() -> None:
    pg.setup_django()
    from scheduling import selectors
    from scheduling.models import Booking

    now = pg.fixed_now()
    pg.roster(agents=AGENTS)
    open_times = selectors.open_times_list(language="en", now=now)
    busiest = sorted(open_times, key=lambda open_time: -len(open_time.agent_ids))[:POOL_TIMES]
    pool = [open_time.starts_at for open_time in busiest]
    places = [open_time.starts_at for open_time in busiest for _agent in open_time.agent_ids]

    baseline = _sequential(pg.taxpayers(CLIENTS, prefix="solo"), places, now)
    Booking.objects.all().delete()
    race = _race(pg.taxpayers(CLIENTS, prefix="racer"), pool, now)
    race["overlapping_bookings"] = _overlaps()
    race["active_bookings"] = Booking.objects.filter(status=Booking.Status.ACTIVE).count()
    figures = {
        "clients": CLIENTS,
        "agents": AGENTS,
        "pool_times": len(pool),
        "places": len(places),
        "sequential_baseline": baseline,
        "race": race,
        "ratio_to_baseline": round(race["bookings_per_second"] / baseline["bookings_per_second"], 2),
    }
    report("booking_race", figures)
    if race["overlapping_bookings"]:
        raise SystemExit("Overlapping bookings found: the no-double-booking rule is broken.")


if __name__ == "__main__":
    main()
