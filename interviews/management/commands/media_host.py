import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interviews.media_host import start_media_host


class Command(BaseCommand):
    help = "Run one media host process: relays interview media, never stores it (needs REDIS_URL)."

    def handle(self, *args, **options) -> None:
        if not settings.REDIS_URL:
            raise CommandError("Set REDIS_URL: a separate media host reaches the web processes through Redis.")
        asyncio.run(self._run())

    async def _run(self) -> None:
        ready = asyncio.Event()
        task = asyncio.create_task(start_media_host(ready))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        await ready.wait()
        self.stdout.write("Media host ready.")
        self.stdout.flush()
        try:
            await task
        except asyncio.CancelledError:
            self.stdout.write("Media host stopped.")
