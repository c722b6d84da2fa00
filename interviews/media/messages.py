"""The media host's messages on the channel layer: what the web processes send to a host's own
channel, and what a host sends back (to the channel in `reply_to`, or to a session's group)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Role = Literal["taxpayer", "agent"]
# RTCPeerConnection.connectionState, as aiortc reports it.
PeerState = Literal["new", "connecting", "connected", "disconnected", "failed", "closed"]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# To a media host


class MediaOffer(Message):
    """A participant's offer, first or after a reconnect. `admitted` comes from the session's
    state, so a host that missed the admission (it was away, or replaces one) relays at once."""

    type: Literal["media.offer"] = "media.offer"
    session: int
    role: Role
    sdp: str
    admitted: bool
    reply_to: str


class MediaAdmit(Message):
    type: Literal["media.admit"] = "media.admit"
    session: int


class MediaLeave(Message):
    type: Literal["media.leave"] = "media.leave"
    session: int
    role: Role


class MediaClose(Message):
    type: Literal["media.close"] = "media.close"
    session: int


class MediaEcho(Message):
    """The device check's offer: the browser's own tracks come back. `echo` names the peer."""

    type: Literal["media.echo"] = "media.echo"
    echo: str
    sdp: str
    reply_to: str


class MediaEchoClose(Message):
    type: Literal["media.echo_close"] = "media.echo_close"
    echo: str


class MediaMonitor(Message):
    """A supervisor's receive-only offer for a live call. `monitor` names the peer."""

    type: Literal["media.monitor"] = "media.monitor"
    session: int
    monitor: str
    sdp: str
    reply_to: str


class MediaMonitorClose(Message):
    type: Literal["media.monitor_close"] = "media.monitor_close"
    monitor: str


HostMessage = Annotated[
    MediaOffer | MediaAdmit | MediaLeave | MediaClose | MediaEcho | MediaEchoClose | MediaMonitor | MediaMonitorClose,
    Field(discriminator="type"),
]
host_message = TypeAdapter(HostMessage)


# From a media host


class MediaAnswer(Message):
    type: Literal["media.answer"] = "media.answer"
    sdp: str


class MediaFailure(Message):
    """An offer that could not be answered; why is only in the host's log."""

    type: Literal["media.error"] = "media.error"
    message: str


class MediaPeerState(Message):
    """To the session's group: how a participant's peer connection is doing."""

    type: Literal["media.peer_state"] = "media.peer_state"
    role: Role
    state: PeerState
