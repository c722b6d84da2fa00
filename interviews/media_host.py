"""Starting a media host with this deployment's settings: the Django side of interviews/media/,
used by `manage.py media_host` and by the embedded default's single web process."""

import asyncio

from django.conf import settings


async def start_media_host(ready: asyncio.Event | None = None) -> None:
    """Run a media host until cancelled.

    The in-memory layer must be the process's own instance (its queues are the messages);
    on Redis the host gets an instance of its own, since channels-redis lets only one
    coroutine at a time wait on a process's channels and the consumers need that.
    """
    from channels.layers import channel_layers, get_channel_layer

    from interviews.media.registry import registry_for
    from interviews.media.service import serve
    from interviews.selectors import ice_servers_for

    await serve(
        layer=channel_layers.make_backend("default") if settings.REDIS_URL else get_channel_layer(),
        registry=registry_for(settings.REDIS_URL),
        ice_servers=ice_servers_for(user_id=0),
        ready=ready,
    )
