"""Text messages for one-time codes. The backend is a setting, like Django's mail backends."""

import sys

from django.conf import settings
from django.utils.module_loading import import_string


class ConsoleBackend:
    """Prints each message to standard output (the embedded default and development)."""

    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


class LocmemBackend:
    """Keeps messages in `outbox`, for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def sms_send(*, phone: str, text: str) -> None:
    """Send one text message through the configured backend."""
    import_string(settings.SMS_BACKEND)().send(phone, text)
