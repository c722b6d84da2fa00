"""A real ASGI server (uvicorn) in a thread, and Debian's Chromium driven by Playwright."""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by the
# test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


# A whole call (device check, admission, a reload, leaving and coming back) takes up to about two
# minutes on a loaded 2-core machine; the first browser test also pays for starting Chromium.
BROWSER_TIMEOUT_SECONDS = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark browser tests, give them a longer time limit, and run them last: Playwright's sync API
    keeps an event loop running in the main thread for the session, which asyncio tests cannot share."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(BROWSER_TIMEOUT_SECONDS))
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_media_host(application):
    """The app plus, in the embedded default, a media host started in the server's own loop."""
    from django.conf import settings

    from interviews.media_host import start_media_host

    async def app(scope, receive, send):
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        task = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if settings.MEDIA_HOST_IN_PROCESS:
                    ready = asyncio.Event()
                    task = asyncio.create_task(start_media_host(ready))
                    await ready.wait()
                await send({"type": "lifespan.startup.complete"})
            else:
                if task is not None:
                    # Wait for it: a host that never withdraws stays "alive" in the process's registry
                    # for its TTL, and the next test's server may pick it.
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    return app


@pytest.fixture(scope="session")
def media_host_process(tmp_path_factory):
    """In production mode, a separate `manage.py media_host` process, as deployed.

    Its log (stderr) goes to `process.log_path`, which the privacy scan reads.
    """
    from django.conf import settings

    if settings.MEDIA_HOST_IN_PROCESS:
        yield None
        return
    import redis

    from interviews.media.registry import HOSTS_KEY, PINS_KEY

    redis.from_url(settings.REDIS_URL).delete(HOSTS_KEY, PINS_KEY)
    log_path = tmp_path_factory.mktemp("media-host") / "media_host.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "media_host"],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    process.log_path = log_path
    assert process.stdout.readline().strip() == "Media host ready."
    yield process
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture
def server_url(transactional_db, media_host_process, static_files) -> Iterator[str]:
    """The whole app (HTTP and WebSockets) served by uvicorn on a free loopback port."""
    from channels.layers import channel_layers

    from config.asgi import application

    # A new channel layer for each server: the Redis layer keeps per-channel asyncio locks that
    # bind to the first loop that waits on them, and a server stopped while a receive's cleanup
    # was pending leaves one locked, so the next server's consumers could never receive.
    channel_layers.backends.clear()
    port = _free_port()
    config = uvicorn.Config(
        _with_media_host(application),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("The test server did not start.")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test`, which installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.url_base = server_url
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA rules and best practices) on the page and return its violations.

    axe is evaluated through the DevTools protocol, so the page's own CSP stays in force.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""",
        AXE_RULES,
    )


def log_in(page, user) -> None:
    """Give the browser a signed-in session (staff with the second factor passed)."""
    from django.conf import settings

    from tests.conftest import staff_client

    if user.needs_two_factor:
        client = staff_client(user)
    else:
        from django.test import Client

        client = Client()
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": page.url_base}])
