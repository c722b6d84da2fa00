"""Work the embedded default does inside the web process, started and stopped with it.

In production Celery beat runs the periodic sweeps and `manage.py media_host` relays media;
with eager Celery and no Redis, the one web process runs both itself.
"""

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.conf import settings

from interviews.media_host import start_media_host

logger = logging.getLogger(__name__)


async def _run_periodically(task_name: str, seconds: float) -> None:
    from config.celery import app

    task = app.tasks[task_name]
    while True:
        await asyncio.sleep(seconds)
        try:
            await sync_to_async(task.apply, thread_sensitive=False)()
        except Exception:  # keep the loop alive; the next run tries again
            logger.exception("Periodic task %s failed", task_name)


class Lifespan:
    """Answers the ASGI lifespan protocol and runs in-process periodic work when Celery is eager."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task] = []

    async def __call__(self, scope: dict, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if settings.CELERY_TASK_ALWAYS_EAGER:
                    for entry in settings.CELERY_BEAT_SCHEDULE.values():
                        self.tasks.append(asyncio.create_task(_run_periodically(entry["task"], entry["schedule"])))
                if settings.MEDIA_HOST_IN_PROCESS:
                    self.tasks.append(asyncio.create_task(start_media_host()))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self.tasks:
                    task.cancel()
                # Let them finish: the media host withdraws from the registry and closes its peers.
                await asyncio.gather(*self.tasks, return_exceptions=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
