"""The media host: one peer connection per participant, relaying the taxpayer's tracks to the
agent (and a monitor) and the agent's to the taxpayer, only once the agent has admitted them."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from interviews.media.tracks import SwitchableTrack

logger = logging.getLogger(__name__)

KINDS = ("audio", "video")
ROLES = ("taxpayer", "agent")
StateCallback = Callable[[int, str, str], Awaitable[None]]


class MediaError(Exception):
    """A negotiation the media host could not complete."""


@dataclass
class Participant:
    pc: RTCPeerConnection
    incoming: dict[str, MediaStreamTrack] = field(default_factory=dict)
    outgoing: dict[str, SwitchableTrack] = field(default_factory=dict)

    async def close(self) -> None:
        for track in self.outgoing.values():
            track.stop()
        await self.pc.close()


@dataclass
class Room:
    admitted: bool = False
    participants: dict[str, Participant] = field(default_factory=dict)
    # Supervisors watching silently: receive-only peers, keyed by their signaling channel.
    monitors: dict[str, Participant] = field(default_factory=dict)
    # Offers, leaves and closes of one room run one at a time (two tabs, a quick reload).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _other(role: str) -> str:
    return "agent" if role == "taxpayer" else "taxpayer"


class MediaHost:
    """Relays live tracks between the participants of each session; never records or stores them."""

    def __init__(self, *, ice_servers: list[dict] | None = None, on_state: StateCallback | None = None) -> None:
        self.ice_servers = [RTCIceServer(**server) for server in ice_servers or []]
        self.on_state = on_state
        self.rooms: dict[int, Room] = {}
        self.echoes: dict[str, RTCPeerConnection] = {}
        self.relay = MediaRelay()

    @property
    def load(self) -> int:
        """Peer connections open now: what least-loaded placement compares."""
        return sum(len(room.participants) + len(room.monitors) for room in self.rooms.values()) + len(self.echoes)

    def _peer(self) -> RTCPeerConnection:
        return RTCPeerConnection(RTCConfiguration(iceServers=self.ice_servers))

    async def answer(self, *, session_id: int, role: str, sdp: str, admitted: bool = False) -> str:
        """Take a participant's offer (first or after a reconnect) and return the answer.

        `admitted` comes from the session's state: a host that missed the admission (it was
        away, or replaces one that failed) learns it here.
        """
        if role not in ROLES:
            raise MediaError(f"unknown role {role!r}")
        room = self.rooms.setdefault(session_id, Room())
        async with room.lock:
            room.admitted = room.admitted or admitted
            previous = room.participants.pop(role, None)
            if previous is not None:
                await previous.close()
            pc = self._peer()
            participant = Participant(pc=pc)
            room.participants[role] = participant

            @pc.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                participant.incoming[track.kind] = track
                self._wire(room)

            @pc.on("connectionstatechange")
            async def on_state_change() -> None:
                if room.participants.get(role) is not participant:
                    return
                if self.on_state is not None:
                    await self.on_state(session_id, role, pc.connectionState)
                if pc.connectionState in ("failed", "closed"):
                    await self.leave(session_id=session_id, role=role, participant=participant)

            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
                for transceiver in pc.getTransceivers():
                    if transceiver.kind in KINDS and transceiver.kind not in participant.outgoing:
                        track = SwitchableTrack(transceiver.kind)
                        participant.outgoing[transceiver.kind] = track
                        pc.addTrack(track)
                await pc.setLocalDescription(await pc.createAnswer())
            except Exception as error:
                if room.participants.get(role) is participant:
                    room.participants.pop(role)
                await participant.close()
                raise MediaError(type(error).__name__) from error
            self._wire(room)
            return pc.localDescription.sdp

    def _wire(self, room: Room) -> None:
        """Point every participant's outgoing tracks at the other's incoming ones (once admitted)."""
        for role, participant in room.participants.items():
            source = room.participants.get(_other(role))
            for kind, outgoing in participant.outgoing.items():
                self._point(outgoing, source.incoming.get(kind) if (room.admitted and source) else None)
        self._wire_monitors(room)

    def _point(self, outgoing: SwitchableTrack, incoming: MediaStreamTrack | None) -> None:
        """Relay an incoming track on an outgoing one (nothing when None), unless it already does."""
        if incoming is None:
            if outgoing.source is not None:
                outgoing.switch(None)
        elif outgoing.origin is not incoming:
            outgoing.switch(self.relay.subscribe(incoming, buffered=False), origin=incoming)

    def admit(self, *, session_id: int) -> None:
        room = self.rooms.setdefault(session_id, Room())
        room.admitted = True
        self._wire(room)

    async def leave(self, *, session_id: int, role: str, participant: Participant | None = None) -> None:
        """Close a participant's peer (only that one, if given) and forget an emptied room."""
        room = self.rooms.get(session_id)
        if room is None:
            return
        current = room.participants.get(role)
        if current is None or (participant is not None and current is not participant):
            return
        room.participants.pop(role)
        await current.close()
        self._wire(room)
        if not room.participants:  # offers say again whether the call is admitted
            self.rooms.pop(session_id, None)
            await asyncio.gather(*(monitor.close() for monitor in room.monitors.values()))

    async def close(self, *, session_id: int) -> None:
        room = self.rooms.pop(session_id, None)
        if room is not None:
            await asyncio.gather(*(participant.close() for participant in room.participants.values()))
            await asyncio.gather(*(monitor.close() for monitor in room.monitors.values()))

    def _wire_monitors(self, room: Room) -> None:
        """Point each monitor's tracks ("taxpayer:audio", ...) at the participants' incoming ones, once admitted."""
        for monitor in room.monitors.values():
            for key, outgoing in monitor.outgoing.items():
                role, kind = key.split(":")
                source = room.participants.get(role)
                self._point(outgoing, source.incoming.get(kind) if (room.admitted and source) else None)

    async def monitor(self, *, session_id: int, monitor_id: str, sdp: str) -> str:
        """A silent monitor's receive-only offer (audio, video, audio, video): answer with the
        taxpayer's tracks then the agent's. Nothing the monitor sends is received or relayed."""
        room = self.rooms.get(session_id)
        if room is None or not room.admitted:
            raise MediaError("no call in progress")
        async with room.lock:
            await self.monitor_close(monitor_id=monitor_id)
            # Two m-lines of each kind: aiortc's default "balanced" bundling leaves the second video
            # on a transport the bundle no longer uses, so everything goes on one.
            pc = RTCPeerConnection(
                RTCConfiguration(iceServers=self.ice_servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
            )
            monitor = Participant(pc=pc)
            room.monitors[monitor_id] = monitor

            @pc.on("connectionstatechange")
            async def on_state_change() -> None:
                if pc.connectionState in ("failed", "closed"):
                    await self.monitor_close(monitor_id=monitor_id)

            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
                kinds = [transceiver.kind for transceiver in pc.getTransceivers()]
                if kinds != ["audio", "video", "audio", "video"]:
                    raise MediaError("a monitor receives audio and video of both participants")
                for key in ("taxpayer:audio", "taxpayer:video", "agent:audio", "agent:video"):
                    track = SwitchableTrack(key.split(":")[1], copy_audio=True)
                    monitor.outgoing[key] = track
                    pc.addTrack(track)
                await pc.setLocalDescription(await pc.createAnswer())
            except Exception as error:
                await self.monitor_close(monitor_id=monitor_id)
                raise MediaError(type(error).__name__) from error
            self._wire_monitors(room)
            return pc.localDescription.sdp

    async def monitor_close(self, *, monitor_id: str) -> None:
        for room in self.rooms.values():
            monitor = room.monitors.pop(monitor_id, None)
            if monitor is not None:
                await monitor.close()

    async def echo(self, *, echo_id: str, sdp: str) -> str:
        """The device check: send a browser its own tracks back."""
        await self.echo_close(echo_id=echo_id)
        pc = self._peer()
        self.echoes[echo_id] = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            pc.addTrack(self.relay.subscribe(track, buffered=False))

        @pc.on("connectionstatechange")
        async def on_state_change() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self.echo_close(echo_id=echo_id)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as error:
            await self.echo_close(echo_id=echo_id)
            raise MediaError(type(error).__name__) from error
        return pc.localDescription.sdp

    async def echo_close(self, *, echo_id: str) -> None:
        pc = self.echoes.pop(echo_id, None)
        if pc is not None:
            await pc.close()

    async def shutdown(self) -> None:
        await asyncio.gather(*(self.close(session_id=session_id) for session_id in list(self.rooms)))
        await asyncio.gather(*(self.echo_close(echo_id=echo_id) for echo_id in list(self.echoes)))
