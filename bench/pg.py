"""A PostgreSQL database of its own for the scheduling benchmarks, filled with a realistic roster."""

import os
import random
from datetime import UTC, datetime, time, timedelta

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveverify_bench")
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Puerto_Rico"]


def setup_django() -> None:
    """Point Django at the benchmark database (created if missing) and migrate it."""
    import psycopg

    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    admin_url = BENCH_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def roster(*, agents: int, seed: int = 7) -> list:
    """Replace all people with `agents` agents (English, some also Spanish) working weekdays."""
    from django.db import connection

    from accounts.models import AgentLanguage, User
    from operations.models import QueueEntry
    from scheduling.models import Booking, WeeklyHours

    random.seed(seed)
    # The audit trail refuses DELETE by design; the benchmark's own database starts it afresh.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE interviews_auditrecord")
    QueueEntry.objects.all().delete()
    Booking.objects.all().delete()
    User.objects.all().delete()
    created = User.objects.bulk_create(
        User(
            email=f"agent{i}@bench.test",
            full_name=f"Agent {i}",
            role=User.Role.AGENT,
            time_zone=ZONES[i % len(ZONES)],
        )
        for i in range(agents)
    )
    AgentLanguage.objects.bulk_create(AgentLanguage(agent=agent, language="en") for agent in created)
    AgentLanguage.objects.bulk_create(AgentLanguage(agent=agent, language="es") for agent in created[::3])
    WeeklyHours.objects.bulk_create(
        WeeklyHours(agent=agent, weekday=day, start=start, end=end)
        for agent in created
        for day in range(5)
        for start, end in ((time(9), time(12)), (time(13), time(17)))
    )
    return created


def taxpayers(count: int, prefix: str = "taxpayer") -> list:
    from accounts.models import TaxpayerProfile, User

    people = User.objects.bulk_create(
        User(email=f"{prefix}{i}@bench.test", full_name=f"Tax Payer {i}", role=User.Role.TAXPAYER) for i in range(count)
    )
    TaxpayerProfile.objects.bulk_create(TaxpayerProfile(user=person) for person in people)
    return people


def fixed_now() -> datetime:
    """A Monday morning, so that runs on any day measure the same calendar."""
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime.combine(monday, time(6), tzinfo=UTC)
