"""Per-participant TURN credentials minted from the shared secret work against a real coturn."""

import asyncio
import shutil
import socket
import subprocess
import time

import pytest
import pytest_asyncio
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, VideoStreamTrack
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from interviews.media.host import MediaHost
from interviews.selectors import ice_servers_for

pytestmark = pytest.mark.asyncio
SECRET = "turn-test-secret"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def coturn(tmp_path):
    """A coturn on loopback with the REST (shared secret) scheme, as docs/deploy.md sets it up."""
    if shutil.which("turnserver") is None:
        pytest.fail("coturn is missing: make test installs Debian's coturn package")
    port = _free_udp_port()
    log = tmp_path / "turn.log"
    process = subprocess.Popen(  # noqa: S603
        [
            "turnserver",
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            "--min-port=49800",
            "--max-port=49900",
            "--realm=liveverify.test",
            "--use-auth-secret",
            f"--static-auth-secret={SECRET}",
            "--no-tls",
            "--no-dtls",
            "--fingerprint",
            "--allow-loopback-peers",
            "--no-cli",
            f"--log-file={log}",
            "--simple-log",
            f"--pidfile={tmp_path / 'turn.pid'}",
            f"--userdb={tmp_path / 'turndb'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while "Total General servers" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline and process.poll() is None, "coturn did not start"
        time.sleep(0.05)
    yield f"turn:127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest_asyncio.fixture
async def host():
    media_host = MediaHost()
    yield media_host
    await media_host.shutdown()


async def _frames_through_relay(host: MediaHost, servers: list[dict]) -> int:
    """Connect an aiortc 'browser' allowed only relay candidates to the echo; count frames back."""
    config = RTCConfiguration(
        iceServers=[RTCIceServer(**server) for server in servers], iceTransportPolicy=RTCIceTransportPolicy.RELAY
    )
    pc = RTCPeerConnection(config)
    pc.addTrack(VideoStreamTrack())
    frames = asyncio.Queue()

    @pc.on("track")
    def on_track(track):
        async def pump():
            while True:
                try:
                    await frames.put(await track.recv())
                except MediaStreamError:
                    return

        asyncio.ensure_future(pump())

    await pc.setLocalDescription(await pc.createOffer())
    relay_candidates = pc.localDescription.sdp.count("typ relay")
    got = 0
    if relay_candidates:
        answer = await host.echo(echo_id="turn", sdp=pc.localDescription.sdp)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        try:
            async with asyncio.timeout(30):  # TURN allocation and DTLS are slow on a loaded machine
                while got < 5:
                    await frames.get()
                    got += 1
        except TimeoutError:
            pass
    await pc.close()
    return got


async def test_media_flows_through_coturn_with_minted_credentials(host, coturn, settings):
    settings.TURN_URLS, settings.TURN_SECRET = [coturn], SECRET

    assert await _frames_through_relay(host, ice_servers_for(user_id=42)) == 5


async def test_credentials_minted_from_another_secret_get_no_relay(host, coturn, settings):
    settings.TURN_URLS, settings.TURN_SECRET = [coturn], "not-the-secret"

    assert await _frames_through_relay(host, ice_servers_for(user_id=42)) == 0


async def test_expired_credentials_get_no_relay(host, coturn, settings):
    settings.TURN_URLS, settings.TURN_SECRET = [coturn], SECRET
    expired = ice_servers_for(user_id=42, now=time.time() - settings.TURN_CREDENTIAL_SECONDS - 60)

    assert await _frames_through_relay(host, expired) == 0
