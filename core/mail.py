"""Mail from templates, written in the reader's language and time zone."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation


def mail_message(*, to: str, template: str, context: dict, language: str, time_zone: str | None = None) -> EmailMessage:
    """An email rendered from `emails/<template>_subject.txt` and `emails/<template>.txt`.

    The templates see `site_url` and the given context, in the reader's language and, when
    given, their time zone; the caller sends it (often after the commit) and may attach files.
    """
    zone = ZoneInfo(time_zone) if time_zone else timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        context = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}.txt", context)
    return EmailMessage(subject, body, to=[to])


def site_url(path: str) -> str:
    """The absolute address of a path on this site, for links in mails and messages."""
    return f"{settings.SITE_URL}{path}"


def zone_name(person) -> str:
    """The name of a person's time zone (a user's `time_zone` choice) in their own language."""
    with translation.override(person.preferred_language):
        return person.get_time_zone_display()
