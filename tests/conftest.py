import os
import queue
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from celery import Task
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from config.celery import app as celery_app
from tests import factories

# A language Django has a catalogue for but LiveVerify will not offer (Esperanto): tests of a language
# "not offered" use it, so that configuring a real one, such as French, leaves them as they are.
NOT_OFFERED = "eo"


_PRIVATE_TEMP = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """The run gets a temporary folder of its own, inherited by the processes it starts (the media
    host, Chromium): what the privacy scan finds there was written by this run, not by another test
    run or an install working alongside on the same machine."""
    private = tempfile.mkdtemp(prefix="liveverify-tests-")
    os.environ["TMPDIR"] = tempfile.tempdir = private
    config.stash[_PRIVATE_TEMP] = private


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(config.stash.get(_PRIVATE_TEMP, ""), ignore_errors=True)


@pytest.fixture(autouse=True)
def _fast_and_local(settings):
    """Tests hash passwords quickly, run Celery tasks in the test unless a test starts a worker, and
    skip WhiteNoise's scan of every static source file unless they ask for `static_files`."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # A process-local cache outlives each test's database; Redis is left alone, since
    # flushing it would also drop the media hosts' registry and the channel layer.
    if not settings.REDIS_URL:
        cache.clear()
    celery_app.conf.task_always_eager = True


@pytest.fixture
def taxpayer(db) -> User:
    return factories.TaxpayerFactory()


@pytest.fixture
def other_taxpayer(db) -> User:
    return factories.TaxpayerFactory()


@pytest.fixture
def agent(db) -> User:
    return factories.AgentFactory()


@pytest.fixture
def supervisor(db) -> User:
    return factories.SupervisorFactory()


def totp_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code an authenticator app shows for this device now (offset in steps)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def staff_client(user: User) -> Client:
    """A client logged in as a staff member who has passed the second factor."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or factories.TOTPDeviceFactory(user=user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def taxpayer_client(taxpayer) -> Client:
    client = Client()
    client.force_login(taxpayer)
    return client


@pytest.fixture
def agent_client(agent) -> Client:
    return staff_client(agent)


@pytest.fixture
def supervisor_client(supervisor) -> Client:
    return staff_client(supervisor)


@pytest.fixture(autouse=True)
def _english_and_utc():
    """Each test starts in English and UTC: a request by a signed-in person leaves their language active."""
    translation.activate("en")
    timezone.deactivate()
    yield
    translation.activate("en")
    timezone.deactivate()


@pytest.fixture
def unverified_taxpayer(db) -> User:
    """A taxpayer who signed up but has not opened the confirmation link yet."""
    return factories.TaxpayerFactory(is_active=False, email_verified_at=None)


@pytest.fixture
def agent_device(agent) -> TOTPDevice:
    return factories.TOTPDeviceFactory(user=agent)


@pytest.fixture
def supervisor_device(supervisor) -> TOTPDevice:
    return factories.TOTPDeviceFactory(user=supervisor)


@pytest.fixture
def step_start() -> datetime:
    """The start of the next 30-second authenticator step, a moment to freeze time at (tick=False).

    A code computed there stays valid for the whole test, and being no earlier than the real clock,
    sessions and tokens made there are still valid once the travel ends.
    """
    now = datetime.now(UTC)
    return now.replace(microsecond=0) + timedelta(seconds=30 - now.second % 30)


@pytest.fixture
def static_files(settings) -> None:
    """Static files served from their sources, for a test that loads them (a browser test).

    WhiteNoise then scans every static source file (USWDS alone is ~19 MB in thousands of files)
    whenever a request handler is built, which costs a third of a second each time: every other
    test goes without it.
    """
    settings.WHITENOISE_USE_FINDERS = True


@dataclass
class CeleryWorker:
    """The worker started by the `celery_worker` fixture, and what it has finished so far."""

    finished: queue.Queue = field(default_factory=queue.Queue)  # (task name, return value), in order

    def result_of(self, task: Task, *, timeout: float = 30.0) -> object:
        """Wait for the worker to finish the next run of this task and return what it returned."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                name, value = self.finished.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                pytest.fail(f"The worker did not finish {task.name} within {timeout} s.")
            if name == task.name:
                return value


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[CeleryWorker]:
    """A real Celery worker in a thread of the test process, for tests marked `worker`.

    It takes tasks from the configured broker (Redis in production mode, Celery's in-memory
    transport in the embedded default); tasks are not run eagerly while it runs.
    """
    worker = CeleryWorker()

    def record(sender: Task | None = None, retval: object = None, **kwargs) -> None:
        if sender is not None:
            worker.finished.put((sender.name, retval))

    task_postrun.connect(record, weak=False)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
            yield worker
    finally:
        celery_app.conf.task_always_eager = True
        task_postrun.disconnect(record)
