"""The service-facts migration fills in, for sessions that existed, whether the taxpayer came and their wait."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

STARTS = datetime(2026, 10, 5, 10, tzinfo=UTC)
BEFORE = [("interviews", "0005_verification"), ("operations", "0001_initial")]
AFTER = [("interviews", "0006_service_facts")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """Whatever the test migrates to, the database is left at the latest migrations for the tests after it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_sessions_get_came_and_wait_from_their_join_times(latest_schema_after):
    apps = _migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Booking = apps.get_model("scheduling", "Booking")
    Session = apps.get_model("interviews", "InterviewSession")
    QueueEntry = apps.get_model("operations", "QueueEntry")
    agent = User.objects.create(email="agent@example.org", role="agent")
    taxpayer = User.objects.create(email="taxpayer@example.org", role="taxpayer")

    def booking(reference, minutes, joined_after=None):
        starts = STARTS + timedelta(minutes=minutes)
        return Booking.objects.create(
            reference=reference,
            taxpayer=taxpayer,
            agent=agent,
            language="en",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=20),
            blocked_until=starts + timedelta(minutes=30),
            status="completed",
            confirmed_at=starts - timedelta(days=2),
            taxpayer_joined_at=None if joined_after is None else starts + timedelta(seconds=joined_after),
        )

    late = booking("001-001", 0, joined_after=120)
    Session.objects.create(booking=late, state="completed", admitted_at=late.starts_at + timedelta(seconds=200))
    early = booking("002-002", 60, joined_after=-300)
    Session.objects.create(booking=early, state="completed", admitted_at=early.starts_at + timedelta(seconds=45))
    queued = booking("003-003", 120, joined_after=0)
    QueueEntry.objects.create(
        taxpayer=taxpayer,
        language="en",
        status="taken",
        joined_at=queued.starts_at - timedelta(minutes=8),
        booking=queued,
    )
    Session.objects.create(booking=queued, state="completed", admitted_at=queued.starts_at + timedelta(seconds=30))
    left = booking("004-004", 180, joined_after=10)
    Session.objects.create(booking=left, state="no_show")
    never = booking("005-005", 240)
    Session.objects.create(booking=never, state="no_show")

    apps = _migrate(AFTER)

    rows = apps.get_model("interviews", "InterviewSession").objects.values_list(
        "booking__reference", "taxpayer_came", "wait_seconds"
    )
    facts = {reference: came for reference, came, _wait in rows}
    waits = {reference: wait for reference, _came, wait in rows}
    assert facts == {"001-001": True, "002-002": True, "003-003": True, "004-004": True, "005-005": False}
    assert waits == {"001-001": 80, "002-002": 45, "003-003": 510, "004-004": None, "005-005": None}
