from celery import shared_task

from interviews import services


@shared_task(acks_late=True)
def sweep_sessions() -> dict:
    """The periodic sweep: interrupted calls and abandoned waiting rooms."""
    return services.sessions_sweep()


@shared_task(acks_late=True)
def purge_metadata() -> dict:
    """Delete technical call metadata past the retention period."""
    return services.metadata_purge()
