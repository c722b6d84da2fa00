from celery import shared_task

from scheduling import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8, acks_late=True)
def send_booking_notification(booking_id: int, kind: str, sequence: int) -> bool:
    """Mail the taxpayer about a change to their booking (sent once, however often this runs)."""
    return services.notification_send(booking_id=booking_id, kind=kind, sequence=sequence)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3, acks_late=True)
def sweep_due() -> dict:
    """The periodic sweep: reminders that are due, then missed interviews."""
    return {"reminders": services.reminders_send_due(), "no_shows": services.no_shows_mark()}
