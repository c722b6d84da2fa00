"""The messages of every WebSocket and of the channel layer: what browsers send is parsed by one
union of models per socket and refused with a structured error, what the server sends is built
through models (test_consumers' `Browser` checks every message the consumer tests receive), and
every channel-layer event a consumer or the media host handles has a model."""

import inspect
import json
import logging
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from pydantic import BaseModel, ValidationError

from interviews import consumers as interview_consumers
from interviews import events
from interviews import services as interview_services
from interviews.media import messages
from interviews.media.host import MediaHost
from interviews.media.service import _handle
from interviews.models import InterviewSession
from operations import consumers as operations_consumers
from operations import events as operations_events
from tests import factories
from tests.conftest import staff_client
from tests.interviews.test_consumers import TIMEOUT, TO_BROWSER, logged_in, socket

EVERY_CONSUMER = [
    interview_consumers.InterviewConsumer,
    interview_consumers.DeviceCheckConsumer,
    operations_consumers.QueueConsumer,
    operations_consumers.DashboardConsumer,
    operations_consumers.AgentConsumer,
    operations_consumers.MonitorConsumer,
]
EVERY_MODEL = [
    model
    for module in (events, operations_events, messages)
    for model in vars(module).values()
    if isinstance(model, type) and issubclass(model, BaseModel) and "type" in model.model_fields
]


def type_of(model: type[BaseModel]) -> str:
    return typing.get_args(model.model_fields["type"].annotation)[0]


# The channel layer's types are dotted; a browser's are not.
LAYER_TYPES = {type_of(model) for model in EVERY_MODEL if "." in type_of(model)}
ROOT = Path(__file__).resolve().parents[2]
HUGE_SDP = json.dumps({"type": "offer", "sdp": "v=0\r\n" + "a" * events.MAX_SDP_CHARS})


def refusal(text: str, accepts=interview_consumers.InterviewConsumer.accepts) -> tuple[str, str]:
    with pytest.raises(events.InvalidMessage) as refused:
        events.parse(text, accepts)
    return refused.value.code, refused.value.message


# Parsing what browsers send


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("{nope", "bad_json", "The message is not valid JSON."),
        ('{"type": "chat", "text": "\\udc80"}', "bad_json", "The message is not valid JSON."),
        ("[1, 2]", "bad_message", "A message must be a JSON object with a string 'type'."),
        ("null", "bad_message", "A message must be a JSON object with a string 'type'."),
        ("{}", "bad_message", "A message must be a JSON object with a string 'type'."),
        ('{"type": 5}', "bad_message", "A message must be a JSON object with a string 'type'."),
        ('{"type": "launch"}', "unknown_type", "Unknown message type 'launch'."),
        ('{"type": "pong"}', "unknown_type", "Unknown message type 'pong'."),
        ('{"type": "ping", "b": 1, "a": 2}', "bad_message", "Unexpected fields: a, b."),
        ('{"type": "chat", "text": 5, "x": 1}', "bad_message", "Unexpected fields: x."),
        ('{"type": "chat"}', "bad_message", "Field 'text' is missing or of the wrong type."),
        ('{"type": "offer", "sdp": ["v=0"]}', "bad_message", "Field 'sdp' is missing or of the wrong type."),
        ('{"type": "offer", "sdp": "hello"}', "bad_sdp", "The offer is not a session description."),
        (HUGE_SDP, "bad_sdp", "The offer is not a session description."),
        ('{"type": "chat", "text": " \\u001c\\t "}', "bad_chat", "Chat messages are 1 to 500 characters."),
        (json.dumps({"type": "chat", "text": "x" * 501}), "bad_chat", "Chat messages are 1 to 500 characters."),
    ],
)
def test_a_malformed_message_is_refused_with_its_code_and_a_message(text, code, message):
    assert refusal(text) == (code, message)


def test_the_refusal_is_in_the_persons_language():
    from django.utils import translation

    with translation.override("es"):
        assert refusal('{"type": "offer", "sdp": "hello"}') == ("bad_sdp", "La oferta no es una descripción de sesión.")


def test_a_chat_message_is_read_stripped_at_its_limit():
    message = events.parse(json.dumps({"type": "chat", "text": "  " + "x" * 500 + "\n"}), events.accepting(events.Chat))

    assert message == events.Chat(type="chat", text="x" * 500)


