"""The languages LiveVerify speaks: settings.LANGUAGES, read when needed rather than copied."""

from django.conf import settings


def language_choices() -> list[tuple[str, str]]:
    """Every configured language as (code, name), for `choices=` on model and form fields.

    Passed as the callable itself, so a migration records a reference to this function rather
    than today's list, and adding a language to settings needs no migration.
    """
    return list(settings.LANGUAGES)
