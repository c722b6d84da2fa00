from celery import shared_task

from interviews import services


@shared_task(acks_late=True)
def sweep_sessions() -> dict:
    """The periodic sweep: interrupted calls and abandoned waiting rooms."""
    return services.sessions_sweep()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8, acks_late=True)
def send_outcome_notification(outcome_id: int) -> bool:
    """Mail the taxpayer that an identity proofing took place (sent once, however often this runs)."""
    return services.outcome_notify(outcome_id=outcome_id)


@shared_task(acks_late=True)
def purge_metadata() -> dict:
    """Delete technical call metadata past the retention period."""
    return services.metadata_purge()
