"""Media hosts announce their load; sessions are pinned to the least-loaded live host."""

import time

import pytest
import time_machine

from interviews.media.registry import HOST_TTL_SECONDS, LocalRegistry

pytestmark = pytest.mark.asyncio


async def test_a_new_session_goes_to_the_least_loaded_host_and_stays_there():
    registry = LocalRegistry()
    await registry.announce("host-a", 4)
    await registry.announce("host-b", 1)

    assert await registry.pin("session:1") == "host-b"
    await registry.announce("host-b", 9)
    assert await registry.pin("session:1") == "host-b"
    assert await registry.pin("session:2") == "host-a"


async def test_a_silent_host_is_no_longer_chosen_and_its_sessions_move():
    registry = LocalRegistry()
    with time_machine.travel(time.time(), tick=False) as clock:
        await registry.announce("host-a", 0)
        assert await registry.pin("session:1") == "host-a"
        clock.shift(HOST_TTL_SECONDS / 2)
        await registry.announce("host-b", 3)
        clock.shift(HOST_TTL_SECONDS / 2 + 1)

        assert await registry.pick() == "host-b"
        assert await registry.pin("session:1") == "host-b"


async def test_no_host_means_no_pin():
    registry = LocalRegistry()
    await registry.announce("host-a", 0)
    await registry.withdraw("host-a")

    assert await registry.pin("session:1") is None