def test_an_offer_is_read_as_sent():
    sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"

    assert events.parse(json.dumps({"type": "offer", "sdp": sdp}), events.accepting(events.Offer)).sdp == sdp


@pytest.mark.parametrize(
    ("consumer", "accepted"),
    [
        (interview_consumers.InterviewConsumer, {"offer", "chat", "admit", "end", "leave", "ping"}),
        (interview_consumers.DeviceCheckConsumer, {"offer", "ping"}),
        (operations_consumers.QueueConsumer, {"ping"}),
        (operations_consumers.DashboardConsumer, {"ping"}),
        (operations_consumers.AgentConsumer, {"ping"}),
        (operations_consumers.MonitorConsumer, {"offer", "ping"}),
    ],
)
def test_each_socket_accepts_its_own_types_and_refuses_every_other_as_unknown(consumer, accepted):
    valid = {
        "offer": {"sdp": "v=0\r\n"},
        "chat": {"text": "hello"},
        "admit": {},
        "end": {},
        "leave": {},
        "ping": {},
    }
    for kind, fields in valid.items():
        text = json.dumps({"type": kind} | fields)
        if kind in accepted:
            assert events.parse(text, consumer.accepts).type == kind
        else:
            assert refusal(text, consumer.accepts)[0] == "unknown_type"
    for kind in ("hello", "error", "media.offer", "interview.chat", ""):
        assert refusal(json.dumps({"type": kind}), consumer.accepts)[0] == "unknown_type"


# What the server builds


@pytest.mark.parametrize("model", EVERY_MODEL, ids=lambda model: model.__name__)
def test_every_message_model_refuses_a_misspelt_field(model):
    with pytest.raises(ValidationError) as refused:
        model.model_validate({"type": type_of(model), "tpye": "x"})

    assert "extra_forbidden" in {error["type"] for error in refused.value.errors()}


def test_a_sender_with_a_misspelt_field_fails_where_it_builds_the_message():
    with pytest.raises(ValidationError):
        events.ChatFrom(sender="agent", txt="hello")
    with pytest.raises(ValidationError):
        events.Peer(role="supervisor", state="connected")


def test_the_browser_union_takes_a_monitors_short_state_and_a_participants_full_one():
    full = {
        "type": "state",
        "state": "live",
        "waited_seconds": None,
        "taxpayer_connected": True,
        "agent_connected": True,
    }

    assert type(TO_BROWSER.validate_python(full)) is events.State
    assert type(TO_BROWSER.validate_python({"type": "state", "state": "live"})) is operations_events.MonitorState
    with pytest.raises(ValidationError):
        TO_BROWSER.validate_python({"type": "state", "state": "live", "waited_seconds": None})
    with pytest.raises(ValidationError):
        TO_BROWSER.validate_python({"type": "launch"})


def test_ice_servers_keep_only_the_credentials_they_have():
    hello = events.Hello(ice_servers=[{"urls": ["stun:a"]}, {"urls": ["turn:b"], "username": "u", "credential": "c"}])

    assert hello.model_dump() == {
        "type": "hello",
        "ice_servers": [{"urls": ["stun:a"]}, {"urls": ["turn:b"], "username": "u", "credential": "c"}],
    }


def test_a_session_state_is_sent_as_its_plain_value():
    state = events.InterviewState(
        state=InterviewSession.State.LIVE, waited_seconds=None, taxpayer_connected=True, agent_connected=False
    )

    assert type(state.model_dump()["state"]) is str


# Channel-layer events


def _handlers(consumer: type) -> set[str]:
    """The channel-layer types a consumer handles: its methods that take one `event`."""
    return {
        name.replace("_", ".", 1)
        for name, method in inspect.getmembers(consumer, inspect.iscoroutinefunction)
        if list(inspect.signature(method).parameters) == ["self", "event"]
    }


@pytest.mark.parametrize("consumer", EVERY_CONSUMER, ids=lambda consumer: consumer.__name__)
def test_every_channel_layer_event_a_consumer_handles_has_a_model(consumer):
    assert _handlers(consumer) - LAYER_TYPES == set()


def test_every_channel_layer_model_is_handled_by_a_consumer_or_the_media_host():
    handled = set().union(*(_handlers(consumer) for consumer in EVERY_CONSUMER))
    for_the_host = {type_of(member) for member in typing.get_args(typing.get_args(messages.HostMessage)[0])}

    assert LAYER_TYPES - handled - for_the_host == set()
    assert handled & for_the_host == set()


