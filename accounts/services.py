import base64
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import signals
from accounts.models import TIME_ZONE_CHOICES, AgentLanguage, TaxpayerProfile, User
from accounts.selectors import identity_verification_for
from audit.services import audit_append
from core.errors import DomainError

VERIFICATION_SALT = "accounts.email-verification"
RESEND_INTERVAL_SECONDS = 120


def login_identifier(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The account a login attempt names, for throttling: the email, case-folded."""
    source = credentials or (request.POST if request is not None else {})
    return (source.get("email") or source.get("username") or "").strip().lower()


def email_verification_token(*, user: User) -> str:
    """A signed, expiring token that activates exactly this account at this address."""
    return signing.dumps({"uid": user.pk, "email": user.email}, salt=VERIFICATION_SALT)


def email_verification_url(*, user: User) -> str:
    """The absolute link sent in the verification mail."""
    path = reverse("accounts:verify_email", args=[email_verification_token(user=user)])
    return f"{settings.SITE_URL}{path}"


def password_set_url(*, user: User) -> str:
    """An absolute single-use link to choose a password (reset, or a new staff account)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.SITE_URL}{reverse('accounts:password_reset_confirm', args=[uid, token])}"


@transaction.atomic
def taxpayer_signup(
    *, email: str, password: str, full_name: str, preferred_language: str, time_zone: str
) -> User | None:
    """Create an inactive taxpayer account and mail the link that activates it.

    For an address that already has an account nothing is created and the owner gets a
    mail saying someone tried to sign up with it; None is returned.
    """
    from accounts.tasks import send_account_exists_notice, send_verification_email

    email = email.strip().lower()
    _check_time_zone(time_zone)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Say nothing on the page (that would tell anyone which addresses have accounts);
        # tell the owner of the address instead.
        transaction.on_commit(lambda: send_account_exists_notice.delay(existing.pk))
        return None
    user = User.objects.create_user(
        email,
        password,
        full_name=full_name.strip(),
        preferred_language=preferred_language,
        time_zone=time_zone,
        role=User.Role.TAXPAYER,
        is_active=False,
    )
    TaxpayerProfile.objects.create(user=user)
    transaction.on_commit(lambda: send_verification_email.delay(user.pk))
    return user


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Activate the account a verification token names; refuse expired or altered tokens."""
    try:
        data = signing.loads(token, salt=VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError(_("This link has expired. Ask for a new one below."), code="expired") from None
    except signing.BadSignature:
        raise DomainError(_("This link is not valid. Check that you copied all of it, or ask for a new one below."))
    user = User.objects.select_for_update().filter(pk=data.get("uid"), email=data.get("email")).first()
    if user is None:
        raise DomainError(_("This link is not valid. Check that you copied all of it, or ask for a new one below."))
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.is_active = True
        user.save(update_fields=["email_verified_at", "is_active"])
    return user


def email_verification_resend(*, email: str) -> None:
    """Mail a fresh verification link if an unverified account has this address; say nothing either way."""
    from accounts.tasks import send_verification_email

    user = User.objects.filter(email__iexact=email.strip(), email_verified_at__isnull=True).first()
    # One new link per address every few minutes, so the form cannot flood a mailbox.
    if user is not None and cache.add(f"accounts:verify-resend:{user.pk}", 1, RESEND_INTERVAL_SECONDS):
        transaction.on_commit(lambda: send_verification_email.delay(user.pk))


@transaction.atomic
def profile_update(*, user: User, fields: dict[str, Any], profile_fields: dict[str, Any] | None = None) -> User:
    """Save the person's own profile; the role and address are never taken from here."""
    if not set(fields) <= {"full_name", "preferred_language", "time_zone"}:
        raise DomainError(_("That field cannot be changed here."))
    if "time_zone" in fields:
        _check_time_zone(fields["time_zone"])
    _check_identity_unchanged(user=user, fields=fields, profile_fields=profile_fields or {})
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=sorted(fields))
    if profile_fields is not None:
        profile, _created = TaxpayerProfile.objects.get_or_create(user=user)
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
    return user


IDENTITY_FIELDS = {"date_of_birth", "street_address", "city", "state", "postal_code"}


def _check_identity_unchanged(*, user: User, fields: dict[str, Any], profile_fields: dict[str, Any]) -> None:
    """A verified identity stays as the agent checked it: name and identity details are locked."""
    if not user.is_taxpayer or identity_verification_for(user=user) is None:
        return
    profile = TaxpayerProfile.objects.filter(user=user).first()
    changed = "full_name" in fields and fields["full_name"] != user.full_name
    changed |= profile is not None and any(
        getattr(profile, name) != value for name, value in profile_fields.items() if name in IDENTITY_FIELDS
    )
    if changed:
        raise DomainError(
            _("Your name and identity details were checked in your interview and cannot be changed here.")
        )


