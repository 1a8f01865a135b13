"""Per-key asyncio locks (a citizen, a chat): one key's work runs in arrival order, other keys run concurrently."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

KEYS_KEPT = 10_000


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: OrderedDict[str, asyncio.Lock] = OrderedDict()

    def __call__(self, key: str) -> asyncio.Lock:
        """The key's lock; asyncio.Lock serves waiters first come, first served."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
            while len(self._locks) > KEYS_KEPT:
                oldest, old_lock = next(iter(self._locks.items()))
                if old_lock.locked():
                    break
                del self._locks[oldest]
        self._locks.move_to_end(key)
        return lock
