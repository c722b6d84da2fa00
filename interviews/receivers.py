"""The interview app's answers to the signals of the apps below it (connected in apps.py)."""

from interviews.models import InterviewSession


def sessions_for_reference(sender, *, reference: str, **kwargs) -> list[tuple[str, str]]:
    """The audit trail's records about an interview include those about its call session."""
    ids = InterviewSession.objects.filter(booking__reference__iexact=reference.strip()).values_list("pk", flat=True)
    return [(InterviewSession._meta.label_lower, str(pk)) for pk in ids]
