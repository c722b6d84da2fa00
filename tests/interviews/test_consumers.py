"""The interview WebSocket through the real ASGI stack (origin check, session auth) and the real channel layer."""

import asyncio
import contextlib
import functools
import hashlib
import hmac
import json
import operator
import re
from base64 import b64encode
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from channels import DEFAULT_CHANNEL_LAYER
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core import mail
from django.db import models
from django.test import Client
from pydantic import TypeAdapter

import config.lifespan
from audit.models import AuditRecord
from config.asgi import application
from interviews import events, services
from interviews.media import registry
from interviews.media.service import serve
from interviews.models import InterviewSession, SessionEvent
from operations import events as operations_events
from tests.conftest import staff_client
from tests.factories import AgentFactory, BookingFactory
from verification import services as verification_services

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = b"http://127.0.0.1"
TIMEOUT = 5.0
# Frozen at the real time (to the second), so sessions made by the test clients stay valid.
NOW = datetime.now(UTC).replace(microsecond=0)
STARTS = NOW + timedelta(minutes=10)  # the waiting room opened five minutes ago


@dataclass
class Interview:
    session: InterviewSession
    path: str
    taxpayer: Client
    agent: Client


@pytest.fixture(autouse=True)
def _frozen(request):
    if "media_host_running" in request.fixturenames:  # real peers need real time
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _no_media_host_left():
    """No media host from an earlier test or run: a registry left behind points at a dead channel."""
    registry._local.hosts.clear()
    registry._local.pins.clear()
    if settings.REDIS_URL:
        import redis

        connection = redis.Redis.from_url(settings.REDIS_URL)
        connection.delete(registry.HOSTS_KEY, registry.PINS_KEY)
        connection.close()


@pytest.fixture
def interview(_frozen, taxpayer, agent) -> Interview:
    booking = BookingFactory(taxpayer=taxpayer, agent=agent, starts_at=STARTS)
    session = services.session_for_booking(booking=booking)
    taxpayer_client = Client()
    taxpayer_client.force_login(taxpayer)
    return Interview(
        session=session,
        path=f"/ws/interviews/{session.pk}/",
        taxpayer=taxpayer_client,
        agent=staff_client(agent),
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _browser_bound() -> TypeAdapter:
    """Every model of a message the server sends to browsers (a type without a dot: the dotted
    ones are channel-layer events). Two models may share a type (a monitor's state is shorter)."""
    models = [
        model
        for module in (events, operations_events)
        for model in vars(module).values()
        if isinstance(model, type)
        and issubclass(model, events.Message)
        and "type" in model.model_fields
        and "." not in model.model_fields["type"].default
    ]
    return TypeAdapter(functools.reduce(operator.or_, models))


TO_BROWSER = _browser_bound()


class Browser(WebsocketCommunicator):
    """A browser's end of a socket. Each message it receives must be exactly one of the server's
    models, so every message a consumer test sees proves that its type and fields have one."""

    # The signature is WebsocketCommunicator's, which this overrides.
    async def receive_json_from(self, timeout: float = 1) -> dict:  # noqa: ASYNC109
        message = await super().receive_json_from(timeout)
        TO_BROWSER.validate_python(message)
        return message


@contextlib.asynccontextmanager
async def socket(path: str, client: Client | None, *, origin: bytes = ORIGIN) -> AsyncIterator[tuple]:
    """A WebSocket to the application as this client's browser; always disconnected at the end."""
    headers = [(b"origin", origin)]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    communicator = Browser(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=TIMEOUT)
    try:
        yield communicator, connected, code
    finally:
        if not communicator.future.done():
            await communicator.disconnect(timeout=TIMEOUT)
        elif not communicator.future.cancelled():  # the communicator cancels the application after a timeout
            communicator.future.result()  # raises what the application failed with, if it did


@contextlib.asynccontextmanager
async def joined(path: str, client: Client) -> AsyncIterator[tuple[WebsocketCommunicator, dict]]:
    async with socket(path, client) as (communicator, connected, code):
        assert (connected, code) == (True, None)
        hello = await communicator.receive_json_from(timeout=TIMEOUT)
        assert hello["type"] == "hello"
        yield communicator, hello


@contextlib.asynccontextmanager
async def both_joined(interview: Interview) -> AsyncIterator[tuple[WebsocketCommunicator, WebsocketCommunicator]]:
    """The taxpayer in the waiting room, then the agent, who the taxpayer is told has arrived."""
    async with (
        joined(interview.path, interview.taxpayer) as (taxpayer, _hello),
        joined(interview.path, interview.agent) as (agent, _hello),
    ):
        assert await taxpayer.receive_json_from(timeout=TIMEOUT) == state(
            "waiting", waited=0, taxpayer=True, agent=True
        )
        yield taxpayer, agent


async def assert_pong_is_next(communicator: WebsocketCommunicator) -> None:
    """A ping/pong barrier: the socket is open, and nothing the consumer sent before answering the ping
    is still unread (a wait for "nothing arrives" passes falsely whenever the machine is slower than it)."""
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}


