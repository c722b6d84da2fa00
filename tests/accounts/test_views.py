import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import resolve, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AgentLanguage, TaxpayerProfile, User
from accounts.views import PENDING_KEY
from tests import factories
from tests.conftest import NOT_OFFERED, staff_client, totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not-the-right-password"
NEW_PASSWORD = "a brand new long passphrase"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def signed_in_user_id(client: Client) -> int | None:
    user_id = client.session.get(SESSION_KEY)
    return int(user_id) if user_id is not None else None


def log_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"email": email, "password": password}, **extra)


def login_redirect(path: str) -> str:
    return f"{reverse('accounts:login')}?next={path}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {totp_code(device, offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def path_in(message: mail.EmailMessage, prefix: str) -> str:
    """The path of the one link in a mail body that starts with this path prefix."""
    (path,) = re.findall(rf"https?://[^/\s]+({re.escape(prefix)}\S*)", message.body)
    return path


def nav_names(response) -> set[str]:
    """The URL names of the header links a page shows."""
    return {
        f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        for match in (resolve(url) for url, _label in response.context["nav_links"])
    }


def signed_in_client(user: User) -> Client:
    """A client logged in as this person, past the second factor if they are staff."""
    if user.needs_two_factor:
        return staff_client(user)
    client = Client()
    client.force_login(user)
    return client


def unverified_staff_client(user: User) -> Client:
    """A staff member who is logged in but has not passed the second factor."""
    client = Client()
    client.force_login(user)
    return client


# home


def test_home_shows_the_welcome_page_to_anonymous_visitors(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Prove who you are by talking to a person" in response.content.decode()
    assert response.context["nav_links"] == []


@pytest.mark.parametrize(
    ("client_fixture", "home"),
    [
        ("taxpayer_client", "operations:taxpayer_home"),
        ("agent_client", "operations:agent_home"),
        ("supervisor_client", "operations:supervisor_home"),
    ],
)
def test_home_sends_each_signed_in_role_to_its_own_page(request, client_fixture, home):
    response = request.getfixturevalue(client_fixture).get(reverse("home"))

    assert response.status_code == 302
    assert response.url == reverse(home)


def test_home_shows_the_welcome_page_to_staff_who_still_owe_a_code(agent):
    response = unverified_staff_client(agent).get(reverse("home"))

    assert response.status_code == 200
    assert response.context["nav_links"] == []


# signup

SIGNUP = {
    "full_name": "Maria Gonzalez",
    "email": "maria.gonzalez@example.org",
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
    "preferred_language": "en",
    "time_zone": "America/Chicago",
}


def test_signup_page_opens_for_anonymous_visitors(client):
    response = client.get(reverse("accounts:signup"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "full_name",
        "email",
        "password1",
        "password2",
        "preferred_language",
        "time_zone",
    ]


def test_signup_sends_a_signed_in_person_home(taxpayer_client):
    response = taxpayer_client.get(reverse("accounts:signup"))

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_signup_creates_an_inactive_taxpayer_and_mails_the_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {**SIGNUP, "email": "Maria.Gonzalez@Example.org"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:signup_done")
    user = User.objects.get()
    assert (user.email, user.role, user.is_active, user.email_verified_at) == (
        "maria.gonzalez@example.org",
        User.Role.TAXPAYER,
        False,
        None,
    )
    assert TaxpayerProfile.objects.filter(user=user).exists()
    assert [message.to for message in mail.outbox] == [["maria.gonzalez@example.org"]]
    assert signed_in_user_id(client) is None


def test_signup_done_page_names_the_address_the_link_went_to(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), SIGNUP)

    response = client.get(reverse("accounts:signup_done"))

    assert response.status_code == 200
    assert "We sent a link to maria.gonzalez@example.org." in response.content.decode()


def test_signup_done_page_without_a_signup_speaks_generally(client):
    response = client.get(reverse("accounts:signup_done"))

    assert response.status_code == 200
    assert "We sent you a link." in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"email": "maria.gonzalez@"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"full_name": ""}, "full_name", "This field is required."),
        (
            {"password1": "short", "password2": "short"},
            "password1",
            "This password is too short. It must contain at least 12 characters.",
        ),
        (
            {"password1": "12345678901234", "password2": "12345678901234"},
            "password1",
            "This password is entirely numeric.",
        ),
        ({"password1": "password1234", "password2": "password1234"}, "password1", "This password is too common."),
        (
            {"password1": "mariagonzalez", "password2": "mariagonzalez"},
            "password1",
            "The password is too similar to the email address.",
        ),
        (
            {"password1": "Maria Gonzalez 2026", "password2": "Maria Gonzalez 2026"},
            "password1",
            "The password is too similar to the full legal name.",
        ),
        ({"password2": "a different long passphrase"}, "password2", "The two passwords do not match."),
        (
            {"preferred_language": NOT_OFFERED},
            "preferred_language",
            f"Select a valid choice. {NOT_OFFERED} is not one of the available choices.",
        ),
        (
            {"time_zone": "Mars/Olympus"},
            "time_zone",
            "Select a valid choice. Mars/Olympus is not one of the available choices.",
        ),
    ],
)
def test_signup_with_invalid_data_shows_the_form_again_and_creates_nothing(
    client, django_capture_on_commit_callbacks, changes, field, error
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {**SIGNUP, **changes})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_signup_with_an_email_already_used_looks_the_same_but_only_mails_the_owner(
    client, taxpayer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {**SIGNUP, "email": taxpayer.email.upper()})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_done")
    assert User.objects.count() == 1
    assert [message.to for message in mail.outbox] == [[taxpayer.email]]
    assert "already have one" in mail.outbox[0].body


def test_signup_mail_link_activates_the_account_and_lets_the_taxpayer_log_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), SIGNUP)
    verify_path = path_in(mail.outbox[0], "/accounts/verify/")

    refused = log_in(client, SIGNUP["email"], SIGNUP["password1"])
    assert "Confirm your email address first" in refused.content.decode()
    verified = client.get(verify_path)
    logged_in = log_in(client, SIGNUP["email"], SIGNUP["password1"])

    assert verified.status_code == 302
    assert verified.url == reverse("accounts:login")
    assert messages_of(verified) == ["Your email address is confirmed. You can log in now."]
    assert logged_in.status_code == 302
    assert logged_in.url == reverse("operations:taxpayer_home")
    assert signed_in_user_id(client) == User.objects.get(email=SIGNUP["email"]).pk
    assert client.get(reverse("operations:taxpayer_home")).status_code == 200


# verify_email


def test_verify_email_with_a_broken_link_explains_and_offers_a_new_one(client, unverified_taxpayer):
    token = services.email_verification_token(user=unverified_taxpayer)

    response = client.get(reverse("accounts:verify_email", args=[token[:-2]]))

    assert response.status_code == 400
    assert response.context["error"] == (
        "This link is not valid. Check that you copied all of it, or ask for a new one below."
    )
    assert "email" in response.context["form"].fields
    unverified_taxpayer.refresh_from_db()
    assert unverified_taxpayer.is_active is False


