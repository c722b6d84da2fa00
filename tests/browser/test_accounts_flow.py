import base64
import re
from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests import factories
from tests.conftest import totp_code


def test_taxpayer_signs_up_verifies_logs_in_edits_profile_and_switches_to_spanish(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Full legal name").fill("Marisol Ortiz")
    page.get_by_label("Email address").fill("Marisol@Example.org")
    page.get_by_label("Password", exact=True).fill("a long and unusual passphrase")
    page.get_by_label("Type the password again").fill("a long and unusual passphrase")
    page.get_by_label("Your time zone").select_option("America/Puerto_Rico")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[0].body).group(0)
    path = link.split("/accounts/", 1)[1]
    page.goto(f"/accounts/{path}")
    page.get_by_text("Your email address is confirmed").wait_for()

    page.get_by_label("Email address").fill("marisol@example.org")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Log in").last.click()
    page.get_by_role("heading", name="Your interview", exact=True).wait_for()

    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("Mobile phone for one-time codes").fill("+17875550143")
    page.locator("label", has_text="Captions or text chat").click()
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()

    page.get_by_role("button", name="Español").click()
    page.get_by_role("heading", name="Su perfil").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"

    user = User.objects.get(email="marisol@example.org")
    assert (user.is_active, user.preferred_language, user.time_zone) == (True, "es", "America/Puerto_Rico")
    assert (user.taxpayer_profile.phone, user.taxpayer_profile.needs_captions) == ("+17875550143", True)


def test_agent_logs_in_with_an_authenticator_code(page):
    agent = factories.AgentFactory(email="okafor@example.org", full_name="Daniel Okafor")
    device = factories.TOTPDeviceFactory(user=agent)
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("okafor@example.org")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").last.click()
    page.get_by_role("heading", name="Enter your code").wait_for()

    wrong_code = "000000" if totp_code(device) != "000000" else "111111"
    page.get_by_label("6-digit code from your authenticator app").fill(wrong_code)
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_code_error").get_by_text("That code is not right").wait_for()

    # A wrong code pauses the device for a moment; a person typing the next one takes longer.
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=True):
        page.get_by_label("6-digit code from your authenticator app").fill(totp_code(device))
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("heading", name="Today's work", exact=True).wait_for()
    assert page.url.endswith("/agent/")


def test_new_agent_enrols_an_authenticator_from_the_key_on_the_page(page):
    agent = factories.AgentFactory(email="rivera@example.org")
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("rivera@example.org")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").last.click()
    page.get_by_role("heading", name="Set up your authenticator app").wait_for()

    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    shown_key = page.locator(".lv-secret").inner_text().replace(" ", "")
    assert shown_key.startswith(base64.b32encode(device.bin_key).decode().rstrip("=")[:8])
    page.get_by_label("6-digit code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Confirm and log in").click()
    page.get_by_role("heading", name="Today's work", exact=True).wait_for()
    assert TOTPDevice.objects.get(user=agent).confirmed is True


def test_a_form_with_errors_lists_them_at_the_top_and_takes_the_focus_there(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Create account").click()

    summary = page.get_by_role("alert").filter(has_text="Please check these answers")
    summary.wait_for()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    links = summary.get_by_role("link")
    assert links.count() >= 2
    assert "Email address" in summary.inner_text()
    summary.get_by_role("link", name=re.compile("^Email address")).click()
    assert page.evaluate("document.activeElement.id") == "id_email"


def test_an_error_about_the_whole_form_takes_the_focus(page):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").last.click()

    page.locator("main .usa-alert--error").wait_for()
    page.wait_for_load_state()  # the page's scripts have run
    assert "usa-alert--error" in page.evaluate("document.activeElement.className")
