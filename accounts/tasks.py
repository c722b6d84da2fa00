from celery import shared_task
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from accounts.services import email_verification_url, password_set_url
from core.mail import mail_message


def _send(user: User, template: str, context: dict) -> None:
    mail_message(
        to=user.email, template=template, context={"user": user, **context}, language=user.preferred_language
    ).send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_verification_email(user_id: int) -> None:
    """Mail the link that activates a new taxpayer account."""
    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is not None:
        _send(user, "verify_email", {"verify_url": email_verification_url(user=user)})


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_staff_invitation(user_id: int) -> None:
    """Mail a new agent or supervisor the link to choose a password."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        _send(user, "staff_invitation", {"password_url": password_set_url(user=user)})


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_exists_notice(user_id: int) -> None:
    """Tell the owner of an address that someone tried to sign up with it."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        login_url = f"{settings.SITE_URL}{reverse('accounts:login')}"
        reset_url = f"{settings.SITE_URL}{reverse('accounts:password_reset')}"
        _send(user, "account_exists", {"login_url": login_url, "reset_url": reset_url})


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_changed_notice(user_id: int) -> None:
    """Tell the owner their password was changed or reset, in case it was not them."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        reset_url = f"{settings.SITE_URL}{reverse('accounts:password_reset')}"
        _send(user, "password_changed", {"reset_url": reset_url})