def test_verify_email_with_an_expired_link_says_it_expired(client, unverified_taxpayer, step_start):
    with time_machine.travel(step_start, tick=False):
        token = services.email_verification_token(user=unverified_taxpayer)
    with time_machine.travel(step_start + settings.EMAIL_VERIFICATION_MAX_AGE + timedelta(minutes=1), tick=False):
        response = client.get(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    assert response.context["error"] == "This link has expired. Ask for a new one below."
    unverified_taxpayer.refresh_from_db()
    assert unverified_taxpayer.is_active is False


# resend_verification


def test_resend_verification_page_opens(client):
    response = client.get(reverse("accounts:resend_verification"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["email"]


def test_resend_verification_mails_an_unverified_account(
    client, unverified_taxpayer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"), {"email": unverified_taxpayer.email})

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert messages_of(response) == [
        "If an account with that address is waiting for confirmation, we have sent a new link."
    ]
    assert [message.to for message in mail.outbox] == [[unverified_taxpayer.email]]


@pytest.mark.parametrize("known", [True, False])
def test_resend_verification_says_the_same_and_mails_nothing_for_verified_or_unknown_addresses(
    client, taxpayer, django_capture_on_commit_callbacks, known
):
    email = taxpayer.email if known else "nobody@example.org"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"), {"email": email})

    assert response.status_code == 302
    assert messages_of(response) == [
        "If an account with that address is waiting for confirmation, we have sent a new link."
    ]
    assert mail.outbox == []


def test_resend_verification_with_a_malformed_address_shows_the_error(client):
    response = client.post(reverse("accounts:resend_verification"), {"email": "not an address"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]


# login (password step)


def test_login_page_opens(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["email", "password"]


def test_taxpayer_logs_in_with_email_in_any_case(client, taxpayer):
    response = log_in(client, taxpayer.email.upper())

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")
    assert signed_in_user_id(client) == taxpayer.pk


def test_login_of_an_unverified_taxpayer_asks_to_confirm_the_email_first(client, unverified_taxpayer):
    response = log_in(client, unverified_taxpayer.email)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Confirm your email address first: open the link we sent you. You can ask for a new link."
    ]
    assert "Confirm your email address first" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_login_of_an_unverified_taxpayer_with_a_wrong_password_does_not_reveal_the_account(client, unverified_taxpayer):
    response = log_in(client, unverified_taxpayer.email, WRONG_PASSWORD)

    assert response.context["form"].non_field_errors() == ["The email address or password is not correct."]


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "deactivated account"])
def test_login_failure_says_email_or_password_is_not_correct(client, taxpayer, case):
    email, password = taxpayer.email, PASSWORD
    if case == "wrong password":
        password = WRONG_PASSWORD
    elif case == "unknown email":
        email = "nobody@example.org"
    else:
        User.objects.filter(pk=taxpayer.pk).update(is_active=False)

    response = log_in(client, email, password)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The email address or password is not correct."]
    assert signed_in_user_id(client) is None


def test_login_with_a_malformed_email_shows_a_field_error(client):
    response = log_in(client, "not-an-email")

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]


def test_login_follows_a_local_next_address(client, taxpayer):
    response = client.post(
        f"{reverse('accounts:login')}?next={reverse('accounts:profile')}",
        {"email": taxpayer.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/path", "https:///evil.example"])
def test_login_ignores_a_next_address_on_another_site(client, taxpayer, next_url):
    page = client.get(reverse("accounts:login"), {"next": next_url})
    response = client.post(reverse("accounts:login"), {"email": taxpayer.email, "password": PASSWORD, "next": next_url})

    assert page.context["next"] == ""
    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")


@pytest.mark.parametrize("next_url", ["garbage", "-1", "home"])
def test_login_ignores_a_next_address_that_is_not_a_path(client, taxpayer, next_url):
    page = client.get(reverse("accounts:login"), {"next": next_url})
    response = client.post(reverse("accounts:login"), {"email": taxpayer.email, "password": PASSWORD, "next": next_url})
    again = client.get(reverse("accounts:login"), {"next": next_url})  # now signed in

    assert page.context["next"] == ""
    assert (response.status_code, response.url) == (302, reverse("operations:taxpayer_home"))
    assert (again.status_code, again.url) == (302, reverse("operations:taxpayer_home"))


def test_login_page_sends_a_signed_in_person_home(taxpayer_client):
    response = taxpayer_client.get(reverse("accounts:login"))

    assert response.status_code == 302
    assert response.url == reverse("operations:taxpayer_home")


def test_login_page_sends_a_signed_in_person_to_a_local_next_but_not_another_site(taxpayer_client):
    local = taxpayer_client.get(reverse("accounts:login"), {"next": reverse("accounts:profile")})
    foreign = taxpayer_client.get(reverse("accounts:login"), {"next": "https://evil.example/"})

    assert local.url == reverse("accounts:profile")
    assert foreign.url == reverse("operations:taxpayer_home")


# login lockout


def test_login_locks_an_account_after_the_failure_limit_even_from_different_addresses(client, taxpayer):
    statuses = [
        log_in(client, taxpayer.email, WRONG_PASSWORD, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(1, settings.AXES_FAILURE_LIMIT + 1)
    ]

    right_password = log_in(client, taxpayer.email, REMOTE_ADDR="10.0.0.99")

    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert right_password.status_code == 429
    assert "Too many attempts" in right_password.content.decode()
    assert signed_in_user_id(client) is None


def test_someone_elses_failures_on_a_shared_connection_do_not_lock_an_account_out(client, taxpayer):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        log_in(Client(), "made.up.person@example.com", WRONG_PASSWORD, REMOTE_ADDR="10.1.1.1")

    same_address = log_in(client, taxpayer.email, REMOTE_ADDR="10.1.1.1")

    assert same_address.status_code == 302
    assert same_address.url == reverse("operations:taxpayer_home")


def test_login_lockout_ends_after_the_cool_off_time(client, taxpayer, step_start):
    with time_machine.travel(step_start, tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, taxpayer.email, WRONG_PASSWORD)
        traveller.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        unlocked = log_in(client, taxpayer.email)

    assert unlocked.status_code == 302
    assert unlocked.url == reverse("operations:taxpayer_home")


def test_login_attempt_during_the_lockout_does_not_extend_it(client, taxpayer, step_start):
    with time_machine.travel(step_start, tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, taxpayer.email, WRONG_PASSWORD)
        traveller.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
        still_locked = log_in(client, taxpayer.email)
        traveller.shift(timedelta(seconds=2))
        after_the_pause = log_in(client, taxpayer.email)

    assert still_locked.status_code == 429
    assert after_the_pause.status_code == 302


def test_failures_against_an_account_survive_someone_else_logging_in_from_the_same_address(
    client, taxpayer, other_taxpayer
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, taxpayer.email, WRONG_PASSWORD)
    own_login = log_in(Client(), other_taxpayer.email)

    response = log_in(client, taxpayer.email, WRONG_PASSWORD)

    assert own_login.status_code == 302
    assert response.status_code == 429


# staff login: password step, then the code


def test_staff_password_goes_to_the_code_page_without_logging_in(client, agent_device, agent):
    response = log_in(client, agent.email)

    assert response.status_code == 302
    assert response.url == reverse("accounts:two_factor")
    assert signed_in_user_id(client) is None
    assert client.session[PENDING_KEY]["uid"] == agent.pk


def test_staff_password_without_an_authenticator_goes_to_the_setup_page(client, agent):
    factories.TOTPDeviceFactory(user=agent, confirmed=False)

    response = log_in(client, agent.email)

    assert response.status_code == 302
    assert response.url == reverse("accounts:two_factor_setup")
    assert signed_in_user_id(client) is None


def test_code_page_without_a_password_step_sends_to_login(client):
    response = client.get(reverse("accounts:two_factor"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert messages_of(response) == ["Your login took too long or was not started. Please log in again."]


def test_code_page_opens_after_the_password_step(client, agent_device, agent):
    log_in(client, agent.email)

    response = client.get(reverse("accounts:two_factor"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["code"]


@pytest.mark.parametrize(
    ("user_fixture", "device_fixture", "home"),
    [
        ("agent", "agent_device", "operations:agent_home"),
        ("supervisor", "supervisor_device", "operations:supervisor_home"),
    ],
)
def test_right_code_logs_staff_in_to_their_own_home(client, request, user_fixture, device_fixture, home, step_start):
    user = request.getfixturevalue(user_fixture)
    device = request.getfixturevalue(device_fixture)
    log_in(client, user.email)

    with time_machine.travel(step_start, tick=False):
        response = client.post(reverse("accounts:two_factor"), {"code": totp_code(device)})

    assert response.status_code == 302
    assert response.url == reverse(home)
    assert signed_in_user_id(client) == user.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_KEY not in client.session
    assert client.get(reverse(home)).status_code == 200


def test_code_with_a_space_in_the_middle_is_accepted(client, agent_device, agent, step_start):
    log_in(client, agent.email)

    with time_machine.travel(step_start, tick=False):
        code = totp_code(agent_device)
        response = client.post(reverse("accounts:two_factor"), {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert response.url == reverse("operations:agent_home")


def test_wrong_code_shows_the_error_and_does_not_log_in(client, agent_device, agent, step_start):
    log_in(client, agent.email)

    with time_machine.travel(step_start, tick=False):
        response = client.post(reverse("accounts:two_factor"), {"code": wrong_code(agent_device)})

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "That code is not right, or it was already used. Enter the newest code from your authenticator app."
    ]
    assert signed_in_user_id(client) is None
    assert client.session[PENDING_KEY]["uid"] == agent.pk


def code_input(page: str) -> str:
    return re.search(r'<input [^>]*name="code"[^>]*>', page).group(0)


@pytest.mark.parametrize("page_name", ["accounts:two_factor", "accounts:two_factor_setup"])
def test_a_refused_code_is_cleared_from_the_field(client, agent, step_start, page_name):
    if page_name == "accounts:two_factor":
        factories.TOTPDeviceFactory(user=agent)
    log_in(client, agent.email)
    client.get(reverse(page_name))

    for code in ["12ab56", "000000" if page_name == "accounts:two_factor_setup" else "999999"]:
        with time_machine.travel(step_start, tick=False):
            response = client.post(reverse(page_name), {"code": code})

        assert response.status_code == 400
        assert "value=" not in code_input(response.content.decode())


@pytest.mark.parametrize("page_name", ["accounts:two_factor", "accounts:two_factor_setup"])
def test_the_code_pages_offer_to_cancel_instead_of_logging_in_or_signing_up(client, agent, page_name):
    if page_name == "accounts:two_factor":
        factories.TOTPDeviceFactory(user=agent)
    log_in(client, agent.email)

    page = client.get(reverse(page_name)).content.decode()

    assert ">Create an account<" not in page and ">Log in<" not in page
    cancel = re.findall(
        r'<form method="post" action="/accounts/logout/"[^>]*>.*?name="next" value="([^"]*)".*?<span>([^<]*)</span>',
        page,
        re.S,
    )
    assert cancel == [(reverse("accounts:login"), "Cancel and log out")] * 2


def test_cancelling_the_code_step_forgets_the_password_step_and_goes_back_to_login(client, agent_device, agent):
    log_in(client, agent.email)

    response = client.post(reverse("accounts:logout"), {"next": reverse("accounts:login")})

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert PENDING_KEY not in client.session
    assert client.get(reverse("accounts:two_factor")).url == reverse("accounts:login")


def test_logout_ignores_a_foreign_next_address(taxpayer_client):
    response = taxpayer_client.post(reverse("accounts:logout"), {"next": "https://evil.example.org/"})

    assert response.url == reverse("home")
    assert signed_in_user_id(taxpayer_client) is None


def test_code_that_is_not_six_digits_is_refused_without_counting_a_failure(client, agent_device, agent):
    log_in(client, agent.email)

    response = client.post(reverse("accounts:two_factor"), {"code": "12ab56"})

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "Enter the 6 digits your authenticator app shows, for example 123456."
    ]
    agent_device.refresh_from_db()
    assert agent_device.throttling_failure_count == 0
    assert signed_in_user_id(client) is None


def test_replayed_code_is_refused_at_the_next_login(client, agent_device, agent, step_start):
    with time_machine.travel(step_start, tick=False):
        code = totp_code(agent_device)
        log_in(client, agent.email)
        first = client.post(reverse("accounts:two_factor"), {"code": code})
        client.post(reverse("accounts:logout"))
        log_in(client, agent.email)
        replay = client.post(reverse("accounts:two_factor"), {"code": code})

    assert first.status_code == 302
    assert replay.status_code == 400
    assert replay.context["form"].errors["code"] == [
        "That code is not right, or it was already used. Enter the newest code from your authenticator app."
    ]
    assert signed_in_user_id(client) is None


def test_right_code_straight_after_a_wrong_one_is_throttled(client, agent_device, agent, step_start):
    log_in(client, agent.email)

    with time_machine.travel(step_start, tick=False):
        client.post(reverse("accounts:two_factor"), {"code": wrong_code(agent_device)})
        response = client.post(reverse("accounts:two_factor"), {"code": totp_code(agent_device)})

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "Too many wrong codes. Wait 1 second, then enter the newest code from your app."
    ]
    assert signed_in_user_id(client) is None


def test_pending_code_step_expires(client, agent_device, agent, step_start):
    with time_machine.travel(step_start, tick=False) as traveller:
        log_in(client, agent.email)
        traveller.shift(settings.TWO_FACTOR_PENDING_MAX_AGE + timedelta(seconds=1))
        response = client.post(reverse("accounts:two_factor"), {"code": totp_code(agent_device)})

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert messages_of(response) == ["Your login took too long or was not started. Please log in again."]
    assert PENDING_KEY not in client.session
    assert signed_in_user_id(client) is None


def test_pending_code_step_still_works_just_before_it_expires(client, agent_device, agent, step_start):
    with time_machine.travel(step_start, tick=False) as traveller:
        log_in(client, agent.email)
        traveller.shift(settings.TWO_FACTOR_PENDING_MAX_AGE - timedelta(seconds=1))
        response = client.post(reverse("accounts:two_factor"), {"code": totp_code(agent_device)})

    assert response.status_code == 302
    assert response.url == reverse("operations:agent_home")


def test_code_page_sends_to_setup_when_the_authenticator_was_removed_meanwhile(client, agent_device, agent):
    log_in(client, agent.email)
    agent_device.delete()

    response = client.get(reverse("accounts:two_factor"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:two_factor_setup")


def test_local_next_address_survives_the_code_step(client, supervisor_device, supervisor, step_start):
    client.post(
        f"{reverse('accounts:login')}?next={reverse('accounts:staff_list')}",
        {"email": supervisor.email, "password": PASSWORD},
    )

    with time_machine.travel(step_start, tick=False):
        response = client.post(reverse("accounts:two_factor"), {"code": totp_code(supervisor_device)})

    assert response.url == reverse("accounts:staff_list")


def test_foreign_next_address_is_ignored_after_the_code_step(client, supervisor_device, supervisor, step_start):
    client.post(
        reverse("accounts:login"), {"email": supervisor.email, "password": PASSWORD, "next": "https://evil.example/"}
    )

    with time_machine.travel(step_start, tick=False):
        response = client.post(
            reverse("accounts:two_factor"), {"code": totp_code(supervisor_device), "next": "https://evil.example/"}
        )

    assert response.url == reverse("operations:supervisor_home")


# authenticator setup


def test_setup_page_without_a_password_step_sends_to_login(client):
    response = client.get(reverse("accounts:two_factor_setup"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


def test_setup_page_shows_the_key_of_a_new_pending_device(client, agent):
    log_in(client, agent.email)

    response = client.get(reverse("accounts:two_factor_setup"))

    device = TOTPDevice.objects.get(user=agent)
    assert response.status_code == 200
    assert device.confirmed is False
    assert response.context["secret"] == services.totp_secret_for_display(device=device)
    assert "<svg" in response.context["qr_svg"]
    assert client.get(reverse("accounts:two_factor_setup")).context["secret"] == response.context["secret"]
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_setup_confirms_the_pending_device_with_its_code_and_logs_in(client, agent, step_start):
    log_in(client, agent.email)
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=agent, confirmed=False)

    with time_machine.travel(step_start, tick=False):
        response = client.post(reverse("accounts:two_factor_setup"), {"code": totp_code(device)})

    assert response.status_code == 302
    assert response.url == reverse("operations:agent_home")
    assert messages_of(response) == ["Your authenticator app is set up. You will need it each time you log in."]
    device.refresh_from_db()
    assert device.confirmed is True
    assert signed_in_user_id(client) == agent.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("operations:agent_home")).status_code == 200


def test_setup_with_a_wrong_code_keeps_the_device_pending_and_does_not_log_in(client, agent, step_start):
    log_in(client, agent.email)
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=agent, confirmed=False)

    with time_machine.travel(step_start, tick=False):
        response = client.post(reverse("accounts:two_factor_setup"), {"code": wrong_code(device)})

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "That code is not right, or it was already used. Enter the newest code from your authenticator app."
    ]
    device.refresh_from_db()
    assert device.confirmed is False
    assert signed_in_user_id(client) is None


def test_setup_page_sends_staff_with_a_confirmed_device_to_the_code_page(client, agent_device, agent):
    log_in(client, agent.email)

    response = client.get(reverse("accounts:two_factor_setup"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:two_factor")


def test_setup_page_expires_with_the_pending_login(client, agent, step_start):
    with time_machine.travel(step_start, tick=False) as traveller:
        log_in(client, agent.email)
        traveller.shift(settings.TWO_FACTOR_PENDING_MAX_AGE + timedelta(seconds=1))
        response = client.get(reverse("accounts:two_factor_setup"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert not TOTPDevice.objects.filter(user=agent).exists()


# role pages

ROLE_PAGES = [
    ("operations:taxpayer_home", None),
    ("operations:agent_home", None),
    ("operations:supervisor_home", None),
    ("accounts:staff_list", None),
    ("accounts:staff_create", None),
    ("accounts:staff_edit", "member"),
    ("accounts:profile", None),
    ("accounts:password_change", None),
]


def page_path(name: str, arg: str | None, member: User) -> str:
    return reverse(name, args=[member.pk] if arg else [])


@pytest.mark.parametrize(("name", "arg"), ROLE_PAGES)
def test_anonymous_visitors_are_sent_to_login_from_signed_in_pages(client, name, arg):
    path = page_path(name, arg, factories.AgentFactory())

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == login_redirect(path)


def test_anonymous_visitors_are_sent_to_login_from_authenticator_reset(client):
    member = factories.AgentFactory()
    device = factories.TOTPDeviceFactory(user=member)
    path = reverse("accounts:staff_reset_two_factor", args=[member.pk])

    response = client.post(path)

    assert response.url == login_redirect(path)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("user_fixture", ["agent", "supervisor"])
@pytest.mark.parametrize(("name", "arg"), ROLE_PAGES)
def test_staff_logged_in_without_a_code_are_sent_to_login(request, user_fixture, name, arg):
    user = request.getfixturevalue(user_fixture)
    path = page_path(name, arg, factories.AgentFactory())

    response = unverified_staff_client(user).get(path)

    assert response.status_code == 302
    assert response.url == login_redirect(path)


def test_taxpayer_home_greets_the_taxpayer(taxpayer_client, taxpayer):
    response = taxpayer_client.get(reverse("operations:taxpayer_home"))

    assert response.status_code == 200
    assert f"Hello {taxpayer.first_name}." in response.content.decode()
    assert nav_names(response) >= {"operations:taxpayer_home", "accounts:profile"}
    assert nav_names(response).isdisjoint(
        {"operations:agent_home", "operations:supervisor_home", "accounts:staff_list"}
    )


def test_agent_home_lists_the_agents_working_hours(agent_client, agent):
    factories.WeeklyHoursFactory(agent=agent, weekday=2)

    response = agent_client.get(reverse("operations:agent_home"))

    assert response.status_code == 200
    assert [(hours.weekday, str(hours.start), str(hours.end)) for hours in response.context["hours"]] == [
        (2, "09:00:00", "17:00:00")
    ]
    assert "Wednesday" in response.content.decode()
    assert nav_names(response) >= {"operations:agent_home", "accounts:profile"}
    assert nav_names(response).isdisjoint(
        {"operations:taxpayer_home", "operations:supervisor_home", "accounts:staff_list"}
    )


def test_agent_home_shows_the_agents_state_and_where_to_change_it(agent_client, agent):
    assert 'data-agent-state="offline"' in agent_client.get(reverse("operations:agent_home")).content.decode()
    factories.AgentStateFactory(agent=agent, state="break")

    page = agent_client.get(reverse("operations:agent_home")).content.decode()

    assert 'data-agent-state="break"' in page
    assert "On a break" in page
    assert reverse("operations:agent_panel") in page


def test_supervisor_home_counts_people_and_lists_staff_without_an_authenticator(supervisor_client, supervisor):
    enrolled = factories.AgentFactory(full_name="Enrolled Agent")
    factories.TOTPDeviceFactory(user=enrolled)
    unenrolled = factories.AgentFactory(full_name="Unenrolled Agent")
    factories.AgentFactory(is_active=False)
    factories.TaxpayerFactory()
    factories.TaxpayerFactory(is_active=False, email_verified_at=None)

    response = supervisor_client.get(reverse("operations:supervisor_home"))

    assert response.status_code == 200
    assert response.context["agent_count"] == 2
    assert response.context["taxpayer_count"] == 1
    assert unenrolled in response.context["unenrolled"]
    assert enrolled not in response.context["unenrolled"]
    assert supervisor not in response.context["unenrolled"]
    assert nav_names(response) >= {"operations:supervisor_home", "accounts:staff_list", "accounts:profile"}
    assert nav_names(response).isdisjoint({"operations:taxpayer_home", "operations:agent_home"})


FORBIDDEN = [
    ("taxpayer_client", "operations:agent_home"),
    ("taxpayer_client", "operations:supervisor_home"),
    ("taxpayer_client", "accounts:staff_list"),
    ("taxpayer_client", "accounts:staff_create"),
    ("taxpayer_client", "accounts:staff_edit"),
    ("taxpayer_client", "accounts:staff_reset_two_factor"),
    ("agent_client", "operations:taxpayer_home"),
    ("agent_client", "operations:supervisor_home"),
    ("agent_client", "accounts:staff_list"),
    ("agent_client", "accounts:staff_create"),
    ("agent_client", "accounts:staff_edit"),
    ("agent_client", "accounts:staff_reset_two_factor"),
    ("supervisor_client", "operations:taxpayer_home"),
    ("supervisor_client", "operations:agent_home"),
]


@pytest.mark.parametrize(("client_fixture", "name"), FORBIDDEN)
def test_each_role_is_refused_the_other_roles_pages(request, client_fixture, name):
    client = request.getfixturevalue(client_fixture)
    member = factories.AgentFactory()
    device = factories.TOTPDeviceFactory(user=member)
    args = [member.pk] if name in ("accounts:staff_edit", "accounts:staff_reset_two_factor") else []

    if name == "accounts:staff_reset_two_factor":
        response = client.post(reverse(name, args=args))
    else:
        response = client.get(reverse(name, args=args))

    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_agent_cannot_create_staff_by_posting_the_form(agent_client):
    response = agent_client.post(
        reverse("accounts:staff_create"),
        {
            "full_name": "Sneaky",
            "email": "sneaky@example.org",
            "role": "supervisor",
            "languages": ["en"],
            "time_zone": "UTC",
        },
    )

    assert response.status_code == 403
    assert not User.objects.filter(email="sneaky@example.org").exists()


# profile


def test_profile_page_shows_a_taxpayer_both_forms(taxpayer_client):
    response = taxpayer_client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["full_name", "preferred_language", "time_zone"]
    assert list(response.context["needs_form"].fields) == [
        "phone",
        "needs_captions",
        "needs_sign_language",
        "audio_only",
        "other_needs",
    ]


def test_profile_sections_after_the_first_stand_apart_from_the_field_above(taxpayer_client):
    page = taxpayer_client.get(reverse("accounts:profile")).content.decode()

    legends = re.findall(
        r'<fieldset class="([^"]*)">\s*<legend class="usa-legend usa-legend--large">([^<]*)</legend>', page
    )
    assert legends == [
        ("usa-fieldset", "About you"),
        ("usa-fieldset margin-top-4", "Your identity details"),
        ("usa-fieldset margin-top-4", "Contact and accessibility"),
    ]


def test_profile_page_shows_staff_no_needs_form(agent_client):
    response = agent_client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert response.context["needs_form"] is None


PROFILE = {"full_name": "Jo Doe", "preferred_language": "en", "time_zone": "America/Chicago"}


def test_taxpayer_saves_profile_phone_and_needs(taxpayer_client, taxpayer):
    response = taxpayer_client.post(
        reverse("accounts:profile"),
        {
            **PROFILE,
            "preferred_language": "es",
            "phone": "+12025550143",
            "needs_captions": "on",
            "audio_only": "on",
            "other_needs": "Please speak slowly",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    assert messages_of(response) == ["Your profile is saved."]
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    taxpayer.refresh_from_db()
    assert (taxpayer.full_name, taxpayer.preferred_language, taxpayer.time_zone) == ("Jo Doe", "es", "America/Chicago")
    profile = TaxpayerProfile.objects.get(user=taxpayer)
    assert (profile.phone, profile.needs_captions, profile.needs_sign_language, profile.audio_only) == (
        "+12025550143",
        True,
        False,
        True,
    )
    assert profile.other_needs == "Please speak slowly"


def test_agent_saves_profile_without_getting_a_taxpayer_profile(agent_client, agent):
    response = agent_client.post(reverse("accounts:profile"), {**PROFILE, "time_zone": "Pacific/Guam"})

    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.full_name, agent.time_zone) == ("Jo Doe", "Pacific/Guam")
    assert not TaxpayerProfile.objects.filter(user=agent).exists()


@pytest.mark.parametrize("client_fixture", ["taxpayer_client", "agent_client"])
def test_forged_role_email_or_staff_flag_in_the_profile_changes_nothing_but_the_profile(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    user = User.objects.get(pk=signed_in_user_id(client))
    before = User.objects.values("role", "email", "is_staff", "is_superuser", "is_active").get(pk=user.pk)

    response = client.post(
        reverse("accounts:profile"),
        {
            **PROFILE,
            "role": User.Role.SUPERVISOR,
            "email": "hijack@example.org",
            "is_staff": "on",
            "is_superuser": "on",
            "is_active": "",
        },
    )

    assert response.status_code == 302
    assert User.objects.values("role", "email", "is_staff", "is_superuser", "is_active").get(pk=user.pk) == before
    assert User.objects.get(pk=user.pk).full_name == "Jo Doe"
    assert not User.objects.filter(email="hijack@example.org").exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(518) 555-0142", "+15185550142"),
        ("518-555-0142", "+15185550142"),
        ("518.555.0142", "+15185550142"),
        ("5185550142", "+15185550142"),
        ("1 518 555 0142", "+15185550142"),
        ("1-518-555-0142", "+15185550142"),
        (" +1 (518) 555-0142 ", "+15185550142"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+52 55 1234 5678", "+525512345678"),
        ("", ""),
    ],
)
def test_profile_phone_is_stored_in_international_form(taxpayer_client, taxpayer, typed, stored):
    response = taxpayer_client.post(reverse("accounts:profile"), {**PROFILE, "phone": typed})

    assert response.status_code == 302
    assert TaxpayerProfile.objects.get(user=taxpayer).phone == stored


PHONE_ERROR = (
    "Enter a U.S. number with its area code, such as (202) 555-0143, or + and the country code for another country."
)


@pytest.mark.parametrize(
    "typed",
    [
        "not a phone",
        "555-0143",
        "202-555-014",
        "202-555-01433",
        "2 202 555 0143",
        "(102) 555-0143",
        "(202) 155-0143",
        "+1 202 555 014",
        "+0 20 7946 0958",
        "+44 20",
        "+44 20 7946 0958 1234 5",
        "+44 (20) 7946 0958 ext 12",
        "++12025550143",
        "202+555+0143",
    ],
)
def test_unusable_phone_is_refused_with_what_to_type(taxpayer_client, taxpayer, typed):
    response = taxpayer_client.post(reverse("accounts:profile"), {**PROFILE, "phone": typed})

    assert response.status_code == 400
    assert response.context["needs_form"].errors["phone"] == [PHONE_ERROR]
    assert TaxpayerProfile.objects.get(user=taxpayer).phone == ""


def test_profile_phone_hint_says_how_to_type_it(taxpayer_client):
    response = taxpayer_client.get(reverse("accounts:profile"))

    assert response.context["needs_form"].fields["phone"].help_text == (
        "Type a U.S. number as usual, for example (202) 555-0143. For another country, start with + and "
        "the country code. We only use it to send you a one-time code during your interview."
    )


def test_invalid_phone_shows_the_error_and_saves_neither_form(taxpayer_client, taxpayer):
    before_user = User.objects.values("full_name", "preferred_language", "time_zone").get(pk=taxpayer.pk)

    response = taxpayer_client.post(
        reverse("accounts:profile"),
        {**PROFILE, "preferred_language": "es", "phone": "555-0143", "needs_captions": "on"},
    )

    assert response.status_code == 400
    assert response.context["needs_form"].errors["phone"] == [PHONE_ERROR]
    assert User.objects.values("full_name", "preferred_language", "time_zone").get(pk=taxpayer.pk) == before_user
    profile = TaxpayerProfile.objects.get(user=taxpayer)
    assert (profile.phone, profile.needs_captions) == ("", False)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert 'lang="en"' in response.content.decode()


def test_blank_name_shows_the_error_and_saves_neither_form(taxpayer_client, taxpayer):
    name = taxpayer.full_name

    response = taxpayer_client.post(reverse("accounts:profile"), {**PROFILE, "full_name": "", "phone": "+12025550143"})

    assert response.status_code == 400
    assert response.context["form"].errors["full_name"] == ["This field is required."]
    assert User.objects.get(pk=taxpayer.pk).full_name == name
    assert TaxpayerProfile.objects.get(user=taxpayer).phone == ""


# password change


def test_password_change_page_opens_for_a_signed_in_person(taxpayer_client):
    response = taxpayer_client.get(reverse("accounts:password_change"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["old_password", "new_password1", "new_password2"]


def test_password_change_saves_the_new_password_and_keeps_the_session(agent_client, agent):
    response = agent_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    assert messages_of(response) == ["Your password is changed."]
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD) is True
    assert agent_client.get(reverse("operations:agent_home")).status_code == 200


def test_password_change_with_a_wrong_old_password_changes_nothing(taxpayer_client, taxpayer):
    response = taxpayer_client.post(
        reverse("accounts:password_change"),
        {"old_password": WRONG_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == [
        "Your old password was entered incorrectly. Please enter it again."
    ]
    taxpayer.refresh_from_db()
    assert taxpayer.check_password(PASSWORD) is True


# logout


def test_logout_needs_a_post(taxpayer_client, taxpayer):
    response = taxpayer_client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert signed_in_user_id(taxpayer_client) == taxpayer.pk


def test_logout_ends_the_session(taxpayer_client):
    response = taxpayer_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert messages_of(response) == ["You have logged out."]
    assert signed_in_user_id(taxpayer_client) is None
    assert taxpayer_client.get(reverse("operations:taxpayer_home")).status_code == 302


# language switch and translated pages


def header_languages(content: str) -> list[tuple[str, str, str]]:
    """The header's languages in order, as (code, name shown, "current" or "switch")."""
    listing = re.search(r'<ul class="lv-languages"[^>]*>(.*?)</ul>', content, re.DOTALL).group(1)
    found = []
    for item in re.findall(r"<li>(.*?)</li>", listing, re.DOTALL):
        code = re.search(r' lang="([^"]+)"', item).group(1)
        name = re.sub(r"<[^>]+>", "", item).strip()
        if 'aria-current="true"' in item:
            found.append((code, name, "current"))
        elif f'<button type="submit" name="language" value="{code}"' in item:
            found.append((code, name, "switch"))
    return found


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_header_lists_every_language_by_its_own_name_and_marks_the_current_one(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    listed = header_languages(client.get(reverse("home")).content.decode())

    assert [code for code, _name, _state in listed] == [code for code, _name in settings.LANGUAGES]
    assert [code for code, _name, state in listed if state == "current"] == [language]
    assert {("en", "English"), ("es", "Español")} <= {(code, name) for code, name, _state in listed}


def test_the_header_offers_a_language_added_to_settings(client, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("de", "German")]

    listed = header_languages(client.get(reverse("home")).content.decode())

    assert len(listed) == len(settings.LANGUAGES)
    assert listed[-1] == ("de", "Deutsch", "switch")


def test_language_switch_accepts_a_language_added_to_settings(taxpayer_client, taxpayer, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("de", "German")]

    response = taxpayer_client.post(reverse("language_switch"), {"language": "de", "next": "/me/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    taxpayer.refresh_from_db()
    assert taxpayer.preferred_language == "de"
    page = taxpayer_client.get(reverse("operations:taxpayer_home")).content.decode()
    assert '<html lang="de">' in page
    assert ("de", "Deutsch", "current") in header_languages(page)


def test_language_switch_needs_a_post(client):
    assert client.get(reverse("language_switch"), {"language": "es"}).status_code == 405


def test_language_switch_sets_the_cookie_for_an_anonymous_visitor(client):
    response = client.post(reverse("language_switch"), {"language": "es", "next": reverse("accounts:login")})

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert 'lang="es"' in client.get(reverse("home")).content.decode()


def test_language_switch_saves_the_preferred_language_of_a_signed_in_person(taxpayer_client, taxpayer):
    response = taxpayer_client.post(reverse("language_switch"), {"language": "es", "next": "/me/"})

    assert response.status_code == 302
    assert response.url == "/me/"
    taxpayer.refresh_from_db()
    assert taxpayer.preferred_language == "es"
    page = taxpayer_client.get(reverse("operations:taxpayer_home")).content.decode()
    assert 'lang="es"' in page
    assert "Su entrevista" in page


@pytest.mark.parametrize("language", ["xx", NOT_OFFERED, ""])
def test_language_switch_refuses_a_language_that_is_not_offered(taxpayer_client, taxpayer, language):
    response = taxpayer_client.post(reverse("language_switch"), {"language": language, "next": "/me/"})

    assert response.status_code == 302
    assert response.url == "/me/"
    taxpayer.refresh_from_db()
    assert taxpayer.preferred_language == "en"
    assert 'lang="en"' in taxpayer_client.get(reverse("operations:taxpayer_home")).content.decode()


def test_language_switch_for_an_anonymous_visitor_ignores_a_language_that_is_not_offered(client):
    client.post(reverse("language_switch"), {"language": NOT_OFFERED, "next": "/"})

    assert 'lang="en"' in client.get(reverse("home")).content.decode()


def test_language_switch_ignores_a_next_address_on_another_site(client):
    response = client.post(reverse("language_switch"), {"language": "es", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response.url == "/"


@pytest.mark.parametrize(
    ("factory", "page", "spanish"),
    [
        (factories.TaxpayerFactory, "operations:taxpayer_home", "Su entrevista"),
        (factories.AgentFactory, "operations:agent_home", "Trabajo de hoy"),
        (factories.SupervisorFactory, "operations:supervisor_home", "Operaciones"),
    ],
)
def test_pages_are_in_spanish_for_someone_who_prefers_spanish(factory, page, spanish):
    user = factory(preferred_language="es")

    response = signed_in_client(user).get(reverse(page))

    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in content
    assert spanish in content
    assert response["Content-Language"] == "es"


def test_signed_in_preference_wins_over_the_language_cookie(taxpayer_client):
    taxpayer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    response = taxpayer_client.get(reverse("operations:taxpayer_home"))

    assert '<html lang="en">' in response.content.decode()


def test_a_language_chosen_before_logging_in_carries_on_after(client, taxpayer):
    client.post(reverse("language_switch"), {"language": "es", "next": reverse("accounts:login")})

    log_in(client, taxpayer.email)

    taxpayer.refresh_from_db()
    assert taxpayer.preferred_language == "es"
    assert '<html lang="es">' in client.get(reverse("operations:taxpayer_home")).content.decode()


# staff management (supervisors)


def test_staff_list_shows_staff_but_not_taxpayers(supervisor_client, supervisor, agent, taxpayer):
    factories.TOTPDeviceFactory(user=agent)

    response = supervisor_client.get(reverse("accounts:staff_list"))

    assert response.status_code == 200
    assert set(response.context["staff"]) == {supervisor, agent}
    content = response.content.decode()
    assert agent.email in content
    assert taxpayer.email not in content


STAFF = {
    "full_name": "Sam Rivera",
    "email": "Sam.Rivera@Agency.example",
    "role": "agent",
    "languages": ["en", "es"],
    "time_zone": "America/Denver",
}


def test_staff_create_page_opens(supervisor_client):
    response = supervisor_client.get(reverse("accounts:staff_create"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["full_name", "email", "role", "languages", "time_zone"]


def test_supervisor_creates_an_agent_who_is_mailed_an_invitation(supervisor_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(reverse("accounts:staff_create"), STAFF)

    assert response.status_code == 302
    assert response.url == reverse("accounts:staff_list")
    assert messages_of(response) == ["Sam Rivera's account is created. We emailed them a link to choose a password."]
    member = User.objects.get(email="sam.rivera@agency.example")
    assert (member.role, member.full_name, member.time_zone, member.is_active) == (
        User.Role.AGENT,
        "Sam Rivera",
        "America/Denver",
        True,
    )
    assert sorted(member.agent_languages.values_list("language", flat=True)) == ["en", "es"]
    assert [message.to for message in mail.outbox] == [["sam.rivera@agency.example"]]


def test_invited_staff_member_sets_a_password_then_enrols_an_authenticator(
    supervisor_client, django_capture_on_commit_callbacks, step_start
):
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post(reverse("accounts:staff_create"), {**STAFF, "role": "supervisor"})
    client = Client()

    set_password_page = client.get(path_in(mail.outbox[0], "/accounts/password/reset/"), follow=True)
    saved = client.post(
        set_password_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    login = log_in(client, "sam.rivera@agency.example", NEW_PASSWORD)

    assert set_password_page.context["validlink"] is True
    assert saved.url == reverse("accounts:password_reset_complete")
    assert login.url == reverse("accounts:two_factor_setup")
    setup = client.get(login.url)
    assert setup.status_code == 200
    device = TOTPDevice.objects.get(user__email="sam.rivera@agency.example", confirmed=False)
    with time_machine.travel(step_start, tick=False):
        finished = client.post(reverse("accounts:two_factor_setup"), {"code": totp_code(device)})
    assert finished.url == reverse("operations:supervisor_home")


def test_staff_invitation_link_stops_working_after_the_password_reset_timeout(
    supervisor_client, django_capture_on_commit_callbacks, step_start
):
    with time_machine.travel(step_start, tick=False), django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post(reverse("accounts:staff_create"), STAFF)
    link = path_in(mail.outbox[0], "/accounts/password/reset/")

    with time_machine.travel(step_start + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1), tick=False):
        response = Client().get(link, follow=True)

    assert response.status_code == 200
    assert response.context["validlink"] is False


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"languages": []}, "languages", "This field is required."),
        ({"role": "taxpayer"}, "role", "Select a valid choice. taxpayer is not one of the available choices."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"full_name": ""}, "full_name", "This field is required."),
    ],
)
def test_staff_create_form_errors_show_again_and_create_nothing(
    supervisor_client, django_capture_on_commit_callbacks, changes, field, error
):
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(reverse("accounts:staff_create"), {**STAFF, **changes})

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert not User.objects.filter(email="sam.rivera@agency.example").exists()
    assert mail.outbox == []


def test_staff_create_with_an_email_already_used_in_another_case_is_refused(
    supervisor_client, taxpayer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(reverse("accounts:staff_create"), {**STAFF, "email": taxpayer.email.upper()})

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == ["An account with this email address already exists."]
    assert User.objects.get(email__iexact=taxpayer.email).role == User.Role.TAXPAYER
    assert User.objects.count() == 2
    assert mail.outbox == []


def test_staff_edit_page_shows_the_current_values(supervisor_client, agent):
    factories.TOTPDeviceFactory(user=agent)

    response = supervisor_client.get(reverse("accounts:staff_edit", args=[agent.pk]))

    assert response.status_code == 200
    assert response.context["member"] == agent
    assert response.context["has_device"] is True
    assert response.context["form"].initial == {
        "full_name": agent.full_name,
        "time_zone": agent.time_zone,
        "languages": ["en"],
    }
    assert list(response.context["form"].fields) == ["full_name", "languages", "time_zone"]


def test_supervisor_edits_a_staff_member(supervisor_client, agent):
    response = supervisor_client.post(
        reverse("accounts:staff_edit", args=[agent.pk]),
        {"full_name": "Renamed Agent", "languages": ["es"], "time_zone": "UTC", "role": "supervisor"},
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:staff_list")
    assert messages_of(response) == ["The changes to Renamed Agent's account are saved."]
    agent.refresh_from_db()
    assert (agent.full_name, agent.time_zone, agent.role) == ("Renamed Agent", "UTC", User.Role.AGENT)
    assert list(AgentLanguage.objects.filter(agent=agent).values_list("language", flat=True)) == ["es"]


def test_staff_edit_without_a_language_shows_the_error_and_changes_nothing(supervisor_client, agent):
    name = agent.full_name

    response = supervisor_client.post(
        reverse("accounts:staff_edit", args=[agent.pk]), {"full_name": "Renamed", "time_zone": "UTC"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["languages"] == ["This field is required."]
    agent.refresh_from_db()
    assert agent.full_name == name
    assert list(AgentLanguage.objects.filter(agent=agent).values_list("language", flat=True)) == ["en"]


def test_staff_edit_of_a_taxpayer_is_not_found(supervisor_client, taxpayer):
    name = taxpayer.full_name

    page = supervisor_client.get(reverse("accounts:staff_edit", args=[taxpayer.pk]))
    post = supervisor_client.post(
        reverse("accounts:staff_edit", args=[taxpayer.pk]),
        {"full_name": "Renamed", "languages": ["en"], "time_zone": "UTC"},
    )

    assert page.status_code == 404
    assert post.status_code == 404
    taxpayer.refresh_from_db()
    assert taxpayer.full_name == name


def test_staff_edit_of_an_unknown_person_is_not_found(supervisor_client):
    assert supervisor_client.get(reverse("accounts:staff_edit", args=[999_999])).status_code == 404


def test_supervisor_resets_a_staff_members_authenticator(supervisor_client, agent):
    factories.TOTPDeviceFactory(user=agent)
    agents_session = staff_client(agent)
    assert agents_session.get(reverse("operations:agent_home")).status_code == 200

    response = supervisor_client.post(reverse("accounts:staff_reset_two_factor", args=[agent.pk]))

    assert response.status_code == 302
    assert response.url == reverse("accounts:staff_edit", args=[agent.pk])
    assert messages_of(response) == [
        f"{agent.full_name}'s authenticator is removed. They will set up a new one at their next login."
    ]
    assert not TOTPDevice.objects.filter(user=agent).exists()
    cut_off = agents_session.get(reverse("operations:agent_home"))
    assert cut_off.url == login_redirect(reverse("operations:agent_home"))


def test_authenticator_reset_needs_a_post(supervisor_client, agent):
    device = factories.TOTPDeviceFactory(user=agent)

    response = supervisor_client.get(reverse("accounts:staff_reset_two_factor", args=[agent.pk]))

    assert response.status_code == 405
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_authenticator_reset_of_a_taxpayer_is_not_found(supervisor_client, taxpayer):
    device = factories.TOTPDeviceFactory(user=taxpayer)

    response = supervisor_client.post(reverse("accounts:staff_reset_two_factor", args=[taxpayer.pk]))

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# password reset


def test_password_reset_page_opens(client):
    response = client.get(reverse("accounts:password_reset"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["email"]


def test_password_reset_mails_a_link_that_sets_a_new_password(client, taxpayer):
    response = client.post(reverse("accounts:password_reset"), {"email": taxpayer.email.upper()})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert client.get(response.url).status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [taxpayer.email]
    assert mail.outbox[0].subject == "Reset your LiveVerify password"

    form_page = client.get(path_in(mail.outbox[0], "/accounts/password/reset/"), follow=True)
    saved = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert form_page.context["validlink"] is True
    assert saved.status_code == 302
    assert saved.url == reverse("accounts:password_reset_complete")
    assert client.get(saved.url).status_code == 200
    assert log_in(Client(), taxpayer.email, PASSWORD).status_code == 200
    assert log_in(Client(), taxpayer.email, NEW_PASSWORD).url == reverse("operations:taxpayer_home")


def test_password_reset_link_works_only_once(client, taxpayer):
    client.post(reverse("accounts:password_reset"), {"email": taxpayer.email})
    link = path_in(mail.outbox[0], "/accounts/password/reset/")
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert again.context["validlink"] is False


def test_password_reset_for_an_unknown_address_mails_nothing_but_says_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_with_a_broken_link_says_it_is_not_valid(client):
    response = client.get(reverse("accounts:password_reset_confirm", args=["MQ", "not-a-token"]))

    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "This link is not valid." in response.content.decode()


def test_new_staff_member_can_get_a_fresh_password_link_from_password_reset(client, supervisor):
    member = services.staff_create(
        created_by=supervisor,
        email="late.starter@agency.example",
        full_name="Late Starter",
        role=User.Role.AGENT,
        languages=["en"],
        time_zone="UTC",
    )

    client.post(reverse("accounts:password_reset"), {"email": member.email})

    assert [message.to for message in mail.outbox] == [[member.email]]


# admin site


def test_admin_opens_for_a_staff_flagged_supervisor_who_passed_the_code(supervisor):
    User.objects.filter(pk=supervisor.pk).update(is_staff=True, is_superuser=True)
    supervisor.refresh_from_db()

    assert staff_client(supervisor).get("/admin/").status_code == 200


def test_admin_sends_a_staff_flagged_supervisor_without_a_code_to_its_login(supervisor):
    User.objects.filter(pk=supervisor.pk).update(is_staff=True, is_superuser=True)

    response = unverified_staff_client(supervisor).get("/admin/")

    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/admin/"


def test_taxpayer_saves_their_claimed_identity_on_the_profile(taxpayer_client, taxpayer):
    data = {
        "full_name": taxpayer.full_name,
        "preferred_language": "en",
        "time_zone": "America/New_York",
        "date_of_birth": "1980-02-29",
        "street_address": "1 Main St",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
    }
    assert taxpayer_client.post("/accounts/profile/", data).status_code == 302
    taxpayer.taxpayer_profile.refresh_from_db()
    assert str(taxpayer.taxpayer_profile.date_of_birth) == "1980-02-29"
    assert taxpayer.taxpayer_profile.claimed_identity_complete


@pytest.mark.parametrize(
    ("field", "value"), [("date_of_birth", "2999-01-01"), ("date_of_birth", "1800-01-01"), ("postal_code", "7870")]
)
def test_implausible_identity_details_are_refused_and_nothing_is_saved(taxpayer_client, taxpayer, field, value):
    data = {"full_name": "Changed Name", "preferred_language": "en", "time_zone": "America/New_York", field: value}
    response = taxpayer_client.post("/accounts/profile/", data)
    assert response.status_code == 400
    assert field in response.context["identity_form"].errors
    taxpayer.refresh_from_db()
    assert taxpayer.full_name != "Changed Name"


def test_a_verified_taxpayers_identity_fields_are_locked_and_posted_changes_ignored(taxpayer_client, taxpayer):
    factories.VerifiedOutcomeFactory(taxpayer=taxpayer)
    profile = taxpayer.taxpayer_profile

    page = taxpayer_client.get("/accounts/profile/")
    assert page.context["form"].fields["full_name"].disabled
    assert all(field.disabled for field in page.context["identity_form"].fields.values())
    assert "cannot be changed here" in page.content.decode()

    data = {
        "full_name": "Someone Else",
        "preferred_language": "es",
        "time_zone": "America/New_York",
        "date_of_birth": "1990-01-01",
        "street_address": "9 Other Rd",
        "city": "Elsewhere",
        "state": "CA",
        "postal_code": "90001",
        "phone": "+12025550143",
    }
    assert taxpayer_client.post("/accounts/profile/", data).status_code == 302
    taxpayer.refresh_from_db()
    profile.refresh_from_db()
    assert taxpayer.full_name != "Someone Else"
    assert (profile.street_address, profile.city) != ("9 Other Rd", "Elsewhere")
    assert (taxpayer.preferred_language, profile.phone) == ("es", "+12025550143")


def test_every_field_error_and_hint_a_field_points_to_exists(taxpayer_client):
    data = {"full_name": "", "preferred_language": "en", "time_zone": "UTC", "phone": "abc", "postal_code": "7"}
    page = taxpayer_client.post("/accounts/profile/", data).content.decode()

    described = [ref for refs in re.findall(r'aria-describedby="([^"]+)"', page) for ref in refs.split()]
    assert {"id_full_name_error", "id_phone_error", "id_postal_code_error", "id_phone_helptext"} <= set(described)
    assert [ref for ref in described if page.count(f'id="{ref}"') != 1] == []


def test_a_date_of_birth_can_be_saved_on_29_february(taxpayer_client, taxpayer):
    data = {
        "full_name": taxpayer.full_name,
        "preferred_language": "en",
        "time_zone": "UTC",
        "date_of_birth": "1990-05-01",
    }
    with time_machine.travel("2028-02-29 12:00:00+00:00", tick=False):
        assert taxpayer_client.post("/accounts/profile/", data).status_code == 302


def test_a_supervisor_deactivates_and_reactivates_a_staff_account(supervisor_client, supervisor, agent):
    url = reverse("accounts:staff_active", args=[agent.pk])
    booking = factories.BookingFactory(agent=agent)

    refused = supervisor_client.post(url, {"active": "0"}, follow=True)
    agent.refresh_from_db()
    assert agent.is_active and "still has 1 interview booked" in refused.content.decode()

    booking.status = "cancelled"
    booking.save()
    done = supervisor_client.post(url, {"active": "0"}, follow=True)
    agent.refresh_from_db()
    assert not agent.is_active and "can no longer log in" in done.content.decode()
    assert "Deactivated" in supervisor_client.get(reverse("accounts:staff_list")).content.decode()
    assert log_in(Client(), agent.email).status_code == 200  # the password no longer lets them in

    supervisor_client.post(url, {"active": "1"})
    agent.refresh_from_db()
    assert agent.is_active


def test_nobody_deactivates_their_own_account_and_agents_cannot_deactivate_anyone(
    supervisor_client, supervisor, agent_client, agent
):
    supervisor_client.post(reverse("accounts:staff_active", args=[supervisor.pk]), {"active": "0"})
    assert agent_client.post(reverse("accounts:staff_active", args=[supervisor.pk]), {"active": "0"}).status_code == 403
    supervisor.refresh_from_db()
    assert supervisor.is_active


def test_a_changed_or_reset_password_is_told_to_the_owner(
    taxpayer_client, taxpayer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taxpayer_client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    assert [(m.to, m.subject) for m in mail.outbox] == [([taxpayer.email], "Your LiveVerify password was changed")]
    assert "/accounts/password/reset/" in mail.outbox[0].body

    mail.outbox.clear()
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": taxpayer.email})
    form_page = client.get(path_in(mail.outbox[0], "/accounts/password/reset/"), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert mail.outbox[-1].subject == "Your LiveVerify password was changed"


def test_a_new_staff_member_choosing_a_first_password_gets_no_change_notice(
    supervisor_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post(reverse("accounts:staff_create"), {**STAFF, "role": "agent"})
    client = Client()
    set_password_page = client.get(path_in(mail.outbox[0], "/accounts/password/reset/"), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            set_password_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )

    assert [m.subject for m in mail.outbox if "password was changed" in m.subject] == []
