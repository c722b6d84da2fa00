"""The reminder sweep through a real Celery worker (Redis in production mode, memory otherwise)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from scheduling import tasks
from scheduling.models import SentNotification
from tests.factories import BookingFactory, TaxpayerFactory


@pytest.mark.worker
def test_day_before_reminder_is_mailed_once_however_often_the_sweep_runs(celery_worker):
    # The booking is 12 hours from the real clock and was made two days before: its day-before reminder is due.
    now = timezone.now().replace(microsecond=0)
    taxpayer = TaxpayerFactory(email="reminded@example.org", time_zone="UTC")
    booking = BookingFactory(
        taxpayer=taxpayer, starts_at=now + timedelta(hours=12), confirmed_at=now - timedelta(days=2)
    )

    tasks.sweep_due.delay()
    tasks.sweep_due.delay()
    by_worker = [celery_worker.result_of(tasks.sweep_due), celery_worker.result_of(tasks.sweep_due)]
    retried = tasks.sweep_due.apply().get()  # what a retry of a delivered task would do

    assert by_worker == [{"reminders": 1, "no_shows": 0}, {"reminders": 0, "no_shows": 0}]
    assert retried == {"reminders": 0, "no_shows": 0}
    assert [message.to for message in mail.outbox] == [["reminded@example.org"]]
    assert mail.outbox[0].subject.startswith("Reminder: your identity interview is on ")
    assert list(SentNotification.objects.values_list("booking_id", "kind", "sequence")) == [
        (booking.pk, SentNotification.Kind.REMINDER_24H, 0)
    ]
