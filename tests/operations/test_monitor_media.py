"""Silent monitoring on the media host, with aiortc peers on every side: the monitor receives the
taxpayer's and the agent's tracks, each on its own transceiver, and sends nothing."""

import asyncio

import av
import pytest
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import VideoStreamTrack

from interviews.media.host import MediaError, MediaHost
from tests.interviews.test_media_host import SESSION, Browser

pytestmark = pytest.mark.asyncio


class SmallCamera(VideoStreamTrack):
    """A camera with a size of its own, so the monitor can tell whose video it receives."""

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(width=320, height=240)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts, frame.time_base = pts, time_base
        return frame


class Monitor:
    """A supervisor's browser: four receive-only transceivers, bundled on one transport as browsers do."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        for kind in ("audio", "video", "audio", "video"):
            self.pc.addTransceiver(kind, direction="recvonly")
        self.frames: dict[int, list] = {index: [] for index in range(4)}
        self.arrived = asyncio.Event()

        @self.pc.on("track")
        def on_track(track):
            index = next(i for i, t in enumerate(self.pc.getTransceivers()) if t.receiver.track is track)
            asyncio.ensure_future(self._pump(index, track))

    async def _pump(self, index: int, track) -> None:
        while True:
            try:
                self.frames[index].append(await track.recv())
            except Exception:
                return
            self.arrived.set()

    async def connect(self, host: MediaHost) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await host.monitor(session_id=SESSION, monitor_id="supervisor-1", sdp=self.pc.localDescription.sdp)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    # The timeout is the window measured: counts not reached when it closes are the answer, not an error.
    async def until(self, counts: dict[int, int], timeout: float) -> bool:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                while any(len(self.frames[index]) < count for index, count in counts.items()):
                    self.arrived.clear()
                    await self.arrived.wait()
        except TimeoutError:
            return False
        return True


async def test_a_monitor_is_refused_before_the_call_is_live(host):
    taxpayer = Browser()
    await taxpayer.connect(host, "taxpayer")
    with pytest.raises(MediaError):
        await Monitor().connect(host)
    await taxpayer.pc.close()


async def test_the_monitor_receives_both_sides_and_nobody_receives_the_monitor(host):
    taxpayer, agent = Browser(), Browser()
    agent.pc.getTransceivers()[1].sender.replaceTrack(SmallCamera())
    await taxpayer.connect(host, "taxpayer")
    await agent.connect(host, "agent")
    host.admit(session_id=SESSION)
    monitor = Monitor()
    await monitor.connect(host)

    received = await monitor.until({0: 10, 1: 10, 2: 10, 3: 10}, timeout=15.0)
    assert received, {index: len(frames) for index, frames in monitor.frames.items()}
    assert (monitor.frames[1][-1].width, monitor.frames[3][-1].width) == (640, 320)
    assert host.load == 3
    # The participants each still have their one peer, sending and receiving two tracks.
    room = host.rooms[SESSION]
    assert sorted(room.participants) == ["agent", "taxpayer"]
    assert all(len(p.pc.getTransceivers()) == 2 for p in room.participants.values())
    assert len(room.monitors["supervisor-1"].incoming) == 0

    await host.monitor_close(monitor_id="supervisor-1")
    assert host.load == 2
    for peer in (taxpayer, agent, monitor):
        await peer.pc.close()


async def test_the_monitor_is_closed_with_the_call(host):
    taxpayer, agent = Browser(), Browser()
    await taxpayer.connect(host, "taxpayer")
    await agent.connect(host, "agent")
    host.admit(session_id=SESSION)
    monitor = Monitor()
    await monitor.connect(host)

    await host.close(session_id=SESSION)

    assert host.load == 0
    for peer in (taxpayer, agent, monitor):
        await peer.pc.close()