def error_code(message: dict) -> str:
    assert message["type"] == "error"
    assert set(message) == {"type", "code", "message"}
    assert isinstance(message["message"], str) and message["message"]
    return message["code"]


@database_sync_to_async
def reload(session: InterviewSession) -> InterviewSession:
    return InterviewSession.objects.get(pk=session.pk)


@database_sync_to_async
def recorded_events(session: InterviewSession) -> list[tuple]:
    return list(SessionEvent.objects.filter(session=session).values_list("from_state", "to_state"))


def state(name: str, *, waited: int | None, taxpayer: bool, agent: bool) -> dict:
    return {
        "type": "state",
        "state": name,
        "waited_seconds": waited,
        "taxpayer_connected": taxpayer,
        "agent_connected": agent,
    }


# Who may connect


async def test_unauthenticated_connection_is_refused(interview):
    async with socket(interview.path, None) as (_communicator, connected, code):
        assert (connected, code) == (False, 4401)


async def test_another_taxpayer_is_refused(interview, other_taxpayer):
    client = await database_sync_to_async(logged_in)(other_taxpayer)

    async with socket(interview.path, client) as (_communicator, connected, code):
        assert (connected, code) == (False, 4403)


async def test_another_agent_is_refused(interview):
    client = await database_sync_to_async(lambda: staff_client(AgentFactory()))()

    async with socket(interview.path, client) as (_communicator, connected, code):
        assert (connected, code) == (False, 4403)


async def test_supervisor_is_refused(interview, supervisor):
    client = await database_sync_to_async(staff_client)(supervisor)

    async with socket(interview.path, client) as (_communicator, connected, code):
        assert (connected, code) == (False, 4403)


async def test_assigned_agent_without_the_second_factor_is_refused(interview, agent):
    client = await database_sync_to_async(logged_in)(agent)

    async with socket(interview.path, client) as (_communicator, connected, code):
        assert (connected, code) == (False, 4403)
    assert (await reload(interview.session)).agent_connected is False


async def test_connection_from_another_origin_is_refused(interview):
    async with socket(interview.path, interview.taxpayer, origin=b"https://evil.example") as (_c, connected, code):
        assert (connected, code) == (False, 1000)

    session = await reload(interview.session)
    assert (session.state, session.taxpayer_connected) == ("scheduled", False)


async def test_taxpayer_before_the_join_window_is_told_it_is_not_open_and_closed(interview, taxpayer):
    await database_sync_to_async(
        lambda: (
            type(interview.session.booking)
            .objects.filter(pk=interview.session.booking_id)
            .update(starts_at=NOW + timedelta(minutes=16), ends_at=NOW + timedelta(minutes=36))
        )
    )()

    async with socket(interview.path, interview.taxpayer) as (communicator, connected, _code):
        assert connected is True
        assert error_code(await communicator.receive_json_from(timeout=TIMEOUT)) == "not_open"
        assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4409}

    session = await reload(interview.session)
    assert (session.state, session.taxpayer_connected) == ("scheduled", False)


