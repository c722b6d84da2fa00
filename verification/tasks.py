from celery import shared_task

from verification import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8, acks_late=True)
def send_outcome_notification(outcome_id: int) -> bool:
    """Mail the taxpayer that an identity proofing took place (sent once, however often this runs)."""
    return services.outcome_notify(outcome_id=outcome_id)
