"""The reminder sweep through a real Celery worker (Redis in production mode, memory otherwise)."""

import queue
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.utils import timezone

from config.celery import app
from scheduling import tasks
from scheduling.models import SentNotification
from tests.factories import BookingFactory, TaxpayerFactory


@pytest.fixture
def celery_worker(transactional_db):
    app.conf.task_always_eager = False
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        yield
    app.conf.task_always_eager = True


@pytest.fixture
def finished_sweeps():
    """Results of sweep_due runs as the worker finishes them, to wait on with a deadline."""
    results: queue.Queue = queue.Queue()

    def record(sender=None, retval=None, **kwargs) -> None:
        if sender is not None and sender.name == tasks.sweep_due.name:
            results.put(retval)

    task_postrun.connect(record, weak=False)
    yield results
    task_postrun.disconnect(record)


@pytest.mark.worker
def test_day_before_reminder_is_mailed_once_however_often_the_sweep_runs(celery_worker, finished_sweeps):
    # The booking is 12 hours from the real clock and was made two days before: its day-before reminder is due.
    now = timezone.now().replace(microsecond=0)
    taxpayer = TaxpayerFactory(email="reminded@example.org", time_zone="UTC")
    booking = BookingFactory(
        taxpayer=taxpayer, starts_at=now + timedelta(hours=12), confirmed_at=now - timedelta(days=2)
    )

    tasks.sweep_due.delay()
    tasks.sweep_due.delay()
    by_worker = [finished_sweeps.get(timeout=30), finished_sweeps.get(timeout=30)]
    retried = tasks.sweep_due.apply().get()  # what a retry of a delivered task would do

    assert by_worker == [{"reminders": 1, "no_shows": 0}, {"reminders": 0, "no_shows": 0}]
    assert retried == {"reminders": 0, "no_shows": 0}
    assert [message.to for message in mail.outbox] == [["reminded@example.org"]]
    assert mail.outbox[0].subject.startswith("Reminder: your identity interview is on ")
    assert list(SentNotification.objects.values_list("booking_id", "kind", "sequence")) == [
        (booking.pk, SentNotification.Kind.REMINDER_24H, 0)
    ]
