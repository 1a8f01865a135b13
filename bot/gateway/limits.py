"""The rate limits of the gateway: a sliding window of recent hits per key.

Used per citizen (sender), per client address on /api/chat, per integration token, and for new widget
sessions per address. With REDIS_URL set, the windows live in Redis, shared by every gateway and kept across a
restart (RedisWindow); without it, in this process's memory (SlidingWindow), bounded: the least recently seen
keys are forgotten first, and a forgotten key has, by then, usually waited longer than the window anyway.
`window()` picks one; callers use `await limiter.ahit(key)`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable

KEYS_KEPT = 10_000
logger = logging.getLogger(__name__)
# Drop the hits older than the window, count the rest, add this one if under the limit: one atomic step.
_SLIDING = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class SlidingWindow:
    def __init__(
        self, limit: int, window_s: float, *, keys_kept: int = KEYS_KEPT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window_s = limit, window_s
        self._keys_kept = keys_kept
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> bool:
        """Count one hit for ``key`` and say whether it is within the limit (a refused hit is not counted)."""
        now = self._clock()
        recent = self._hits.get(key)
        if recent is None:
            recent = self._hits[key] = deque()
            while len(self._hits) > self._keys_kept:
                self._hits.popitem(last=False)
        self._hits.move_to_end(key)
        while recent and now - recent[0] >= self.window_s:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        return True

    async def ahit(self, key: str) -> bool:
        return self.hit(key)


class RedisWindow:
    """The same window in Redis (a sorted set of hit times per key), shared by every gateway."""

    def __init__(self, redis, name: str, limit: int, window_s: float) -> None:
        self._redis, self._name = redis, name
        self.limit, self.window_s = limit, window_s
        self._script = redis.register_script(_SLIDING)
        self._failing = False

    async def ahit(self, key: str) -> bool:
        now_ms = int(time.time() * 1000)
        try:
            allowed = await self._script(
                keys=[f"sxd:rate:{self._name}:{key}"[:500]],
                args=[now_ms, int(self.window_s * 1000), self.limit, uuid.uuid4().hex],
            )
        except Exception as exc:  # Redis down: a citizen must still be answered, so the limit gives way
            if not self._failing:
                logger.warning(
                    "rate limit %s: Redis unavailable (%s); not limiting until it is back",
                    self._name,
                    exc.__class__.__name__,
                )
            self._failing = True
            return True
        self._failing = False
        return bool(allowed)


def window(
    limit: int,
    window_s: float,
    *,
    name: str,
    redis=None,
    keys_kept: int = KEYS_KEPT,
    clock: Callable[[], float] = time.monotonic,
) -> SlidingWindow | RedisWindow:
    """A window in Redis when the gateway has one (REDIS_URL), else in memory."""
    if redis is not None:
        return RedisWindow(redis, name, limit, window_s)
    return SlidingWindow(limit, window_s, keys_kept=keys_kept, clock=clock)
