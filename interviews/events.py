"""The interview and device-check WebSocket messages, both ways, and the channel-layer events of an
interview's group: one model each. What browsers send is checked by parsing it with these models;
what the server sends is built through them, so a misspelt field fails where it is written."""

import functools
import operator
from typing import Annotated, Literal, NotRequired

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from interviews.media.messages import PeerState, Role
from interviews.models import InterviewSession

MAX_MESSAGE_BYTES = 32 * 1024
MAX_SDP_CHARS = 24 * 1024
MAX_CHAT_CHARS = 500


# What a browser may send. Strict: JSON's types as they are, nothing converted.


class ClientMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Offer(ClientMessage):
    type: Literal["offer"]
    sdp: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SDP_CHARS, pattern=r"^v=0")]


class Chat(ClientMessage):
    type: Literal["chat"]
    # Stripped (as Python strips) before its length is checked: the text relayed is the text checked.
    text: Annotated[str, AfterValidator(str.strip), StringConstraints(min_length=1, max_length=MAX_CHAT_CHARS)]


class Admit(ClientMessage):
    type: Literal["admit"]


class End(ClientMessage):
    type: Literal["end"]


class Leave(ClientMessage):
    type: Literal["leave"]


class Ping(ClientMessage):
    type: Literal["ping"]


class InvalidMessage(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def accepting(*models: type[ClientMessage]) -> TypeAdapter:
    """The parser of a socket that accepts these messages: any other type is unknown there."""
    return TypeAdapter(Annotated[functools.reduce(operator.or_, models), Field(discriminator="type")])


def parse(text: str, accepts: TypeAdapter) -> ClientMessage:
    """One message from a browser, as one of the models `accepts` (from `accepting`); raise
    InvalidMessage with the code and message a browser is told."""
    try:
        return accepts.validate_json(text)
    except ValidationError as error:
        raise _refusal(error.errors(include_url=False, include_context=False)) from None


def _refusal(errors: list[dict]) -> InvalidMessage:
    """Today's codes for pydantic's errors, the first kind found in this order: not JSON, not a
    message, an unknown type, unexpected fields, a missing or mistyped field, a value out of limits."""
    first = errors[0]
    if first["type"] == "json_invalid":
        return InvalidMessage("bad_json", _("The message is not valid JSON."))
    if first["loc"] == ():
        kind = first["input"].get("type") if isinstance(first["input"], dict) else None
        if first["type"] != "union_tag_invalid" or not isinstance(kind, str):
            return InvalidMessage("bad_message", _("A message must be a JSON object with a string 'type'."))
        return InvalidMessage("unknown_type", _("Unknown message type %(type)s.") % {"type": repr(kind[:40])})
    extra = sorted(str(error["loc"][-1]) for error in errors if error["type"] == "extra_forbidden")
    if extra:
        return InvalidMessage("bad_message", _("Unexpected fields: %(fields)s.") % {"fields": ", ".join(extra)[:100]})
    for error in errors:
        if error["type"] == "missing" or error["type"].endswith("_type"):
            field = error["loc"][-1]
            return InvalidMessage(
                "bad_message", _("Field '%(field)s' is missing or of the wrong type.") % {"field": field}
            )
    if first["loc"][0] == "offer":
        return InvalidMessage("bad_sdp", _("The offer is not a session description."))
    return InvalidMessage("bad_chat", _("Chat messages are 1 to %(most)s characters.") % {"most": MAX_CHAT_CHARS})


# What the server sends to browsers.


class Message(BaseModel):
    """What the server sends (to browsers, or on the channel layer): built by the server, so
    its values are converted to their types, and unknown fields are a bug that fails at once."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)


class IceServer(TypedDict):
    """One STUN or TURN server for RTCPeerConnection; TURN comes with credentials."""

    urls: list[str]
    username: NotRequired[str]
    credential: NotRequired[str]


class Hello(Message):
    """The first message on a device-check or monitor socket."""

    type: Literal["hello"] = "hello"
    ice_servers: list[IceServer]


class SessionState(Message):
    state: InterviewSession.State
    waited_seconds: int | None
    taxpayer_connected: bool
    agent_connected: bool


class InterviewHello(Hello, SessionState):
    """The first message on an interview socket: who they are and where the session stands."""

    role: Role


class Pong(Message):
    type: Literal["pong"] = "pong"


class Error(Message):
    """A refusal or failure; `message` is for the person, in their language."""

    type: Literal["error"] = "error"
    code: str
    message: str


class Answer(Message):
    type: Literal["answer"] = "answer"
    sdp: str


class State(SessionState):
    type: Literal["state"] = "state"


class ChatFrom(Message):
    """The other participant's chat message, relayed and never stored."""

    type: Literal["chat"] = "chat"
    sender: Role
    text: str


class Left(Message):
    """The other participant chose to leave (rather than lost their connection)."""

    type: Literal["left"] = "left"
    role: Role


class Challenge(Message):
    """A live challenge for the taxpayer to do on camera; "" when it is over."""

    type: Literal["challenge"] = "challenge"
    text: str


class CodeSent(Message):
    """Where a one-time code went; "" when it was confirmed, so the notice goes."""

    type: Literal["code_sent"] = "code_sent"
    text: str


class Outcome(Message):
    type: Literal["outcome"] = "outcome"
    result: str


class Peer(Message):
    """How a participant's connection to the media host is doing."""

    type: Literal["peer"] = "peer"
    role: Role
    state: PeerState


# The channel-layer events of an interview's group (and of one participant's channel).


class InterviewState(SessionState):
    type: Literal["interview.state"] = "interview.state"


class InterviewChat(Message):
    type: Literal["interview.chat"] = "interview.chat"
    sender: Role
    text: str


class InterviewLeft(Message):
    type: Literal["interview.left"] = "interview.left"
    role: Role


class InterviewReplaced(Message):
    """To a participant's older window: a newer one took its place."""

    type: Literal["interview.replaced"] = "interview.replaced"


class InterviewChallenge(Message):
    """A challenge's words, in the taxpayer's language; "" when it is over."""

    type: Literal["interview.challenge"] = "interview.challenge"
    text: str


class InterviewCodeSent(Message):
    """A code sent by `channel` to the masked contact `sent_to`; "" sent_to: it was confirmed."""

    type: Literal["interview.code_sent"] = "interview.code_sent"
    channel: str
    sent_to: str


class InterviewOutcome(Message):
    type: Literal["interview.outcome"] = "interview.outcome"
    result: str
