"""The operations WebSocket messages and channel-layer events. Browsers send only "ping" (and the
monitor an "offer"); everything else is a form post, so it works without JavaScript. Hello, pong,
answer, error and peer are the interview sockets' own (interviews.events)."""

from typing import Literal

from interviews.events import Message
from interviews.models import InterviewSession


class Place(Message):
    """A waiting taxpayer's place in line and the estimate in seconds (None: no agent on duty)."""

    position: int
    low: int | None
    high: int | None
    ask_ready: bool
    ready: bool


# What the server sends to browsers.


class Queue(Place):
    type: Literal["queue"] = "queue"
    open: bool
    estimate_text: str


class Taken(Message):
    """An agent took this taxpayer: the interview is at `url`."""

    type: Literal["taken"] = "taken"
    url: str


class Gone(Message):
    """This taxpayer is no longer in the queue."""

    type: Literal["gone"] = "gone"


class Fragment(Message):
    """A part of a staff page rendered again on the server (dashboard, agent's page)."""

    type: Literal["fragment"] = "fragment"
    html: str


class MonitorState(Message):
    """A monitored call's state; the monitor closes when it is completed."""

    type: Literal["state"] = "state"
    state: InterviewSession.State


# The channel-layer events.


class QueueUpdate(Message):
    """To a language's queue sockets: each waiting entry's place by entry id, the ids just taken."""

    type: Literal["queue.update"] = "queue.update"
    open: bool
    entries: dict[str, Place]
    taken: list[str]
    interview_url: str


class OperationsChanged(Message):
    """To every staff page: render again. Pages of one process share a rendering per `stamp`."""

    type: Literal["operations.changed"] = "operations.changed"
    stamp: str
