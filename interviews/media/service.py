"""The media host as a service on the channel layer: it takes offers and commands on its own
channel, answers on the sender's, and tells each session's group how peers are doing."""

import asyncio
import logging

from interviews.media.host import MediaError, MediaHost
from interviews.media.messages import (
    MediaAdmit,
    MediaAnswer,
    MediaClose,
    MediaEcho,
    MediaEchoClose,
    MediaFailure,
    MediaLeave,
    MediaMonitor,
    MediaMonitorClose,
    MediaOffer,
    MediaPeerState,
    host_message,
)
from interviews.media.registry import LocalRegistry

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0


def session_group(session_id: int) -> str:
    return f"interview-{session_id}"


async def _handle(host: MediaHost, layer, raw: dict) -> None:
    try:
        message = host_message.validate_python(raw)
        match message:
            case MediaOffer():
                sdp = await host.answer(
                    session_id=message.session, role=message.role, sdp=message.sdp, admitted=message.admitted
                )
                await layer.send(message.reply_to, MediaAnswer(sdp=sdp).model_dump())
            case MediaEcho():
                sdp = await host.echo(echo_id=message.echo, sdp=message.sdp)
                await layer.send(message.reply_to, MediaAnswer(sdp=sdp).model_dump())
            case MediaMonitor():
                sdp = await host.monitor(session_id=message.session, monitor_id=message.monitor, sdp=message.sdp)
                await layer.send(message.reply_to, MediaAnswer(sdp=sdp).model_dump())
            case MediaAdmit():
                host.admit(session_id=message.session)
            case MediaLeave():
                await host.leave(session_id=message.session, role=message.role)
            case MediaClose():
                await host.close(session_id=message.session)
            case MediaEchoClose():
                await host.echo_close(echo_id=message.echo)
            case MediaMonitorClose():
                await host.monitor_close(monitor_id=message.monitor)
    except (MediaError, KeyError, ValueError) as error:
        # The class only: an offer's text (addresses, keys) never goes to the log. A message
        # that is not one of the host's (pydantic's ValidationError) is a ValueError too.
        logger.warning("Media host could not handle %r: %s", raw.get("type"), type(error).__name__)
        if isinstance(raw.get("reply_to"), str):
            await layer.send(raw["reply_to"], MediaFailure(message="negotiation failed").model_dump())


async def serve(*, layer, registry: LocalRegistry, ice_servers: list[dict], ready: asyncio.Event | None = None) -> None:
    """Run one media host until cancelled, announcing its load every few seconds."""

    async def on_state(session_id: int, role: str, state: str) -> None:
        await layer.group_send(session_group(session_id), MediaPeerState(role=role, state=state).model_dump())

    host = MediaHost(ice_servers=ice_servers, on_state=on_state)
    channel = await layer.new_channel("media-host")
    await registry.announce(channel, host.load)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await registry.announce(channel, host.load)

    beats = asyncio.create_task(heartbeat())
    handlers: set[asyncio.Task] = set()
    logger.info("Media host listening on %s", channel)
    if ready is not None:
        ready.set()
    try:
        while True:
            message = await layer.receive(channel)
            task = asyncio.create_task(_handle(host, layer, message))
            handlers.add(task)
            task.add_done_callback(handlers.discard)
    finally:
        beats.cancel()
        await registry.withdraw(channel)
        await host.shutdown()
