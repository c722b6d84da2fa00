"""The shapes of WebSocket messages, both ways, and the check of what browsers send."""

from typing import Literal, TypedDict

MAX_MESSAGE_BYTES = 32 * 1024
MAX_SDP_CHARS = 24 * 1024
MAX_CHAT_CHARS = 500


class Offer(TypedDict):
    type: Literal["offer"]
    sdp: str


class Chat(TypedDict):
    type: Literal["chat"]
    text: str


class Command(TypedDict):
    type: Literal["admit", "end", "leave", "ping"]


class ErrorEvent(TypedDict):
    type: Literal["error"]
    code: str
    message: str


class LeftEvent(TypedDict):
    type: Literal["left"]
    role: Literal["taxpayer", "agent"]


class StateEvent(TypedDict):
    type: Literal["state"]
    state: str
    waited_seconds: int | None
    taxpayer_connected: bool
    agent_connected: bool


# Each message type a browser may send, and its fields with their types.
SCHEMAS: dict[str, dict[str, type]] = {
    "offer": {"sdp": str},
    "chat": {"text": str},
    "admit": {},
    "end": {},
    "leave": {},
    "ping": {},
}


class InvalidMessage(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def validate(message: object, allowed: set[str]) -> dict:
    """Check one decoded message against its schema; raise InvalidMessage saying what is wrong."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise InvalidMessage("bad_message", "A message must be a JSON object with a string 'type'.")
    kind = message["type"]
    if kind not in SCHEMAS or kind not in allowed:
        raise InvalidMessage("unknown_type", f"Unknown message type {kind[:40]!r}.")
    fields = SCHEMAS[kind]
    extra = set(message) - set(fields) - {"type"}
    if extra:
        raise InvalidMessage("bad_message", f"Unexpected fields: {', '.join(sorted(extra))[:100]}.")
    for name, expected in fields.items():
        if not isinstance(message.get(name), expected):
            raise InvalidMessage("bad_message", f"Field '{name}' is missing or of the wrong type.")
    if kind == "offer" and not (0 < len(message["sdp"]) <= MAX_SDP_CHARS and message["sdp"].startswith("v=0")):
        raise InvalidMessage("bad_sdp", "The offer is not a session description.")
    if kind == "chat" and not (0 < len(message["text"].strip()) <= MAX_CHAT_CHARS):
        raise InvalidMessage("bad_chat", f"Chat messages are 1 to {MAX_CHAT_CHARS} characters.")
    return message
