"""Where media hosts announce themselves and their load, and which host each session is pinned to.

One process (embedded default): a dictionary. Several processes: a Redis hash shared by all.
"""

import asyncio
import json
import time
import weakref

HOST_TTL_SECONDS = 15.0
HOSTS_KEY = "liveverify:media-hosts"
PINS_KEY = "liveverify:media-pins"


class LocalRegistry:
    def __init__(self) -> None:
        self.hosts: dict[str, tuple[int, float]] = {}
        self.pins: dict[str, str] = {}

    async def announce(self, channel: str, load: int) -> None:
        self.hosts[channel] = (load, time.time())

    async def withdraw(self, channel: str) -> None:
        self.hosts.pop(channel, None)

    async def _alive(self) -> dict[str, int]:
        now = time.time()
        return {channel: load for channel, (load, seen) in self.hosts.items() if now - seen < HOST_TTL_SECONDS}

    async def _get_pin(self, key: str) -> str | None:
        return self.pins.get(key)

    async def _set_pin(self, key: str, channel: str) -> None:
        self.pins[key] = channel

    async def unpin(self, key: str) -> None:
        self.pins.pop(key, None)

    async def pick(self) -> str | None:
        """The live host with the fewest peer connections."""
        alive = await self._alive()
        return min(alive, key=lambda channel: (alive[channel], channel)) if alive else None

    async def pin(self, key: str) -> str | None:
        """The host this session's media lives on, chosen (least loaded) on first need."""
        alive = await self._alive()
        pinned = await self._get_pin(key)
        if pinned in alive:
            return pinned
        channel = await self.pick()
        if channel is not None:
            await self._set_pin(key, channel)
        return channel


class RedisRegistry(LocalRegistry):
    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio

        self.redis = redis.asyncio.from_url(url)

    async def announce(self, channel: str, load: int) -> None:
        await self.redis.hset(HOSTS_KEY, channel, json.dumps({"load": load, "seen": time.time()}))

    async def withdraw(self, channel: str) -> None:
        await self.redis.hdel(HOSTS_KEY, channel)

    async def _alive(self) -> dict[str, int]:
        now = time.time()
        alive = {}
        for channel, raw in (await self.redis.hgetall(HOSTS_KEY)).items():
            entry = json.loads(raw)
            if now - entry["seen"] < HOST_TTL_SECONDS:
                alive[channel.decode()] = entry["load"]
        return alive

    async def _get_pin(self, key: str) -> str | None:
        value = await self.redis.hget(PINS_KEY, key)
        return value.decode() if value else None

    async def _set_pin(self, key: str, channel: str) -> None:
        await self.redis.hset(PINS_KEY, key, channel)

    async def pin(self, key: str) -> str | None:
        """As for one process, but two web processes pinning a session at once agree (HSETNX)."""
        alive = await self._alive()
        pinned = await self._get_pin(key)
        if pinned in alive:
            return pinned
        channel = await self.pick()
        if channel is None:
            return None
        if pinned is not None:
            await self.redis.hdel(PINS_KEY, key)
        await self.redis.hsetnx(PINS_KEY, key, channel)
        return await self._get_pin(key)

    async def unpin(self, key: str) -> None:
        await self.redis.hdel(PINS_KEY, key)


_local = LocalRegistry()
_redis: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, RedisRegistry]]" = weakref.WeakKeyDictionary()


def registry_for(redis_url: str) -> LocalRegistry:
    """The shared registry: Redis when configured (one client per event loop), else this process's own."""
    if not redis_url:
        return _local
    per_loop = _redis.setdefault(asyncio.get_running_loop(), {})
    if redis_url not in per_loop:
        per_loop[redis_url] = RedisRegistry(redis_url)
    return per_loop[redis_url]
