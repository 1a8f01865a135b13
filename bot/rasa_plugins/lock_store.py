"""Rasa's Redis lock store, with an asynchronous lock of two Redis calls. Loaded by Rasa (in .venv-rasa) from the
endpoints file that bot/supervisor/topology.py writes, as `type: bot.rasa_plugins.lock_store.RedisLockStore`.

Rasa's own store takes a conversation's lock with a ticket object it reads, changes and writes back: seven
blocking Redis round trips per turn (~7 % of a Rasa server's CPU under load), during which the server's event loop
serves nobody. Here the lock is one `SET NX PX` (a key with the lock's lifetime, so a killed server's lock expires
as Rasa's tickets do) and one compare-and-delete script, both awaited. Waiters retry with a short backoff instead of
Rasa's fixed second. Rasa's tickets also served waiters in arrival order; the gateway already hands one citizen's
turns to Rasa one at a time, so waiters are rare and their order is not relied on.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator

import redis.asyncio
from rasa.core import lock_store
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError

# Deletes the key only while it still holds this holder's token: a lock that expired and was taken by another
# server is not released by the first one finishing late.
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""
FIRST_WAIT_S = 0.005
LONGEST_WAIT_S = 0.1
UNREACHABLE_WAIT_S = 0.2


class RedisLockStore(lock_store.RedisLockStore):
    def __init__(self, endpoint_config: Any) -> None:
        options = dict(endpoint_config.kwargs)
        super().__init__(host=endpoint_config.url, **options)
        self._options = {
            "host": endpoint_config.url,
            "port": int(options.get("port", 6379)),
            "db": int(options.get("db", 1)),
            "username": options.get("username"),
            "password": options.get("password"),
            "ssl": bool(options.get("use_ssl", False)),
            "socket_timeout": float(options.get("socket_timeout", 10)),
        }
        self._client: redis.asyncio.Redis | None = None
        self._release: Any = None

    def _redis(self) -> redis.asyncio.Redis:
        # Made on first use, inside the server's event loop, which its connections belong to.
        if self._client is None:
            self._client = redis.asyncio.Redis(**self._options)
            self._release = self._client.register_script(RELEASE)
        return self._client

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        key, token = self.key_prefix + conversation_id, uuid.uuid4().hex
        await self._acquire(key, token, lock_lifetime, min(wait_time_in_seconds, LONGEST_WAIT_S))
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                await self._release(keys=[key], args=[token])
            except redis.RedisError:
                pass  # the key expires with the lock's lifetime

    async def _acquire(self, key: str, token: str, lifetime_s: float, longest_wait_s: float) -> None:
        # A holder's key lives `lifetime_s` at most, so waiting a little longer than that always ends in the lock.
        deadline = time.monotonic() + lifetime_s + 1
        wait = FIRST_WAIT_S
        while True:
            try:
                if await self._redis().set(key, token, nx=True, px=max(1, int(lifetime_s * 1000))):
                    return
                unreachable = None
            except (redis.ConnectionError, redis.TimeoutError) as error:
                # Redis restarting: the turn waits for it (within the lock's own deadline) instead of failing,
                # and the next try takes a new connection. Locks held before are gone with an unsaved Redis,
                # like locks of a killed server after their lifetime.
                unreachable = error
            except redis.RedisError as error:
                raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
            if time.monotonic() > deadline:
                if unreachable is not None:
                    raise LockError(f"Error while acquiring lock. Error:\n{unreachable}") from unreachable
                raise LockError(f"Could not acquire lock for conversation_id '{key}'.")
            await asyncio.sleep(wait if unreachable is None else UNREACHABLE_WAIT_S)
            wait = min(wait * 2, longest_wait_s)
