import base64
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AgentLanguage, TaxpayerProfile, User
from accounts.tasks import send_verification_email
from core.errors import DomainError
from tests import factories
from tests.conftest import NOT_OFFERED, totp_code

pytestmark = pytest.mark.django_db


def signup(**overrides) -> User:
    data = {
        "email": "new.person@example.org",
        "password": "a long and unusual passphrase",
        "full_name": "Ana María Pérez",
        "preferred_language": "en",
        "time_zone": "America/Chicago",
    }
    data.update(overrides)
    return services.taxpayer_signup(**data)


def wrong_code(device: TOTPDevice) -> str:
    """Six digits the device does not accept now (nor one step either side)."""
    accepted = {totp_code(device, offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def link_in(message: mail.EmailMessage) -> str:
    """The one absolute link in a mail body."""
    (url,) = re.findall(r"https?://\S+", message.body)
    return url


def verification_token_in(message: mail.EmailMessage) -> str:
    return re.fullmatch(rf"{re.escape(settings.SITE_URL)}/accounts/verify/([^/]+)/", link_in(message)).group(1)


def password_link_user_and_token(message: mail.EmailMessage) -> tuple[User, str]:
    match = re.fullmatch(rf"{re.escape(settings.SITE_URL)}/accounts/password/reset/([^/]+)/([^/]+)/", link_in(message))
    user = User.objects.get(pk=force_str(urlsafe_base64_decode(match.group(1))))
    return user, match.group(2)


# taxpayer_signup


def test_taxpayer_signup_creates_inactive_unverified_taxpayer_with_empty_profile():
    user = signup()

    user.refresh_from_db()
    assert user.email == "new.person@example.org"
    assert user.full_name == "Ana María Pérez"
    assert user.role == User.Role.TAXPAYER
    assert user.is_active is False
    assert user.email_verified_at is None
    assert user.time_zone == "America/Chicago"
    assert user.check_password("a long and unusual passphrase") is True
    profile = TaxpayerProfile.objects.get(user=user)
    assert (profile.phone, profile.needs_captions, profile.audio_only) == ("", False, False)


def test_taxpayer_signup_stores_email_lowercased_and_name_trimmed():
    user = signup(email="  New.Person@Example.ORG ", full_name="  Ana Pérez  ")

    user.refresh_from_db()
    assert user.email == "new.person@example.org"
    assert user.full_name == "Ana Pérez"


def test_taxpayer_signup_mails_the_verification_link_once_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = signup()
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    assert message.subject == "Confirm your email address for LiveVerify"
    assert "Hello Ana," in message.body
    assert services.email_verify(token=verification_token_in(message)) == user


def test_taxpayer_signup_mail_is_written_in_the_preferred_language(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(preferred_language="es")

    assert [message.subject for message in mail.outbox] == ["Confirme su correo electrónico para LiveVerify"]


def test_taxpayer_signup_with_an_email_already_used_creates_nothing_and_tells_its_owner(
    taxpayer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = signup(email=taxpayer.email.upper())

    assert result is None
    assert User.objects.count() == 1
    assert [(message.to, message.subject) for message in mail.outbox] == [
        ([taxpayer.email], "Someone tried to create a LiveVerify account with your email address")
    ]


# email_verify


def test_email_verify_activates_the_account_named_by_the_token(unverified_taxpayer, step_start):
    token = services.email_verification_token(user=unverified_taxpayer)

    with time_machine.travel(step_start, tick=False):
        user = services.email_verify(token=token)

    assert user == unverified_taxpayer
    user.refresh_from_db()
    assert user.is_active is True
    assert user.email_verified_at == step_start


def test_email_verify_accepts_a_token_just_before_it_expires(unverified_taxpayer, step_start):
    with time_machine.travel(step_start, tick=False):
        token = services.email_verification_token(user=unverified_taxpayer)
    with time_machine.travel(step_start + settings.EMAIL_VERIFICATION_MAX_AGE - timedelta(seconds=1), tick=False):
        services.email_verify(token=token)

    unverified_taxpayer.refresh_from_db()
    assert unverified_taxpayer.is_active is True


def test_email_verify_refuses_an_expired_token_with_code_expired(unverified_taxpayer, step_start):
    with time_machine.travel(step_start, tick=False):
        token = services.email_verification_token(user=unverified_taxpayer)
    with (
        time_machine.travel(step_start + settings.EMAIL_VERIFICATION_MAX_AGE + timedelta(seconds=1), tick=False),
        pytest.raises(DomainError) as error,
    ):
        services.email_verify(token=token)

    assert error.value.code == "expired"
    assert error.value.message == "This link has expired. Ask for a new one below."
    unverified_taxpayer.refresh_from_db()
    assert (unverified_taxpayer.is_active, unverified_taxpayer.email_verified_at) == (False, None)


def test_email_verify_refuses_a_tampered_token(unverified_taxpayer):
    token = services.email_verification_token(user=unverified_taxpayer)
    payload, rest = token.split(":", 1)
    tampered = f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}:{rest}"

    with pytest.raises(DomainError) as error:
        services.email_verify(token=tampered)

    assert error.value.code == "invalid"
    unverified_taxpayer.refresh_from_db()
    assert unverified_taxpayer.is_active is False


def test_email_verify_refuses_a_token_signed_for_another_purpose(unverified_taxpayer):
    token = signing.dumps({"uid": unverified_taxpayer.pk, "email": unverified_taxpayer.email})

    with pytest.raises(DomainError) as error:
        services.email_verify(token=token)

    assert error.value.code == "invalid"
    unverified_taxpayer.refresh_from_db()
    assert unverified_taxpayer.is_active is False


def test_email_verify_refuses_a_token_issued_before_the_email_changed(unverified_taxpayer):
    token = services.email_verification_token(user=unverified_taxpayer)
    User.objects.filter(pk=unverified_taxpayer.pk).update(email="changed@example.org")

    with pytest.raises(DomainError) as error:
        services.email_verify(token=token)

    assert error.value.code == "invalid"
    unverified_taxpayer.refresh_from_db()
    assert (unverified_taxpayer.is_active, unverified_taxpayer.email_verified_at) == (False, None)


def test_email_verify_refuses_a_token_for_a_deleted_account(unverified_taxpayer):
    token = services.email_verification_token(user=unverified_taxpayer)
    unverified_taxpayer.delete()

    with pytest.raises(DomainError) as error:
        services.email_verify(token=token)

    assert error.value.code == "invalid"


def test_email_verify_used_twice_keeps_the_first_confirmation_time(unverified_taxpayer, step_start):
    token = services.email_verification_token(user=unverified_taxpayer)
    with time_machine.travel(step_start, tick=False):
        services.email_verify(token=token)
    with time_machine.travel(step_start + timedelta(hours=1), tick=False):
        user = services.email_verify(token=token)

    user.refresh_from_db()
    assert (user.is_active, user.email_verified_at) == (True, step_start)


def test_email_verify_used_again_does_not_reactivate_a_deactivated_account(unverified_taxpayer):
    token = services.email_verification_token(user=unverified_taxpayer)
    services.email_verify(token=token)
    User.objects.filter(pk=unverified_taxpayer.pk).update(is_active=False)

    services.email_verify(token=token)

    unverified_taxpayer.refresh_from_db()
    assert unverified_taxpayer.is_active is False


def test_email_verification_url_is_absolute_and_names_the_token(unverified_taxpayer):
    url = services.email_verification_url(user=unverified_taxpayer)

    token = re.fullmatch(rf"{re.escape(settings.SITE_URL)}/accounts/verify/([^/]+)/", url).group(1)
    assert services.email_verify(token=token) == unverified_taxpayer


# email_verification_resend


def test_email_verification_resend_mails_a_working_link_to_an_unverified_account(
    unverified_taxpayer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_verification_resend(email=f"  {unverified_taxpayer.email.upper()} ")

    assert [message.to for message in mail.outbox] == [[unverified_taxpayer.email]]
    services.email_verify(token=verification_token_in(mail.outbox[0]))
    unverified_taxpayer.refresh_from_db()
    assert unverified_taxpayer.is_active is True


def test_email_verification_resend_sends_nothing_for_an_unknown_address(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.email_verification_resend(email="nobody@example.org")

    assert callbacks == []
    assert mail.outbox == []


def test_email_verification_resend_sends_nothing_for_a_verified_address(taxpayer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.email_verification_resend(email=taxpayer.email)

    assert callbacks == []
    assert mail.outbox == []


def test_verification_mail_is_not_sent_once_the_account_was_confirmed_meanwhile(unverified_taxpayer):
    services.email_verify(token=services.email_verification_token(user=unverified_taxpayer))

    send_verification_email(unverified_taxpayer.pk)

    assert mail.outbox == []


# profile_update


def test_profile_update_saves_name_language_time_zone_and_needs(taxpayer):
    services.profile_update(
        user=taxpayer,
        fields={"full_name": "Jo Doe", "preferred_language": "es", "time_zone": "Pacific/Honolulu"},
        profile_fields={"phone": "+12025550143", "needs_captions": True, "other_needs": "Large text"},
    )

    taxpayer.refresh_from_db()
    assert (taxpayer.full_name, taxpayer.preferred_language, taxpayer.time_zone) == ("Jo Doe", "es", "Pacific/Honolulu")
    profile = TaxpayerProfile.objects.get(user=taxpayer)
    assert (profile.phone, profile.needs_captions, profile.other_needs) == ("+12025550143", True, "Large text")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", User.Role.SUPERVISOR),
        ("email", "someone.else@example.org"),
        ("is_staff", True),
        ("is_superuser", True),
        ("is_active", False),
        ("email_verified_at", None),
    ],
)
def test_profile_update_refuses_fields_outside_name_language_and_time_zone(taxpayer, field, value):
    before = User.objects.values().get(pk=taxpayer.pk)

    with pytest.raises(DomainError) as error:
        services.profile_update(user=taxpayer, fields={"full_name": "Changed Name", field: value})

    assert error.value.message == "That field cannot be changed here."
    assert User.objects.values().get(pk=taxpayer.pk) == before


def test_profile_update_with_an_invalid_phone_saves_nothing(taxpayer):
    original_name = taxpayer.full_name

    with pytest.raises(ValidationError) as error:
        services.profile_update(
            user=taxpayer, fields={"full_name": "Changed Name"}, profile_fields={"phone": "555-0143"}
        )

    assert list(error.value.message_dict) == ["phone"]
    assert User.objects.get(pk=taxpayer.pk).full_name == original_name
    assert TaxpayerProfile.objects.get(user=taxpayer).phone == ""


def test_profile_update_creates_a_missing_taxpayer_profile(db):
    user = factories.UserFactory(role=User.Role.TAXPAYER)

    services.profile_update(user=user, fields={}, profile_fields={"audio_only": True})

    assert TaxpayerProfile.objects.get(user=user).audio_only is True


def test_profile_update_refuses_a_time_zone_that_is_not_offered(taxpayer):
    with pytest.raises(DomainError):
        services.profile_update(user=taxpayer, fields={"time_zone": "Mars/Olympus"})

    taxpayer.refresh_from_db()
    assert taxpayer.time_zone == "America/New_York"


# language_set


def test_language_set_remembers_an_offered_language(taxpayer):
    services.language_set(user=taxpayer, language="es")

    taxpayer.refresh_from_db()
    assert taxpayer.preferred_language == "es"


@pytest.mark.parametrize("language", [NOT_OFFERED, "xx", ""])
def test_language_set_refuses_a_language_that_is_not_offered(taxpayer, language):
    with pytest.raises(DomainError):
        services.language_set(user=taxpayer, language=language)

    taxpayer.refresh_from_db()
    assert taxpayer.preferred_language == "en"


# staff_create


def create_staff(created_by: User, **overrides) -> User:
    data = {
        "email": "New.Agent@Agency.example",
        "full_name": " Sam Rivera ",
        "role": User.Role.AGENT,
        "languages": ["es", "en"],
        "time_zone": "America/Denver",
    }
    data.update(overrides)
    return services.staff_create(created_by=created_by, **data)


def test_staff_create_makes_an_active_verified_agent_without_a_usable_password(supervisor, step_start):
    with time_machine.travel(step_start, tick=False):
        user = create_staff(supervisor)

    user.refresh_from_db()
    assert user.email == "new.agent@agency.example"
    assert user.full_name == "Sam Rivera"
    assert user.role == User.Role.AGENT
    assert user.is_active is True
    assert user.email_verified_at == step_start
    assert user.has_usable_password() is False
    assert user.time_zone == "America/Denver"
    assert user.preferred_language == "es"
    assert sorted(AgentLanguage.objects.filter(agent=user).values_list("language", flat=True)) == ["en", "es"]
    assert TOTPDevice.objects.filter(user=user).count() == 0


def test_staff_create_can_make_a_supervisor(supervisor):
    user = create_staff(supervisor, role=User.Role.SUPERVISOR)

    assert User.objects.get(pk=user.pk).role == User.Role.SUPERVISOR


def test_staff_create_mails_an_invitation_with_a_password_link(supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = create_staff(supervisor, languages=["en"])

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.agent@agency.example"]
    assert message.subject == "Your LiveVerify staff account"
    assert "A LiveVerify account was created for you as: Agent." in message.body
    linked_user, token = password_link_user_and_token(message)
    assert linked_user == user
    assert default_token_generator.check_token(user, token) is True


@pytest.mark.parametrize("creator", ["agent", "taxpayer"])
def test_staff_create_is_refused_to_anyone_but_a_supervisor(request, creator, django_capture_on_commit_callbacks):
    created_by = request.getfixturevalue(creator)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as error:
        create_staff(created_by)

    assert error.value.message == "Only supervisors can create staff accounts."
    assert not User.objects.filter(email="new.agent@agency.example").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("role", [User.Role.TAXPAYER, "admin", ""])
def test_staff_create_refuses_roles_other_than_agent_and_supervisor(supervisor, role):
    with pytest.raises(DomainError) as error:
        create_staff(supervisor, role=role)

    assert error.value.message == "Staff accounts are for agents and supervisors."
    assert not User.objects.filter(email="new.agent@agency.example").exists()


def test_staff_create_requires_at_least_one_language(supervisor):
    with pytest.raises(DomainError) as error:
        create_staff(supervisor, languages=[])

    assert error.value.message == "Choose at least one language."
    assert not User.objects.filter(email="new.agent@agency.example").exists()


@pytest.mark.parametrize("languages", [[NOT_OFFERED], ["en", "xx"]])
def test_staff_create_refuses_languages_that_are_not_offered(supervisor, languages):
    with pytest.raises(DomainError) as error:
        create_staff(supervisor, languages=languages)

    assert error.value.message == "Choose languages from the list."
    assert not User.objects.filter(email="new.agent@agency.example").exists()


def test_staff_create_refuses_a_time_zone_that_is_not_offered(supervisor):
    with pytest.raises(DomainError):
        create_staff(supervisor, time_zone="Mars/Olympus")

    assert not User.objects.filter(email="new.agent@agency.example").exists()


def test_staff_create_refuses_an_email_already_used_in_another_case(supervisor, taxpayer):
    with pytest.raises(DomainError) as error:
        create_staff(supervisor, email=taxpayer.email.upper())

    assert error.value.message == "An account with this email address already exists."
    assert User.objects.filter(email__iexact=taxpayer.email).count() == 1


def test_password_set_url_carries_a_valid_token_for_the_user(agent):
    url = services.password_set_url(user=agent)

    uid, token = re.fullmatch(rf"{re.escape(settings.SITE_URL)}/accounts/password/reset/([^/]+)/([^/]+)/", url).groups()
    assert force_str(urlsafe_base64_decode(uid)) == str(agent.pk)
    assert default_token_generator.check_token(agent, token) is True


# staff_update


def test_staff_update_changes_name_time_zone_and_replaces_languages(supervisor, agent):
    services.staff_update(
        updated_by=supervisor, user=agent, full_name="  Renamed Agent ", languages=["es"], time_zone="UTC"
    )

    agent.refresh_from_db()
    assert (agent.full_name, agent.time_zone) == ("Renamed Agent", "UTC")
    assert list(AgentLanguage.objects.filter(agent=agent).values_list("language", flat=True)) == ["es"]


def test_staff_update_refuses_languages_that_are_not_offered(supervisor, agent):
    name = agent.full_name

    with pytest.raises(DomainError) as error:
        services.staff_update(
            updated_by=supervisor, user=agent, full_name="X", languages=[NOT_OFFERED], time_zone="UTC"
        )

    assert error.value.message == "Choose languages from the list."
    agent.refresh_from_db()
    assert agent.full_name == name
    assert list(AgentLanguage.objects.filter(agent=agent).values_list("language", flat=True)) == ["en"]


def test_staff_update_refuses_a_time_zone_that_is_not_offered(supervisor, agent):
    with pytest.raises(DomainError):
        services.staff_update(
            updated_by=supervisor, user=agent, full_name="X", languages=["en"], time_zone="Mars/Olympus"
        )

    agent.refresh_from_db()
    assert agent.time_zone == "America/New_York"


def test_staff_update_is_refused_to_an_agent(agent):
    other = factories.AgentFactory(full_name="Kept Name")

    with pytest.raises(DomainError) as error:
        services.staff_update(updated_by=agent, user=other, full_name="Changed", languages=["es"], time_zone="UTC")

    assert error.value.message == "Only supervisors can change staff accounts."
    other.refresh_from_db()
    assert other.full_name == "Kept Name"
    assert list(AgentLanguage.objects.filter(agent=other).values_list("language", flat=True)) == ["en"]


def test_staff_update_refuses_a_taxpayer_target(supervisor, taxpayer):
    name = taxpayer.full_name

    with pytest.raises(DomainError):
        services.staff_update(updated_by=supervisor, user=taxpayer, full_name="X", languages=["en"], time_zone="UTC")

    taxpayer.refresh_from_db()
    assert taxpayer.full_name == name
    assert not AgentLanguage.objects.filter(agent=taxpayer).exists()


def test_staff_update_requires_at_least_one_language(supervisor, agent):
    name = agent.full_name

    with pytest.raises(DomainError) as error:
        services.staff_update(updated_by=supervisor, user=agent, full_name="X", languages=[], time_zone="UTC")

    assert error.value.message == "Choose at least one language."
    agent.refresh_from_db()
    assert agent.full_name == name
    assert list(AgentLanguage.objects.filter(agent=agent).values_list("language", flat=True)) == ["en"]


# two_factor_reset


def test_two_factor_reset_removes_every_device_of_the_staff_member(supervisor, agent):
    factories.TOTPDeviceFactory(user=agent)
    factories.TOTPDeviceFactory(user=agent, confirmed=False)
    kept = factories.TOTPDeviceFactory(user=supervisor)

    deleted = services.two_factor_reset(reset_by=supervisor, user=agent)

    assert deleted == 2
    assert list(TOTPDevice.objects.all()) == [kept]


def test_two_factor_reset_works_on_another_supervisor(supervisor):
    other = factories.SupervisorFactory()
    factories.TOTPDeviceFactory(user=other)

    assert services.two_factor_reset(reset_by=supervisor, user=other) == 1
    assert not TOTPDevice.objects.filter(user=other).exists()


@pytest.mark.parametrize("resetter", ["agent", "taxpayer"])
def test_two_factor_reset_is_refused_to_anyone_but_a_supervisor(request, resetter):
    target = factories.AgentFactory()
    device = factories.TOTPDeviceFactory(user=target)

    with pytest.raises(DomainError) as error:
        services.two_factor_reset(reset_by=request.getfixturevalue(resetter), user=target)

    assert error.value.message == "Only supervisors can reset a second factor."
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_two_factor_reset_refuses_a_taxpayer_target(supervisor, taxpayer):
    device = factories.TOTPDeviceFactory(user=taxpayer)

    with pytest.raises(DomainError) as error:
        services.two_factor_reset(reset_by=supervisor, user=taxpayer)

    assert error.value.message == "Only staff accounts have a second factor."
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# totp_verify


def test_totp_verify_accepts_the_current_code(agent_device, step_start):
    with time_machine.travel(step_start, tick=False):
        services.totp_verify(device=agent_device, code=totp_code(agent_device))

    agent_device.refresh_from_db()
    assert agent_device.throttling_failure_count == 0
    assert agent_device.last_used_at == step_start


def test_totp_verify_accepts_the_code_of_the_previous_step(agent_device, step_start):
    with time_machine.travel(step_start, tick=False):
        services.totp_verify(device=agent_device, code=totp_code(agent_device, offset=-1))


def test_totp_verify_refuses_a_code_two_steps_old(agent_device, step_start):
    with time_machine.travel(step_start, tick=False), pytest.raises(DomainError) as error:
        services.totp_verify(device=agent_device, code=totp_code(agent_device, offset=-2))

    assert error.value.code == "invalid"


def test_totp_verify_refuses_the_same_code_used_twice(agent_device, step_start):
    with time_machine.travel(step_start, tick=False):
        code = totp_code(agent_device)
        services.totp_verify(device=agent_device, code=code)

        with pytest.raises(DomainError) as error:
            services.totp_verify(device=agent_device, code=code)

    assert error.value.code == "invalid"
    assert error.value.message == (
        "That code is not right, or it was already used. Enter the newest code from your authenticator app."
    )


def test_totp_verify_refuses_a_wrong_code_and_counts_the_failure(agent_device, step_start):
    with time_machine.travel(step_start, tick=False), pytest.raises(DomainError) as error:
        services.totp_verify(device=agent_device, code=wrong_code(agent_device))

    assert error.value.code == "invalid"
    agent_device.refresh_from_db()
    assert agent_device.throttling_failure_count == 1


def test_totp_verify_throttles_the_device_after_several_wrong_codes_even_for_the_right_code(agent_device, step_start):
    with time_machine.travel(step_start, tick=False) as traveller:
        # With OTP_TOTP_THROTTLE_FACTOR = 1 the n-th wrong code asks for a pause of 2**(n-1) seconds.
        for pause in (1, 2, 0):
            with pytest.raises(DomainError) as error:
                services.totp_verify(device=agent_device, code=wrong_code(agent_device))
            assert error.value.code == "invalid"
            traveller.shift(timedelta(seconds=pause))

        with pytest.raises(DomainError) as error:
            services.totp_verify(device=agent_device, code=totp_code(agent_device))

    assert error.value.code == "throttled"
    assert error.value.message == "Too many wrong codes. Wait 4 seconds, then enter the newest code from your app."
    agent_device.refresh_from_db()
    assert agent_device.throttling_failure_count == 3


def test_totp_verify_accepts_the_right_code_once_the_throttle_pause_is_over(agent_device, step_start):
    with time_machine.travel(step_start, tick=False) as traveller:
        with pytest.raises(DomainError):
            services.totp_verify(device=agent_device, code=wrong_code(agent_device))
        with pytest.raises(DomainError) as error:
            services.totp_verify(device=agent_device, code=totp_code(agent_device))
        assert error.value.code == "throttled"
        traveller.shift(timedelta(seconds=1))

        services.totp_verify(device=agent_device, code=totp_code(agent_device))

    agent_device.refresh_from_db()
    assert agent_device.throttling_failure_count == 0


# totp_device_pending, totp_secret_for_display, totp_device_confirm


def test_totp_device_pending_creates_one_unconfirmed_device_and_reuses_it(agent):
    first = services.totp_device_pending(user=agent)
    second = services.totp_device_pending(user=agent)

    assert first == second
    assert first.confirmed is False
    assert list(TOTPDevice.objects.filter(user=agent)) == [first]


def test_totp_secret_for_display_is_the_base32_key_in_groups_of_four(agent_device):
    secret = services.totp_secret_for_display(device=agent_device)

    groups = secret.split(" ")
    assert all(len(group) == 4 for group in groups[:-1])
    assert 1 <= len(groups[-1]) <= 4
    assert base64.b32decode("".join(groups) + "=" * (-len("".join(groups)) % 8)) == agent_device.bin_key


def test_totp_device_confirm_confirms_the_device_and_drops_other_pending_ones(agent, step_start):
    device = services.totp_device_pending(user=agent)
    stale = TOTPDevice.objects.create(user=agent, name="Old phone", confirmed=False)
    someone_elses = TOTPDevice.objects.create(user=factories.AgentFactory(), name="Theirs", confirmed=False)

    with time_machine.travel(step_start, tick=False):
        services.totp_device_confirm(device=device, code=totp_code(device))

    device.refresh_from_db()
    assert device.confirmed is True
    assert not TOTPDevice.objects.filter(pk=stale.pk).exists()
    assert TOTPDevice.objects.filter(pk=someone_elses.pk).exists()


def test_totp_device_confirm_with_a_wrong_code_leaves_it_pending_and_keeps_the_failure_count(agent, step_start):
    device = services.totp_device_pending(user=agent)

    with time_machine.travel(step_start, tick=False), pytest.raises(DomainError):
        services.totp_device_confirm(device=device, code=wrong_code(device))

    device.refresh_from_db()
    assert device.confirmed is False
    assert device.throttling_failure_count == 1


# login_identifier, agent_languages_set


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ({"email": "  Someone@Example.ORG "}, "someone@example.org"),
        ({"username": "Other@Example.org"}, "other@example.org"),
        ({}, ""),
    ],
)
def test_login_identifier_is_the_case_folded_email(rf, credentials, expected):
    assert services.login_identifier(rf.get("/"), credentials) == expected


def test_login_identifier_falls_back_to_the_posted_email(rf):
    request = rf.post("/", {"email": "Posted@Example.org"})

    assert services.login_identifier(request, None) == "posted@example.org"


def test_agent_languages_set_replaces_the_languages(agent):
    services.agent_languages_set(user=agent, languages=["es"])

    assert list(AgentLanguage.objects.filter(agent=agent).values_list("language", flat=True)) == ["es"]


def test_agent_languages_set_refuses_unknown_languages_and_keeps_the_old_ones(agent):
    with pytest.raises(DomainError):
        services.agent_languages_set(user=agent, languages=["es", "xx"])

    assert list(AgentLanguage.objects.filter(agent=agent).values_list("language", flat=True)) == ["en"]


@pytest.mark.parametrize(
    ("fields", "profile_fields"),
    [
        ({"full_name": "Someone Else"}, {}),
        ({}, {"date_of_birth": date(1970, 1, 1)}),
        ({}, {"street_address": "9 Other Rd"}),
    ],
)
def test_a_verified_taxpayers_name_and_identity_details_cannot_change(taxpayer, fields, profile_fields):
    factories.VerifiedOutcomeFactory(taxpayer=taxpayer)
    profile = taxpayer.taxpayer_profile

    with pytest.raises(DomainError, match="checked in your interview"):
        services.profile_update(
            user=taxpayer, fields=fields | {"preferred_language": "es"}, profile_fields=profile_fields
        )

    taxpayer.refresh_from_db()
    assert (taxpayer.preferred_language, taxpayer.full_name) != ("es", "Someone Else")
    assert TaxpayerProfile.objects.get(pk=profile.pk).street_address == profile.street_address


def test_a_verified_taxpayer_still_changes_language_and_contact_details(taxpayer):
    factories.VerifiedOutcomeFactory(taxpayer=taxpayer)

    services.profile_update(
        user=taxpayer,
        fields={"full_name": taxpayer.full_name, "preferred_language": "es"},
        profile_fields={"phone": "+12025550143", "city": taxpayer.taxpayer_profile.city},
    )

    taxpayer.refresh_from_db()
    assert taxpayer.preferred_language == "es"
    assert taxpayer.taxpayer_profile.phone == "+12025550143"


def test_staff_changes_go_in_the_audit_trail(supervisor, django_capture_on_commit_callbacks):
    from audit.models import AuditRecord

    with django_capture_on_commit_callbacks(execute=True):
        agent = create_staff(supervisor)
    services.staff_update(updated_by=supervisor, user=agent, full_name="Sam R.", languages=["en"], time_zone="UTC")
    factories.TOTPDeviceFactory(user=agent)
    services.two_factor_reset(reset_by=supervisor, user=agent)

    records = AuditRecord.objects.filter(object_id=str(agent.pk)).order_by("pk")
    assert [(r.action, r.actor_id) for r in records] == [
        ("staff.create", supervisor.pk),
        ("staff.update", supervisor.pk),
        ("staff.two_factor_reset", supervisor.pk),
    ]
    assert records[1].details["name_changed"] is True and records[2].details == {"devices": 1}