# What each side is told on arrival


async def test_hello_tells_the_taxpayer_their_role_state_and_no_ice_servers_by_default(interview, settings):
    settings.STUN_URLS, settings.TURN_URLS = [], []

    async with joined(interview.path, interview.taxpayer) as (communicator, hello):
        assert hello == {
            "type": "hello",
            "role": "taxpayer",
            "state": "waiting",
            "waited_seconds": 0,
            "taxpayer_connected": True,
            "agent_connected": False,
            "ice_servers": [],
        }
        await assert_pong_is_next(communicator)


async def test_hello_gives_the_agent_their_own_turn_credentials(interview, agent, settings):
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    settings.TURN_SECRET = "s3cret"
    settings.TURN_CREDENTIAL_SECONDS = 3600
    username = f"{int(NOW.timestamp()) + 3600}:{agent.pk}"
    credential = b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()

    async with joined(interview.path, interview.agent) as (_communicator, hello):
        assert hello == {
            "type": "hello",
            "role": "agent",
            "state": "scheduled",
            "waited_seconds": None,
            "taxpayer_connected": False,
            "agent_connected": True,
            "ice_servers": [
                {"urls": ["stun:stun.example.org:3478"]},
                {"urls": ["turn:turn.example.org:3478"], "username": username, "credential": credential},
            ],
        }


# Bad input is answered, and the socket stays open


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param({"text_data": "{not json"}, "bad_json", id="bad-json"),
        pytest.param({"bytes_data": b'{"type": "ping"}'}, "bad_message", id="binary"),
        pytest.param({"text_data": "[1, 2]"}, "bad_message", id="not-an-object"),
        pytest.param({"text_data": '{"type": 5}'}, "bad_message", id="type-not-a-string"),
        pytest.param({"text_data": '{"type": "launch"}'}, "unknown_type", id="unknown-type"),
        pytest.param({"text_data": '{"type": "chat"}'}, "bad_message", id="missing-field"),
        pytest.param({"text_data": '{"type": "chat", "text": 5}'}, "bad_message", id="field-of-wrong-type"),
        pytest.param({"text_data": '{"type": "ping", "extra": 1}'}, "bad_message", id="extra-field"),
        pytest.param(
            {"text_data": json.dumps({"type": "chat", "text": "x" * events.MAX_MESSAGE_BYTES})},
            "too_large",
            id="oversized",
        ),
        pytest.param({"text_data": '{"type": "offer", "sdp": "hello"}'}, "bad_sdp", id="bad-sdp"),
        pytest.param({"text_data": '{"type": "offer", "sdp": ""}'}, "bad_sdp", id="empty-sdp"),
        pytest.param(
            {"text_data": json.dumps({"type": "offer", "sdp": "v=0\r\n" + "a" * events.MAX_SDP_CHARS})},
            "bad_sdp",
            id="sdp-too-long",
        ),
        pytest.param(
            {"text_data": json.dumps({"type": "chat", "text": "x" * (events.MAX_CHAT_CHARS + 1)})},
            "bad_chat",
            id="chat-too-long",
        ),
        pytest.param({"text_data": '{"type": "chat", "text": "   "}'}, "bad_chat", id="blank-chat"),
    ],
)
async def test_bad_message_is_answered_with_an_error_and_the_socket_stays_open(interview, frame, code):
    async with joined(interview.path, interview.taxpayer) as (communicator, _hello):
        await communicator.send_to(**frame)

        assert error_code(await communicator.receive_json_from(timeout=TIMEOUT)) == code
        await assert_pong_is_next(communicator)


