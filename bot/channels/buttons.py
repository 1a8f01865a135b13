"""Short ids standing for button payloads, for channels whose buttons carry little data.

Telegram allows 64 bytes of callback data, and a Vietnamese title or an intent payload with entities easily
exceeds that; Zalo shows a query button's text in some clients. The channel sends an id, and maps it back.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict

USERS_KEPT = 10_000
IDS_PER_USER = 100


class ButtonPayloads:
    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._by_user: OrderedDict[str, OrderedDict[str, str]] = OrderedDict()

    def issue(self, user: str, payload: str) -> str:
        ids = self._by_user.setdefault(user, OrderedDict())
        self._by_user.move_to_end(user)
        for known_id, known in ids.items():
            if known == payload:
                ids.move_to_end(known_id)
                return known_id
        button_id = self._prefix + secrets.token_urlsafe(6)
        ids[button_id] = payload
        while len(ids) > IDS_PER_USER:
            ids.popitem(last=False)
        while len(self._by_user) > USERS_KEPT:
            self._by_user.popitem(last=False)
        return button_id

    def resolve(self, user: str, button_id: str) -> str | None:
        """The payload, or None when the id is unknown, expired or was issued to someone else."""
        return self._by_user.get(user, {}).get(button_id)
