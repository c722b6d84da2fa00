"""Screenshots of pages at desktop and phone width, for looking at what we build.

Usage: .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 /path /other/path ...
Writes PNGs to test-artifacts/screens/. Log in first with --login EMAIL:PASSWORD (taxpayers), or
--as EMAIL to open a session straight in the local database (any role; staff count as having
passed the second factor). --as is for looking at pages during development only.
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def _session_for(email: str) -> str:
    import os
    import sys

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    if user.needs_two_factor:
        device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(user=user, name="screens")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client.cookies["sessionid"].value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login")
    parser.add_argument("--as", dest="as_email")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    out = Path("test-artifacts/screens")
    out.mkdir(parents=True, exist_ok=True)
    session = _session_for(args.as_email) if args.as_email else None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for size_name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            if session:
                page.context.add_cookies([{"name": "sessionid", "value": session, "url": args.base}])
            if args.login:
                email, password = args.login.split(":", 1)
                page.goto(f"{args.base}/accounts/login/")
                page.fill("#id_email", email)
                page.fill("#id_password", password)
                page.click("main button[type=submit]")
            for path in args.paths:
                page.goto(f"{args.base}{path}")
                name = path.strip("/").replace("/", "_") or "home"
                page.screenshot(path=out / f"{name}-{args.lang}-{size_name}.png", full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
