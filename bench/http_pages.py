"""Page latency through the real ASGI server, against a static file served by the same process.

Starts uvicorn on the embedded default (make bench migrates and loads the demo first), then
requests each page many times in interleaved rounds so that machine noise hits all of them
alike. Reports median and 90th percentile per page and the ratio of each median to the
static-file baseline.
"""

import re
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

from bench.common import report, summary

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 200
# name: (path, signed in as the demo taxpayer?)
PAGES = {
    "baseline_static_css": ("/static/core/css/site.css", False),
    "home": ("/", False),
    "login_page": ("/accounts/login/", False),
    "signup_page": ("/accounts/signup/", False),
    "taxpayer_home": ("/me/", True),
    "taxpayer_profile": ("/accounts/profile/", True),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()  # noqa: S310 (loopback only)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _logged_in_opener(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    html = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urlencode(
        {"csrfmiddlewaretoken": token, "email": "john@demo.liveverify.test", "password": "demo-password-2026"}
    )
    request = urllib.request.Request(f"{base}/accounts/login/", data=data.encode(), headers={"Referer": base})
    opener.open(request).read()
    return opener


def main() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
    )
    try:
        _wait(f"{base}/")
        openers = {True: _logged_in_opener(base), False: urllib.request.build_opener()}
        samples: dict[str, list[float]] = {name: [] for name in PAGES}
        for _round in range(ROUNDS):
            for name, (path, signed_in) in PAGES.items():
                start = time.perf_counter()
                response = openers[signed_in].open(f"{base}{path}")
                response.read()
                samples[name].append((time.perf_counter() - start) * 1000)
                assert (response.status, response.url) == (200, f"{base}{path}"), (name, response.url)
    finally:
        server.terminate()
        server.wait(timeout=10)
    figures = {name: summary(values) for name, values in samples.items()}
    baseline = figures["baseline_static_css"]["median_ms"]
    for values in figures.values():
        values["ratio_to_baseline"] = round(values["median_ms"] / baseline, 2)
    report("http_pages", {"rounds": ROUNDS, "server": "uvicorn, 1 process, embedded default", "pages": figures})


if __name__ == "__main__":
    main()
