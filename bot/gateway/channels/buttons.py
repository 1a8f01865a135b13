"""Short ids standing for button payloads, for channels whose buttons carry little data.

Telegram allows 64 bytes of callback data, and a Vietnamese title or an intent payload with entities easily
exceeds that; Zalo shows a query button's text in some clients. The channel sends an id, and maps it back.

An id is a digest of its payload, kept in the shared state store: every gateway, and this one after a
restart, maps a tapped id back. Whether this citizen was offered the payload is the conversation service's
check (bot/gateway/conversation/service.py), made for every channel alike.
"""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict

CACHED = 5_000
KEPT_S = 30 * 24 * 3600


class ButtonPayloads:
    def __init__(self, store, prefix: str = "") -> None:
        self._store = store
        self._prefix = prefix
        # Ids never change meaning (a digest), so a local copy is always right.
        self._cache: OrderedDict[str, str] = OrderedDict()

    async def issue(self, user: str, payload: str) -> str:
        digest = hashlib.blake2b(payload.encode("utf-8"), digest_size=9).digest()
        button_id = self._prefix + base64.urlsafe_b64encode(digest).decode()
        if button_id not in self._cache:
            await self._store.aput(self._key(button_id), payload, KEPT_S)
            self._remember(button_id, payload)
        return button_id

    async def resolve(self, user: str, button_id: str) -> str | None:
        """The payload, or None when the id is unknown or has expired."""
        payload = self._cache.get(button_id)
        if payload is None and button_id.startswith(self._prefix) and 0 < len(button_id) <= 64:
            stored = await self._store.aget(self._key(button_id))
            if isinstance(stored, str):
                payload = stored
                self._remember(button_id, payload)
        return payload

    def _key(self, button_id: str) -> str:
        return f"button:{button_id}"

    def _remember(self, button_id: str, payload: str) -> None:
        self._cache[button_id] = payload
        self._cache.move_to_end(button_id)
        while len(self._cache) > CACHED:
            self._cache.popitem(last=False)