async def test_deeply_nested_json_is_answered_with_an_error_and_the_socket_stays_open(interview):
    async with joined(interview.path, interview.taxpayer) as (communicator, _hello):
        await communicator.send_to(text_data="[" * 5000 + "]" * 5000)

        assert error_code(await communicator.receive_json_from(timeout=TIMEOUT)) == "bad_json"
        await assert_pong_is_next(communicator)


@pytest.mark.parametrize("command", ["admit", "end"])
async def test_taxpayer_giving_an_agent_command_is_forbidden(interview, command):
    async with joined(interview.path, interview.taxpayer) as (communicator, _hello):
        await communicator.send_json_to({"type": command})

        assert error_code(await communicator.receive_json_from(timeout=TIMEOUT)) == "forbidden"
        await assert_pong_is_next(communicator)

    assert (await reload(interview.session)).state == "waiting"
    assert await recorded_events(interview.session) == [("scheduled", "waiting")]


async def test_agent_admitting_before_the_taxpayer_waits_is_told_not_waiting(interview):
    async with joined(interview.path, interview.agent) as (communicator, _hello):
        await communicator.send_json_to({"type": "admit"})

        assert error_code(await communicator.receive_json_from(timeout=TIMEOUT)) == "not_waiting"
        await assert_pong_is_next(communicator)

    assert (await reload(interview.session)).state == "scheduled"
    assert await recorded_events(interview.session) == []


async def test_agent_ending_a_call_that_is_not_live_is_refused(interview):
    async with both_joined(interview) as (_taxpayer, agent):
        await agent.send_json_to({"type": "end"})

        assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "state"
        await assert_pong_is_next(agent)

    assert (await reload(interview.session)).state == "waiting"


# The session, seen from both sides


async def test_agent_sees_the_taxpayer_arrive_then_the_call_go_live_on_admit(interview):
    async with joined(interview.path, interview.agent) as (agent, agent_hello):
        assert (agent_hello["state"], agent_hello["waited_seconds"]) == ("scheduled", None)

        async with joined(interview.path, interview.taxpayer) as (taxpayer, taxpayer_hello):
            assert taxpayer_hello["state"] == "waiting"
            assert await agent.receive_json_from(timeout=TIMEOUT) == state(
                "waiting", waited=0, taxpayer=True, agent=True
            )

            await agent.send_json_to({"type": "admit"})

            # No media host runs in this test, so the agent is also told the video service is away.
            assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
            live = state("live", waited=None, taxpayer=True, agent=True)
            assert await agent.receive_json_from(timeout=TIMEOUT) == live
            assert await taxpayer.receive_json_from(timeout=TIMEOUT) == live
            await assert_pong_is_next(agent)
            await assert_pong_is_next(taxpayer)

    assert await recorded_events(interview.session) == [("scheduled", "waiting"), ("waiting", "live")]


