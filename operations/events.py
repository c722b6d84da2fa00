"""The shapes of the operations WebSocket messages sent to browsers. Browsers send only "ping"
(and the monitor an "offer"); everything else is a form post, so it works without JavaScript."""

from typing import Literal, TypedDict


class QueueStatus(TypedDict):
    type: Literal["queue"]
    open: bool
    position: int
    low: int | None  # seconds; None when no agent is on duty in the language
    high: int | None
    ask_ready: bool
    ready: bool


class Taken(TypedDict):
    type: Literal["taken"]
    url: str


class Gone(TypedDict):
    type: Literal["gone"]


class Fragment(TypedDict):
    """A part of a staff page rendered again on the server (dashboard, agent's page)."""

    type: Literal["fragment"]
    html: str
