import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from pydantic import TypeAdapter

from core.errors import DomainError
from core.protocol import CloseCode
from interviews import events, selectors, services
from interviews.media import messages
from interviews.media.registry import registry_for
from interviews.media.service import session_group

AGENT_ONLY = {"admit", "end"}


class SignalingConsumer(AsyncJsonWebsocketConsumer):
    """Common ground: size and schema checks that answer bad input without closing the socket."""

    # The messages this socket takes from a browser (events.accepting); any other type is unknown.
    accepts: TypeAdapter

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if bytes_data is not None or text_data is None:
            await self.send_error("bad_message", _("Send JSON text, not binary data."))
            return
        if len(text_data.encode()) > events.MAX_MESSAGE_BYTES:
            await self.send_error("too_large", _("The message is too large."))
            return
        try:
            message = events.parse(text_data, self.accepts)
        except events.InvalidMessage as error:
            await self.send_error(error.code, error.message)
            return
        await self.handle(message)

    async def handle(self, message: events.ClientMessage) -> None:
        raise NotImplementedError

    async def send_json(self, content: dict, close: bool = False) -> None:
        """Drop a message for a browser that has just gone. The server raises (uvicorn's
        ClientDisconnected, an OSError) on a closed socket; uncaught, it would end the consumer
        before the disconnect that follows runs, leaving the participant marked as connected."""
        with contextlib.suppress(OSError):
            await super().send_json(content, close=close)

    async def send_message(self, message: events.Message) -> None:
        await self.send_json(message.model_dump())

    async def send_error(self, code: str, message: str) -> None:
        await self.send_message(events.Error(code=code, message=message))

    async def media_host(self, key: str | None) -> str | None:
        registry = registry_for(settings.REDIS_URL)
        return await (registry.pin(key) if key else registry.pick())

    async def media_answer(self, event: dict) -> None:
        await self.send_message(events.Answer(sdp=event["sdp"]))

    async def media_error(self, event: dict) -> None:
        await self.send_error("media_failed", _("The connection could not be set up. Try again."))


