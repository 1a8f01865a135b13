"""The one rate limiter of the gateway: a sliding window of recent hits per key, in memory.

Used per citizen (sender), per client address on /api/chat, per integration token, and for new widget
sessions per address. Memory is bounded: the least recently seen keys are forgotten first, and a forgotten
key has, by then, usually waited longer than the window anyway.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

KEYS_KEPT = 10_000


class SlidingWindow:
    def __init__(self, limit: int, window_s: float, *, keys_kept: int = KEYS_KEPT,
                 clock: Callable[[], float] = time.monotonic) -> None:
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

