"""The verification mail through a real Celery worker (Redis in production mode, memory otherwise)."""

import pytest
from django.core import mail

from accounts import services, tasks


@pytest.mark.worker
def test_signup_mail_is_sent_by_a_real_worker(celery_worker):
    services.taxpayer_signup(
        email="worker@example.org",
        password="a long and unusual passphrase",
        full_name="Ana Worker",
        preferred_language="es",
        time_zone="America/Chicago",
    )
    celery_worker.result_of(tasks.send_verification_email)

    assert [message.to for message in mail.outbox] == [["worker@example.org"]]
    assert mail.outbox[0].subject == "Confirme su correo electrónico para LiveVerify"
