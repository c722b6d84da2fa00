from celery import shared_task

from operations import services


@shared_task(acks_late=True)
def sweep_queue() -> dict:
    """The periodic sweep: places past the grace period, finished wrap-ups, readiness asked."""
    return services.queue_sweep()
