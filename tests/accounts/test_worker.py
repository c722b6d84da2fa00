"""The verification mail through a real Celery worker (Redis in production mode, memory otherwise)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from accounts import services
from config.celery import app


@pytest.fixture
def celery_worker(transactional_db):
    app.conf.task_always_eager = False
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        yield
    app.conf.task_always_eager = True


@pytest.mark.worker
def test_signup_mail_is_sent_by_a_real_worker(celery_worker):
    services.taxpayer_signup(
        email="worker@example.org",
        password="a long and unusual passphrase",
        full_name="Ana Worker",
        preferred_language="es",
        time_zone="America/Chicago",
    )
    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [message.to for message in mail.outbox] == [["worker@example.org"]]
    assert mail.outbox[0].subject == "Confirme su correo electrónico para LiveVerify"