class InterviewConsumer(SignalingConsumer):
    """One participant's signaling, session events and chat for one interview."""

    accepts = events.accepting(events.Offer, events.Chat, events.Admit, events.End, events.Leave, events.Ping)

    async def connect(self) -> None:
        user = self.scope["user"]
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.role = None
        if not user.is_authenticated:
            await self.close(code=CloseCode.NOT_SIGNED_IN)
            return
        # Messages to this person (errors, and services' refusals) come in their language.
        translation.activate(user.preferred_language)
        session, role = await database_sync_to_async(selectors.session_role_for)(user=user, session_id=self.session_id)
        verified = await database_sync_to_async(selectors.staff_is_verified)(user=user, session=self.scope["session"])
        if session is None or not verified:
            await self.close(code=CloseCode.FORBIDDEN)
            return
        previous_channel = await database_sync_to_async(selectors.newest_channel)(session_id=session.pk, role=role)
        try:
            session = await database_sync_to_async(services.session_connect)(
                session_id=session.pk, role=role, user=user, channel=self.channel_name
            )
        except DomainError as error:
            await self.accept()
            await self.send_error(error.code, error.message)
            await self.close(code=CloseCode.CONFLICT)
            return
        self.role = role
        self.group = session_group(session.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if previous_channel and previous_channel != self.channel_name:
            # One window per participant: the older one steps aside.
            await self.channel_layer.send(previous_channel, events.InterviewReplaced().model_dump())
        await self.send_message(
            events.InterviewHello(
                role=role,
                state=session.state,
                waited_seconds=selectors.waited_seconds(session),
                taxpayer_connected=session.taxpayer_connected,
                agent_connected=session.agent_connected,
                ice_servers=selectors.ice_servers_for(user_id=user.pk),
            )
        )
        # What was on this person's screen before a reload (a challenge) is shown again.
        for event in await database_sync_to_async(selectors.replay_events)(session_id=session.pk, role=role):
            await self.dispatch(event)

    async def disconnect(self, code: int) -> None:
        if self.role is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        session = await database_sync_to_async(services.session_disconnect)(
            session_id=self.session_id, role=self.role, channel=self.channel_name
        )
        if not getattr(session, f"{self.role}_connected"):
            # Their newest connection is gone: free the peer on the media host now.
            await self._to_media(messages.MediaLeave(session=self.session_id, role=self.role))

    async def handle(self, message: events.ClientMessage) -> None:
        kind = message.type
        if kind in AGENT_ONLY and self.role != "agent":
            await self.send_error("forbidden", _("Only the agent can do that."))
            return
        if kind != "ping" and not await self._still_allowed():
            await self.send_error("forbidden", _("You are no longer part of this interview."))
            await self.close(code=CloseCode.FORBIDDEN)
            return
        if kind == "ping":
            await self.send_message(events.Pong())
        elif kind == "chat":
            # Relayed to the other participant, never stored or logged.
            await self.channel_layer.group_send(
                self.group, events.InterviewChat(sender=self.role, text=message.text).model_dump()
            )
        elif kind == "offer":
            # The offer says whether the call is live, so a host that was away (or replaced) relays at once.
            admitted = await database_sync_to_async(selectors.session_is_admitted)(session_id=self.session_id)
            await self._to_media(
                messages.MediaOffer(
                    session=self.session_id,
                    role=self.role,
                    sdp=message.sdp,
                    admitted=admitted,
                    reply_to=self.channel_name,
                )
            )
        elif kind == "leave":
            await self._to_media(messages.MediaLeave(session=self.session_id, role=self.role))
            await self.channel_layer.group_send(self.group, events.InterviewLeft(role=self.role).model_dump())
        else:
            await self._command(kind)

    async def _still_allowed(self) -> bool:
        """Checked again before each action: the booking may have moved to another agent."""
        _session, role = await database_sync_to_async(selectors.session_role_for)(
            user=self.scope["user"], session_id=self.session_id
        )
        return role == self.role

    async def _command(self, kind: str) -> None:
        action = services.session_admit if kind == "admit" else services.session_end
        try:
            await database_sync_to_async(action)(session_id=self.session_id, agent=self.scope["user"])
        except DomainError as error:
            await self.send_error(error.code, error.message)
            return
        if kind == "admit":
            await self._to_media(messages.MediaAdmit(session=self.session_id))
        else:
            await self._to_media(messages.MediaClose(session=self.session_id))

    async def _to_media(self, message: messages.Message) -> None:
        channel = await self.media_host(f"session:{self.session_id}")
        if channel is None:
            await self.send_error("media_unavailable", _("The video service is not available. Try again shortly."))
            return
        await self.channel_layer.send(channel, message.model_dump())

    async def interview_state(self, event: dict) -> None:
        await self.send_message(events.State.model_validate(event | {"type": "state"}))

    async def interview_chat(self, event: dict) -> None:
        if event["sender"] != self.role:
            await self.send_message(events.ChatFrom(sender=event["sender"], text=event["text"]))

    async def interview_left(self, event: dict) -> None:
        """The other participant chose to leave (rather than lost their connection)."""
        if event["role"] != self.role:
            await self.send_message(events.Left(role=event["role"]))

    async def interview_replaced(self, event: dict) -> None:
        await self.send_error("replaced", _("This interview is open in another window, so it was closed here."))
        await self.close(code=CloseCode.CONFLICT)

    async def interview_challenge(self, event: dict) -> None:
        """A live challenge for the taxpayer to do on camera ("" kind: it is over)."""
        if self.role == "taxpayer":
            await self.send_message(events.Challenge(text=event["text"]))

    async def interview_code_sent(self, event: dict) -> None:
        """A code was sent to the taxpayer ("" sent_to: it was confirmed, so the notice goes)."""
        if self.role == "taxpayer":
            text = ""
            if event["sent_to"]:
                text = _("We sent a code to %(contact)s. Read it aloud to your agent.") % {"contact": event["sent_to"]}
            await self.send_message(events.CodeSent(text=text))

    async def interview_outcome(self, event: dict) -> None:
        if self.role == "taxpayer":
            await self.send_message(events.Outcome(result=event["result"]))

    async def media_peer_state(self, event: dict) -> None:
        await self.send_message(events.Peer(role=event["role"], state=event["state"]))


class DeviceCheckConsumer(SignalingConsumer):
    """The device check: an echo of the person's own camera and microphone through the media host."""

    accepts = events.accepting(events.Offer, events.Ping)

    async def connect(self) -> None:
        user = self.scope["user"]
        self.host_channel = None
        if not user.is_authenticated:
            await self.close(code=CloseCode.NOT_SIGNED_IN)
            return
        translation.activate(user.preferred_language)
        verified = await database_sync_to_async(selectors.staff_is_verified)(user=user, session=self.scope["session"])
        if not verified:
            await self.close(code=CloseCode.FORBIDDEN)
            return
        await self.accept()
        await self.send_message(events.Hello(ice_servers=selectors.ice_servers_for(user_id=user.pk)))

    async def disconnect(self, code: int) -> None:
        if self.host_channel is not None:
            await self.channel_layer.send(
                self.host_channel, messages.MediaEchoClose(echo=self.channel_name).model_dump()
            )

    async def handle(self, message: events.ClientMessage) -> None:
        if message.type == "ping":
            await self.send_message(events.Pong())
            return
        self.host_channel = self.host_channel or await self.media_host(None)
        if self.host_channel is None:
            await self.send_error("media_unavailable", _("The video service is not available. Try again shortly."))
            return
        await self.channel_layer.send(
            self.host_channel,
            messages.MediaEcho(echo=self.channel_name, sdp=message.sdp, reply_to=self.channel_name).model_dump(),
        )
