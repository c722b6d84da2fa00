"""Time for one queue change to reach every connected queue page, through uvicorn and the Redis
channel layer, on PostgreSQL.

500 taxpayers wait in the talk-now queue, each with the queue page's WebSocket open to a uvicorn
server (a separate process, as deployed). A change that moves everyone's estimate (an agent going
on a break and back) is made with the real service in this process; the time is taken from just
before the service call until the last of the sockets has its update. Baseline in the same run:
the same change reaching one socket alone. A last measurement does the same for supervisors'
dashboards, which the server renders again for each one.
"""

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import pg
from bench.common import report, summary

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SOCKETS = 500
DASHBOARDS = 20
ROUNDS = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _people() -> tuple[list[str], list[str], object]:
    """Session cookies of SOCKETS taxpayers in the queue and of DASHBOARDS supervisors, and one agent."""
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from operations.models import AgentState, QueueEntry
    from operations.selectors import queue_settings_get

    agent = pg.roster(agents=1)[0]
    AgentState.objects.create(agent=agent, state="available", since=timezone.now())
    rules = queue_settings_get()
    rules.open_languages, rules.confirm_at_position = ["en"], 0
    rules.save()
    people = pg.taxpayers(SOCKETS)
    QueueEntry.objects.bulk_create(
        QueueEntry(taxpayer=person, language="en", joined_at=timezone.now()) for person in people
    )
    supervisors = User.objects.bulk_create(
        User(email=f"supervisor{i}@bench.test", full_name=f"Super {i}", role=User.Role.SUPERVISOR)
        for i in range(DASHBOARDS)
    )

    def cookie(user) -> str:
        client = Client()
        client.force_login(user)
        if user.needs_two_factor:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client.cookies["sessionid"].value

    return [cookie(person) for person in people], [cookie(person) for person in supervisors], agent


async def _open(url: str, cookie: str):
    import websockets

    ws = await websockets.connect(
        url, additional_headers={"Cookie": f"sessionid={cookie}", "Origin": "http://127.0.0.1"}, compression=None
    )
    await ws.recv()  # the place (or the dashboard) as it stands
    return ws


async def _round(sockets: list, change) -> tuple[float, float]:
    """Make one change; return (ms until the last socket had it, median ms per socket)."""

    async def receive(ws) -> float:
        await ws.recv()
        return time.perf_counter()

    waiting = [asyncio.create_task(receive(ws)) for ws in sockets]
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    await asyncio.to_thread(change)
    arrivals = await asyncio.wait_for(asyncio.gather(*waiting), timeout=60)
    return (max(arrivals) - start) * 1000, statistics.median((arrival - start) * 1000 for arrival in arrivals)


async def _measure(base: str, queue_cookies: list[str], dashboard_cookies: list[str], change) -> dict:
    ws_base = base.replace("http", "ws")
    one = [await _open(f"{ws_base}/ws/queue/", queue_cookies[0])]
    baseline = [(await _round(one, change))[0] for _ in range(ROUNDS)]
    rest = []
    for start in range(1, len(queue_cookies), 50):  # connect in batches, as people arrive
        rest += await asyncio.gather(*(_open(f"{ws_base}/ws/queue/", c) for c in queue_cookies[start : start + 50]))
    everyone = one + rest
    rounds = [await _round(everyone, change) for _ in range(ROUNDS)]
    for ws in everyone:
        await ws.close()
    dashboards = [await _open(f"{ws_base}/ws/supervisor/dashboard/", c) for c in dashboard_cookies]
    dashboard_rounds = [(await _round(dashboards, change))[0] for _ in range(ROUNDS)]
    for ws in dashboards:
        await ws.close()
    return {
        "baseline_one_socket": summary(baseline),
        "all_sockets": summary([last for last, _median in rounds]),
        "median_socket_ms": round(statistics.median(median for _last, median in rounds), 3),
        "dashboard_rounds": summary(dashboard_rounds),
    }


def main() -> None:
    os.environ["REDIS_URL"] = REDIS_URL
    pg.setup_django()
    from operations import services

    queue_cookies, dashboard_cookies, agent = _people()
    states = iter(["break", "available"] * (ROUNDS * 3 + 2))

    def change() -> None:
        services.agent_state_set(agent=agent, state=next(states), actor=agent)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"DATABASE_URL": pg.BENCH_DATABASE_URL, "REDIS_URL": REDIS_URL, "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--log-level", "warning"]
        + ["--ws-per-message-deflate", "false"],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        figures = asyncio.run(_measure(base, queue_cookies, dashboard_cookies, change))
    finally:
        server.terminate()
        server.wait(timeout=15)
    figures["ratio_all_to_one"] = round(
        figures["all_sockets"]["median_ms"] / figures["baseline_one_socket"]["median_ms"], 1
    )
    report(
        "fanout",
        {
            "sockets": SOCKETS,
            "dashboards": DASHBOARDS,
            "rounds": ROUNDS,
            "server": "uvicorn, 1 process, Redis channel layer, PostgreSQL; clients in the same machine",
            **figures,
        },
    )


if __name__ == "__main__":
    main()
