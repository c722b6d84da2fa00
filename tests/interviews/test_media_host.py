"""The media host with aiortc peers on both sides, in one event loop: no browser, no network but loopback."""

import asyncio

import pytest
import pytest_asyncio
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from interviews.media.host import MediaHost

pytestmark = pytest.mark.asyncio

SESSION = 7


class Browser:
    """An aiortc peer standing in for a browser that sends a camera and microphone."""

    def __init__(self, *, video: bool = True) -> None:
        self.pc = RTCPeerConnection()
        self.received: dict[str, asyncio.Queue] = {"audio": asyncio.Queue(), "video": asyncio.Queue()}
        self.pc.addTrack(AudioStreamTrack())
        if video:
            self.pc.addTrack(VideoStreamTrack())
        else:
            self.pc.addTransceiver("video", direction="recvonly")

        @self.pc.on("track")
        def on_track(track):
            asyncio.ensure_future(self._pump(track))

    async def _pump(self, track) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            await self.received[track.kind].put(frame)

    async def connect(self, host: MediaHost, role: str) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await host.answer(session_id=SESSION, role=role, sdp=self.pc.localDescription.sdp)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    # The timeout is the window measured: frames short of `count` when it closes are the answer, not an error.
    async def frames(self, kind: str, count: int, timeout: float) -> int:  # noqa: ASYNC109
        """How many of `count` frames of this kind arrive within `timeout` seconds."""
        got = 0
        try:
            async with asyncio.timeout(timeout):
                while got < count:
                    await self.received[kind].get()
                    got += 1
        except TimeoutError:
            pass
        return got


@pytest_asyncio.fixture
async def host():
    media_host = MediaHost()
    yield media_host
    await media_host.shutdown()


async def test_frames_flow_between_taxpayer_and_agent_only_after_admission(host):
    taxpayer, agent = Browser(), Browser()
    await taxpayer.connect(host, "taxpayer")
    await agent.connect(host, "agent")

    assert await agent.frames("video", 1, timeout=2.0) == 0
    assert await taxpayer.frames("video", 1, timeout=0.1) == 0
    assert await agent.frames("audio", 1, timeout=0.1) == 0

    host.admit(session_id=SESSION)

    assert await agent.frames("video", 10, timeout=10.0) == 10
    assert await taxpayer.frames("video", 10, timeout=10.0) == 10
    assert await agent.frames("audio", 10, timeout=10.0) == 10
    await taxpayer.pc.close()
    await agent.pc.close()


async def test_a_reconnecting_taxpayer_is_seen_again_without_the_agent_renegotiating(host):
    taxpayer, agent = Browser(), Browser()
    await taxpayer.connect(host, "taxpayer")
    await agent.connect(host, "agent")
    host.admit(session_id=SESSION)
    assert await agent.frames("video", 5, timeout=10.0) == 5

    await taxpayer.pc.close()
    await asyncio.sleep(0)
    while not agent.received["video"].empty():
        agent.received["video"].get_nowait()
    returning = Browser()
    await returning.connect(host, "taxpayer")

    assert await agent.frames("video", 5, timeout=10.0) == 5
    assert await returning.frames("video", 5, timeout=10.0) == 5
    assert host.load == 2
    await returning.pc.close()
    await agent.pc.close()


async def test_audio_only_taxpayer_sends_sound_and_still_sees_the_agent(host):
    taxpayer, agent = Browser(video=False), Browser()
    await taxpayer.connect(host, "taxpayer")
    await agent.connect(host, "agent")
    host.admit(session_id=SESSION)

    assert await agent.frames("audio", 10, timeout=10.0) == 10
    assert await taxpayer.frames("video", 5, timeout=10.0) == 5
    assert await agent.frames("video", 1, timeout=1.0) == 0
    await taxpayer.pc.close()
    await agent.pc.close()


async def test_echo_sends_the_browser_its_own_video_back(host):
    browser = Browser()
    await browser.pc.setLocalDescription(await browser.pc.createOffer())
    answer = await host.echo(echo_id="check-1", sdp=browser.pc.localDescription.sdp)
    await browser.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    assert await browser.frames("video", 10, timeout=10.0) == 10
    await host.echo_close(echo_id="check-1")
    assert host.load == 0
    await browser.pc.close()