async def test_a_taxpayer_leaving_on_purpose_is_told_to_the_agent_as_left_not_dropped(interview):
    async with both_joined(interview) as (taxpayer, agent):
        await agent.send_json_to({"type": "admit"})
        assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
        assert (await agent.receive_json_from(timeout=TIMEOUT))["state"] == "live"
        assert (await taxpayer.receive_json_from(timeout=TIMEOUT))["state"] == "live"

        await taxpayer.send_json_to({"type": "leave"})

        assert await agent.receive_json_from(timeout=TIMEOUT) == {"type": "left", "role": "taxpayer"}
        # No media host runs in this test, so the one who left is told the video service is away; the
        # "left" is not echoed to them.
        assert error_code(await taxpayer.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
        await assert_pong_is_next(taxpayer)


async def test_agent_ending_the_call_completes_it_for_both(interview):
    async with both_joined(interview) as (taxpayer, agent):
        await agent.send_json_to({"type": "admit"})
        assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
        assert (await agent.receive_json_from(timeout=TIMEOUT))["state"] == "live"
        assert (await taxpayer.receive_json_from(timeout=TIMEOUT))["state"] == "live"

        await agent.send_json_to({"type": "end"})

        assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
        completed = state("completed", waited=None, taxpayer=True, agent=True)
        assert await agent.receive_json_from(timeout=TIMEOUT) == completed
        assert await taxpayer.receive_json_from(timeout=TIMEOUT) == completed

    session = await reload(interview.session)
    assert session.state == "completed"
    assert await database_sync_to_async(lambda: type(session.booking).objects.get(pk=session.booking_id).status)() == (
        "completed"
    )


async def test_agent_is_told_when_the_taxpayer_disconnects(interview):
    async with both_joined(interview) as (taxpayer, agent):
        await assert_pong_is_next(agent)

        await taxpayer.disconnect(timeout=TIMEOUT)

        assert await agent.receive_json_from(timeout=TIMEOUT) == state("waiting", waited=0, taxpayer=False, agent=True)

    session = await reload(interview.session)
    assert (session.taxpayer_connected, session.taxpayer_disconnected_at) == (False, NOW)


async def test_taxpayer_whose_old_socket_closes_after_reconnecting_stays_in_the_call(interview):
    async with (
        joined(interview.path, interview.agent) as (agent, _hello),
        joined(interview.path, interview.taxpayer) as (old, _hello),
    ):
        assert (await agent.receive_json_from(timeout=TIMEOUT))["state"] == "waiting"
        await agent.send_json_to({"type": "admit"})
        assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
        assert (await agent.receive_json_from(timeout=TIMEOUT))["state"] == "live"

        async with joined(interview.path, interview.taxpayer) as (_new, _hello):
            await old.disconnect(timeout=TIMEOUT)
            later = NOW + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1)
            await database_sync_to_async(services.sessions_sweep)(now=later)

            session = await reload(interview.session)
            assert (session.state, session.taxpayer_connected) == ("live", True)


async def test_chat_reaches_the_other_side_only_and_is_not_stored(interview):
    secret = "My SSN is 078-05-1120 zebra-kettle"
    async with both_joined(interview) as (taxpayer, agent):
        events_before = await recorded_events(interview.session)

        await taxpayer.send_json_to({"type": "chat", "text": f"  {secret}  "})
        assert await agent.receive_json_from(timeout=TIMEOUT) == {
            "type": "chat",
            "sender": "taxpayer",
            "text": secret,
        }
        await assert_pong_is_next(taxpayer)

        await agent.send_json_to({"type": "chat", "text": "Thanks, got it"})
        assert await taxpayer.receive_json_from(timeout=TIMEOUT) == {
            "type": "chat",
            "sender": "agent",
            "text": "Thanks, got it",
        }
        await assert_pong_is_next(agent)

    @database_sync_to_async
    def stored_text() -> list[str]:
        text_fields = [
            field.name
            for field in InterviewSession._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        ]
        values = [str(value) for row in SessionEvent.objects.values_list() for value in row]
        values += [str(value) for row in AuditRecord.objects.values_list() for value in row]
        values += [str(value) for row in InterviewSession.objects.values_list(*text_fields) for value in row]
        return values

    stored = await stored_text()
    assert stored
    assert [value for value in stored if "078-05-1120" in value or "zebra-kettle" in value] == []
    assert await recorded_events(interview.session) == events_before


# With a media host