def language_set(*, user: User, language: str) -> None:
    """Remember the language a signed-in person chose in the header."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("That language is not offered."))
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


@transaction.atomic
def staff_create(
    *, created_by: User, email: str, full_name: str, role: str, languages: list[str], time_zone: str
) -> User:
    """Create an agent or supervisor account and mail them a link to choose a password."""
    from accounts.tasks import send_staff_invitation

    if not created_by.is_supervisor:
        raise DomainError(_("Only supervisors can create staff accounts."))
    if role not in (User.Role.AGENT, User.Role.SUPERVISOR):
        raise DomainError(_("Staff accounts are for agents and supervisors."))
    _check_languages(languages)
    _check_time_zone(time_zone)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(_("An account with this email address already exists."))
    user = User.objects.create_user(
        email,
        None,
        full_name=full_name.strip(),
        role=role,
        time_zone=time_zone,
        preferred_language=languages[0],
        email_verified_at=timezone.now(),
    )
    agent_languages_set(user=user, languages=languages)
    _audit(actor=created_by, action="staff.create", user=user, details={"role": role, "languages": sorted(languages)})
    transaction.on_commit(lambda: send_staff_invitation.delay(user.pk))
    return user


@transaction.atomic
def staff_update(*, updated_by: User, user: User, full_name: str, languages: list[str], time_zone: str) -> User:
    """Change a staff member's name, languages and time zone."""
    if not updated_by.is_supervisor or not user.needs_two_factor:
        raise DomainError(_("Only supervisors can change staff accounts."))
    _check_languages(languages)
    _check_time_zone(time_zone)
    changes = {"name_changed": user.full_name != full_name.strip(), "time_zone": time_zone}
    user.full_name = full_name.strip()
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "time_zone"])
    agent_languages_set(user=user, languages=languages)
    _audit(actor=updated_by, action="staff.update", user=user, details=changes | {"languages": sorted(languages)})
    return user


@transaction.atomic
def staff_active_set(*, updated_by: User, user: User, active: bool, now=None) -> User:
    """Deactivate a staff account (they can no longer log in; their open pages stop working) or
    reactivate it. An agent with interviews still booked must have them given to others first."""
    if not updated_by.is_supervisor or not user.needs_two_factor:
        raise DomainError(_("Only supervisors can change staff accounts."))
    if user.pk == updated_by.pk:
        raise DomainError(_("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    # Scheduling refuses while interviews are still booked with an agent; operations sets them offline.
    signals.staff_active_changing.send(
        sender=User, user=user, active=active, actor=updated_by, now=now or timezone.now()
    )
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(actor=updated_by, action="staff.activate" if active else "staff.deactivate", user=user, details={})
    return user


def _audit(*, actor: User, action: str, user: User, details: dict) -> None:
    """Staff changes go in the tamper-evident audit trail with interview changes."""
    audit_append(actor=actor, action=action, obj=user, details=details)


def _check_time_zone(time_zone: str) -> None:
    if time_zone not in dict(TIME_ZONE_CHOICES):
        raise DomainError(_("Choose a time zone from the list."))


def _check_languages(languages: list[str]) -> None:
    if not languages:
        raise DomainError(_("Choose at least one language."))
    if not set(languages) <= set(dict(settings.LANGUAGES)):
        raise DomainError(_("Choose languages from the list."))


def agent_languages_set(*, user: User, languages: list[str]) -> None:
    """Replace the languages a staff member holds interviews in."""
    _check_languages(languages)
    wanted = set(languages)
    AgentLanguage.objects.filter(agent=user).exclude(language__in=wanted).delete()
    for language in sorted(wanted):
        AgentLanguage.objects.get_or_create(agent=user, language=language)


@transaction.atomic
def two_factor_reset(*, reset_by: User, user: User) -> int:
    """Remove a staff member's authenticator so they enrol a new one at their next login."""
    if not reset_by.is_supervisor:
        raise DomainError(_("Only supervisors can reset a second factor."))
    if not user.needs_two_factor:
        raise DomainError(_("Only staff accounts have a second factor."))
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    _audit(actor=reset_by, action="staff.two_factor_reset", user=user, details={"devices": deleted})
    return deleted


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator a staff member is enrolling, created on first need."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def totp_secret_for_display(*, device: TOTPDevice) -> str:
    """The device key in the base32 form authenticator apps accept, grouped for reading."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_verify(*, device: TOTPDevice, code: str) -> None:
    """Check a code against a device, refusing wrong, replayed and too-frequent attempts."""
    allowed, detail = device.verify_is_allowed()
    if not allowed:
        locked_until = (detail or {}).get("locked_until")
        seconds = max(1, int((locked_until - timezone.now()).total_seconds())) if locked_until else 60
        message = ngettext(
            "Too many wrong codes. Wait %(seconds)s second, then enter the newest code from your app.",
            "Too many wrong codes. Wait %(seconds)s seconds, then enter the newest code from your app.",
            seconds,
        )
        raise DomainError(message % {"seconds": seconds}, code="throttled")
    if not device.verify_token(code):
        raise DomainError(
            _("That code is not right, or it was already used. Enter the newest code from your authenticator app.")
        )


def totp_device_confirm(*, device: TOTPDevice, code: str) -> TOTPDevice:
    """Confirm a newly enrolled authenticator with a first correct code.

    Not atomic on purpose: a wrong code's throttle count must stay saved.
    """
    totp_verify(device=device, code=code)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).exclude(pk=device.pk).delete()
    return device
