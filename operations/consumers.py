import asyncio
from zoneinfo import ZoneInfo

from channels.db import database_sync_to_async
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.protocol import CloseCode
from interviews import events as interview_events
from interviews import selectors as interview_selectors
from interviews.consumers import SignalingConsumer
from interviews.media import messages
from interviews.media.service import session_group
from operations import broadcast, events, services
from operations.templatetags.operations_tags import wait_range


class QueueConsumer(SignalingConsumer):
    """A taxpayer's place in the talk-now queue and the estimate, live; closing it starts the grace period."""

    accepts = interview_events.accepting(interview_events.Ping)

    async def connect(self) -> None:
        user = self.scope["user"]
        self.entry_id = None
        if not user.is_authenticated:
            await self.close(code=CloseCode.NOT_SIGNED_IN)
            return
        if not user.is_taxpayer:
            await self.close(code=CloseCode.FORBIDDEN)
            return
        translation.activate(user.preferred_language)
        entry = await database_sync_to_async(services.queue_connect)(taxpayer=user, channel=self.channel_name)
        await self.accept()
        if entry is None:
            await self.send_message(events.Gone())
            await self.close(code=CloseCode.NOT_FOUND)
            return
        self.entry_id, self.group = str(entry.pk), broadcast.queue_group(entry.language)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.queue_update(await database_sync_to_async(broadcast.place_message)(entry=entry))

    async def disconnect(self, code: int) -> None:
        if self.entry_id is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await database_sync_to_async(services.queue_disconnect)(entry_id=int(self.entry_id), channel=self.channel_name)

    async def handle(self, message: interview_events.ClientMessage) -> None:
        await self.send_message(interview_events.Pong())

    async def queue_update(self, event: dict) -> None:
        if self.entry_id in event["taken"]:
            await self.send_message(events.Taken(url=event["interview_url"]))
            return
        place = event["entries"].get(self.entry_id)
        if place is None:
            await self.send_message(events.Gone())
            return
        estimate = (place["low"], place["high"]) if place["low"] is not None else None
        await self.send_message(events.Queue(open=event["open"], **place, estimate_text=wait_range(estimate)))


class StaffPageConsumer(SignalingConsumer):
    """A staff page whose live part is rendered again on the server after every operations change."""

    accepts = interview_events.accepting(interview_events.Ping)
    role = ""

    async def connect(self) -> None:
        user = self.scope["user"]
        self.joined = False
        if not user.is_authenticated:
            await self.close(code=CloseCode.NOT_SIGNED_IN)
            return
        verified = await database_sync_to_async(interview_selectors.staff_is_verified)(
            user=user, session=self.scope["session"]
        )
        if user.role != self.role or not verified:
            await self.close(code=CloseCode.FORBIDDEN)
            return
        await self.channel_layer.group_add(broadcast.STAFF_GROUP, self.channel_name)
        self.joined = True
        await self.accept()
        await self.operations_changed({})

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(broadcast.STAFF_GROUP, self.channel_name)

    async def handle(self, message: interview_events.ClientMessage) -> None:
        await self.send_message(interview_events.Pong())

    async def operations_changed(self, event: dict) -> None:
        await self.send_message(events.Fragment(html=await self.rendered(event.get("stamp"))))

    async def rendered(self, stamp: str | None) -> str:
        return await database_sync_to_async(self.render)()

    def render(self) -> str:
        raise NotImplementedError

    def _in_their_language_and_zone(self, render) -> str:
        user = self.scope["user"]
        with translation.override(user.preferred_language), timezone.override(ZoneInfo(user.time_zone)):
            return render(user)


# The latest dashboard rendered in this process for each language and zone: (stamp, html).
_dashboards: dict[tuple[str, str], tuple[str, asyncio.Future]] = {}


class DashboardConsumer(StaffPageConsumer):
    """The supervisors' dashboard. It shows nobody's own data, so each change is rendered once per
    language and time zone in a process, however many supervisors watch."""

    role = "supervisor"

    async def rendered(self, stamp: str | None) -> str:
        user = self.scope["user"]
        key = (user.preferred_language, user.time_zone)
        cached = _dashboards.get(key)
        if stamp is not None and cached is not None and cached[0] == stamp:
            return await asyncio.shield(cached[1])
        future = asyncio.get_running_loop().create_future()
        if stamp is not None:
            _dashboards[key] = (stamp, future)
        try:
            html = await database_sync_to_async(self.render)()
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved: the waiting consumers get it, the loop does not warn
            raise
        future.set_result(html)
        return html

    def render(self) -> str:
        from operations.views import dashboard_live_html

        return self._in_their_language_and_zone(dashboard_live_html)


class AgentConsumer(StaffPageConsumer):
    role = "agent"

    def render(self) -> str:
        from operations.views import agent_live_html

        return self._in_their_language_and_zone(agent_live_html)


class MonitorConsumer(SignalingConsumer):
    """A supervisor silently receiving a live call's media: sends nothing, and nobody receives them."""

    accepts = interview_events.accepting(interview_events.Offer, interview_events.Ping)

    async def connect(self) -> None:
        user = self.scope["user"]
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.group = None
        if not user.is_authenticated:
            await self.close(code=CloseCode.NOT_SIGNED_IN)
            return
        translation.activate(user.preferred_language)
        verified = await database_sync_to_async(interview_selectors.staff_is_verified)(
            user=user, session=self.scope["session"]
        )
        if not user.is_supervisor or not verified:
            await self.close(code=CloseCode.FORBIDDEN)
            return
        try:
            await database_sync_to_async(services.session_monitor_start)(supervisor=user, session_id=self.session_id)
        except DomainError as error:
            await self.accept()
            await self.send_error(error.code, error.message)
            await self.close(code=CloseCode.CONFLICT)
            return
        self.group = session_group(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_message(
            interview_events.Hello(ice_servers=interview_selectors.ice_servers_for(user_id=user.pk))
        )

    async def disconnect(self, code: int) -> None:
        if self.group is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        channel = await self.media_host(f"session:{self.session_id}")
        if channel is not None:
            await self.channel_layer.send(channel, messages.MediaMonitorClose(monitor=self.channel_name).model_dump())

    async def handle(self, message: interview_events.ClientMessage) -> None:
        if message.type == "ping":
            await self.send_message(interview_events.Pong())
            return
        channel = await self.media_host(f"session:{self.session_id}")
        if channel is None:
            await self.send_error("media_unavailable", _("The video service is not available. Try again shortly."))
            return
        await self.channel_layer.send(
            channel,
            messages.MediaMonitor(
                session=self.session_id, monitor=self.channel_name, sdp=message.sdp, reply_to=self.channel_name
            ).model_dump(),
        )

    async def interview_state(self, event: dict) -> None:
        await self.send_message(events.MonitorState(state=event["state"]))

    async def interview_chat(self, event: dict) -> None:
        """The chat is the participants' own; a monitor does not see it."""

    async def media_peer_state(self, event: dict) -> None:
        await self.send_message(interview_events.Peer(role=event["role"], state=event["state"]))