class Peer:
    """An aiortc peer standing in for a browser with a camera and microphone."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection()
        self.pc.addTrack(AudioStreamTrack())
        self.pc.addTrack(VideoStreamTrack())
        self.video: asyncio.Queue = asyncio.Queue()

        @self.pc.on("track")
        def on_track(track) -> None:
            if track.kind == "video":
                asyncio.ensure_future(self._pump(track))

    async def _pump(self, track) -> None:
        while True:
            try:
                await self.video.put(await track.recv())
            except Exception:
                return

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def negotiate(self, communicator: WebsocketCommunicator) -> None:
        """Send an offer through the socket and take the answer, skipping peer-state news on the way."""
        await communicator.send_json_to({"type": "offer", "sdp": await self.offer()})
        while (message := await communicator.receive_json_from(timeout=TIMEOUT * 2))["type"] != "answer":
            assert message["type"] in ("peer", "state"), message
        assert set(message) == {"type", "sdp"}
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))

    # The timeout is the window measured: frames short of `count` when it closes are the answer, not an error.
    async def video_frames(self, count: int, timeout: float) -> int:  # noqa: ASYNC109
        got = 0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while got < count:
                    await self.video.get()
                    got += 1
        return got


REDIS = bool(settings.REDIS_URL)
# As the web process runs it (MEDIA_HOST_IN_PROCESS), through config.lifespan.
EMBEDDED = pytest.param("embedded")
# As `manage.py media_host` runs it: a process of its own, so a channel layer instance of its own.
SEPARATE = pytest.param(
    "separate", marks=pytest.mark.skipif(not REDIS, reason="a media host in another process needs Redis")
)
WORKING_HOST = "separate" if REDIS else "embedded"


@contextlib.asynccontextmanager
async def media_host(kind: str) -> AsyncIterator[None]:
    """A media host running in this test's event loop until the block ends."""
    ready = asyncio.Event()
    layer = None
    if kind == "embedded":
        task = asyncio.create_task(config.lifespan.start_media_host(ready))
    else:
        layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        task = asyncio.create_task(
            serve(layer=layer, registry=registry.registry_for(settings.REDIS_URL), ice_servers=[], ready=ready)
        )
    try:
        async with asyncio.timeout(TIMEOUT):
            await ready.wait()
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if layer is not None:
            await layer.close_pools()


@pytest.fixture
def media_host_running() -> None:
    """Marks a test that runs real peers (and so real time); the test starts the host in its own loop."""


@pytest.mark.parametrize("kind", [EMBEDDED, SEPARATE])
async def test_offer_through_the_socket_is_answered_by_the_media_host(interview, media_host_running, kind):
    peer = Peer()
    try:
        async with (
            media_host(kind),
            joined(interview.path, interview.taxpayer) as (taxpayer, _hello),
            joined(interview.path, interview.agent) as (_agent, _hello),
        ):
            arrival = await taxpayer.receive_json_from(timeout=TIMEOUT)
            assert (arrival["type"], arrival["state"], arrival["agent_connected"]) == ("state", "waiting", True)

            await taxpayer.send_json_to({"type": "offer", "sdp": await peer.offer()})

            answer = await taxpayer.receive_json_from(timeout=TIMEOUT * 2)
            assert answer["type"] == "answer"
            assert set(answer) == {"type", "sdp"}
            assert answer["sdp"].startswith("v=0")
            await peer.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
            assert peer.pc.signalingState == "stable"
            assert [t.kind for t in peer.pc.getTransceivers() if t.currentDirection == "sendrecv"] == [
                "audio",
                "video",
            ]
    finally:
        await peer.pc.close()


@pytest.mark.parametrize("kind", [EMBEDDED, SEPARATE])
async def test_agent_sees_the_taxpayer_once_admitted_through_the_media_host(interview, media_host_running, kind):
    taxpayer_peer, agent_peer = Peer(), Peer()
    try:
        async with (
            media_host(kind),
            joined(interview.path, interview.taxpayer) as (taxpayer, _hello),
            joined(interview.path, interview.agent) as (agent, _hello),
        ):
            await taxpayer_peer.negotiate(taxpayer)
            await agent_peer.negotiate(agent)
            assert await agent_peer.video_frames(1, timeout=2.0) == 0

            await agent.send_json_to({"type": "admit"})

            assert await agent_peer.video_frames(5, timeout=10.0) == 5
            assert await taxpayer_peer.video_frames(5, timeout=10.0) == 5
    finally:
        await taxpayer_peer.pc.close()
        await agent_peer.pc.close()