class Layer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def send(self, channel: str, message: dict) -> None:
        self.sent.append((channel, message))


FAILED = {"type": "media.error", "message": "negotiation failed"}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message",
    [
        {"type": "media.offer", "session": 7, "reply_to": "browser!1"},
        {"type": "media.offer", "session": 7, "role": "supervisor", "sdp": "v=0", "admitted": True, "reply_to": "b!1"},
        {"type": "media.echo", "echo": "b!1", "sdp": "v=0", "reply_to": "b!1", "extra": 1},
        {
            "type": "media.offer",
            "session": 7,
            "role": "taxpayer",
            "sdp": "v=0 no media",
            "admitted": False,
            "reply_to": "b!1",
        },
    ],
    ids=["missing-fields", "unknown-role", "extra-field", "unusable-sdp"],
)
async def test_the_media_host_answers_an_offer_it_cannot_take_with_a_failure(message):
    host, layer = MediaHost(), Layer()
    try:
        await _handle(host, layer, message)
    finally:
        await host.shutdown()

    assert layer.sent == [(message["reply_to"], FAILED)]
    assert (host.rooms, host.echoes) == ({}, {})


@pytest.mark.asyncio
async def test_the_media_host_logs_and_drops_a_command_it_does_not_know(caplog):
    host, layer = MediaHost(), Layer()
    with caplog.at_level(logging.WARNING, logger="interviews.media.service"):
        await _handle(host, layer, {"type": "media.record", "session": 7})
        await _handle(host, layer, {"type": "media.admit", "session": "seven"})

    assert layer.sent == []
    assert host.rooms == {}
    assert [record.getMessage() for record in caplog.records] == [
        "Media host could not handle 'media.record': ValidationError",
        "Media host could not handle 'media.admit': ValidationError",
    ]


@pytest.mark.asyncio
async def test_the_media_host_takes_a_command_built_by_its_model():
    host, layer = MediaHost(), Layer()

    await _handle(host, layer, messages.MediaAdmit(session=7).model_dump())

    assert host.rooms[7].admitted is True
    assert layer.sent == []


def test_the_media_hosts_messages_need_nothing_from_django():
    code = (
        "import sys, interviews.media.messages, interviews.media.service\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'django', 'channels', 'config', 'interviews'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "['interviews']"


# Every socket: bad input is answered, and the socket stays open


@database_sync_to_async
def _socket_of(kind: str) -> tuple[str, object]:
    if kind == "interview":
        booking = factories.BookingFactory()
        session = interview_services.session_for_booking(booking=booking)
        return f"/ws/interviews/{session.pk}/", staff_client(booking.agent)
    if kind == "device-check":
        return "/ws/device-check/", logged_in(factories.TaxpayerFactory())
    if kind == "queue":
        return "/ws/queue/", logged_in(factories.QueueEntryFactory().taxpayer)
    if kind == "dashboard":
        return "/ws/supervisor/dashboard/", staff_client(factories.SupervisorFactory())
    if kind == "agent":
        return "/ws/agent/talk-now/", staff_client(factories.AgentFactory())
    session = interview_services.session_for_booking(booking=factories.BookingFactory())
    InterviewSession.objects.filter(pk=session.pk).update(state="live")
    return f"/ws/supervisor/monitor/{session.pk}/", staff_client(factories.SupervisorFactory())


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("kind", "takes_offers"),
    [
        ("interview", True),
        ("device-check", True),
        ("queue", False),
        ("dashboard", False),
        ("agent", False),
        ("monitor", True),
    ],
)
async def test_every_socket_answers_bad_input_with_a_structured_error_and_stays_open(kind, takes_offers):
    path, client = await _socket_of(kind)
    frames = [
        ("{nope", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"type": "launch"}', "unknown_type"),
        ('{"type": "ping", "extra": 1}', "bad_message"),
        (HUGE_SDP, "bad_sdp" if takes_offers else "unknown_type"),
    ]
    async with socket(path, client) as (communicator, connected, _code):
        assert connected is True
        await communicator.receive_json_from(timeout=TIMEOUT)  # hello, the queue place or the page
        for text, code in frames:
            await communicator.send_to(text_data=text)

            error = await communicator.receive_json_from(timeout=TIMEOUT)
            assert (error["type"], error["code"]) == ("error", code)
            assert error["message"]

        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