async def test_call_admitted_while_the_media_host_was_away_relays_once_a_host_is_back(interview, media_host_running):
    taxpayer_peer, agent_peer = Peer(), Peer()
    try:
        async with (
            joined(interview.path, interview.taxpayer) as (taxpayer, _hello),
            joined(interview.path, interview.agent) as (agent, _hello),
        ):
            await agent.send_json_to({"type": "admit"})
            assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
            assert (await reload(interview.session)).state == "live"

            async with media_host(WORKING_HOST):
                await taxpayer_peer.negotiate(taxpayer)
                await agent_peer.negotiate(agent)

                assert await agent_peer.video_frames(5, timeout=5.0) == 5
    finally:
        await taxpayer_peer.pc.close()
        await agent_peer.pc.close()


async def test_challenge_and_code_notice_reach_the_taxpayer_only(interview):
    async with both_joined(interview) as (taxpayer, agent):
        await agent.send_json_to({"type": "admit"})
        assert error_code(await agent.receive_json_from(timeout=TIMEOUT)) == "media_unavailable"
        assert (await agent.receive_json_from(timeout=TIMEOUT))["state"] == "live"
        assert (await taxpayer.receive_json_from(timeout=TIMEOUT))["state"] == "live"

        def issue():
            challenge = verification_services.challenge_issue(
                session_id=interview.session.pk, agent=interview.session.booking.agent
            )
            verification_services.code_send(
                session_id=interview.session.pk, agent=interview.session.booking.agent, channel="email"
            )
            return challenge

        challenge = await database_sync_to_async(issue)()
        shown = await taxpayer.receive_json_from(timeout=TIMEOUT)
        assert shown["type"] == "challenge" and shown["text"]
        if challenge.digits:
            assert " ".join(challenge.digits) in shown["text"]
        code_notice = await taxpayer.receive_json_from(timeout=TIMEOUT)
        assert code_notice["type"] == "code_sent" and "•••@example.org" in code_notice["text"]
        await assert_pong_is_next(agent)

        def confirm():
            code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
            return verification_services.code_check(
                session_id=interview.session.pk, agent=interview.session.booking.agent, code=code
            )

        assert (await database_sync_to_async(confirm)()).confirmed
        assert await taxpayer.receive_json_from(timeout=TIMEOUT) == {"type": "code_sent", "text": ""}


async def test_a_pending_challenge_is_shown_again_after_the_taxpayer_reconnects(interview):
    def live_with_challenge():
        InterviewSession.objects.filter(pk=interview.session.pk).update(state="live", admitted_at=NOW)
        return verification_services.challenge_issue(
            session_id=interview.session.pk, agent=interview.session.booking.agent
        )

    challenge = await database_sync_to_async(live_with_challenge)()
    async with joined(interview.path, interview.taxpayer) as (taxpayer, _hello):
        shown = await taxpayer.receive_json_from(timeout=TIMEOUT)
        assert shown == {
            "type": "challenge",
            "text": verification_services.challenge_text(kind=challenge.kind, digits=challenge.digits),
        }


async def test_a_message_for_a_browser_that_has_gone_is_dropped_without_ending_the_consumer(interview):
    """uvicorn raises ClientDisconnected (an OSError) when sending on a closed socket."""
    from uvicorn.protocols.utils import ClientDisconnected

    from interviews.consumers import InterviewConsumer

    sent = []

    async def closed_socket(message: dict) -> None:
        sent.append(message)
        raise ClientDisconnected

    consumer = InterviewConsumer()
    consumer.base_send, consumer.role = closed_socket, "taxpayer"
    await consumer.send_json({"type": "state"})
    await consumer.interview_chat({"type": "interview.chat", "sender": "agent", "text": "still there?"})
    assert [message["type"] for message in sent] == ["websocket.send", "websocket.send"]
