"""Two atomic steps on the gateway_state table that several gateways may race for.

StateStore.update reads and then writes; on PostgreSQL it locks the row, on SQLite two connections can both
read the old value and both "win". Deciding who answers a waiting message, or whether an update is new, must
not depend on the database, so these are single statements: atomic on both.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.db.engine import upsert_insert
from bot.gateway.db.models import GatewayState
from bot.gateway.state import KEY_MAX


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _check(key: str) -> None:
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"state key must be 1..{KEY_MAX} characters, got {len(key)}")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class StateClaims:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def first(self, key: str, value: Any, ttl_s: float) -> bool:
        """Store `value` under a new key; False when the key exists already (seen before, by any gateway)."""
        now = _now()
        _check(key)
        with self._sessions() as db:
            insert = upsert_insert(db.get_bind().dialect.name, GatewayState)
            # RETURNING says whether the row went in: through the ORM session, PostgreSQL's driver gives no
            # rowcount (-1) for an INSERT, so every key would read as taken already.
            done = db.execute(
                insert.values(
                    key=key,
                    value=_dump(value),
                    expires_at=now + timedelta(seconds=ttl_s),
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=[GatewayState.key])
                .returning(GatewayState.key)
            )
            stored = done.first() is not None
            db.commit()
            return stored

    def read(self, key: str) -> tuple[str, Any] | None:
        """The stored text (for replace) and its value; None when missing or expired."""
        with self._sessions() as db:
            row = db.get(GatewayState, key)
            if row is None or (row.expires_at is not None and row.expires_at <= _now()):
                return None
            return row.value, json.loads(row.value)

    def replace(self, key: str, seen: str, value: Any, ttl_s: float) -> str | None:
        """Compare and set: write `value` only if the document is still the text `seen` read before.

        Returns the text now stored (to compare against next time), or None when someone changed it first."""
        now, text = _now(), _dump(value)
        with self._sessions() as db:
            done = db.execute(
                update(GatewayState)
                .where(GatewayState.key == key, GatewayState.value == seen)
                .values(value=text, expires_at=now + timedelta(seconds=ttl_s), updated_at=now)
            )
            db.commit()
            return text if done.rowcount == 1 else None

    def keys(self, prefix: str) -> list[str]:
        """Live keys under `prefix`, in key order."""
        with self._sessions() as db:
            live = (GatewayState.expires_at.is_(None)) | (GatewayState.expires_at > _now())
            return list(
                db.scalars(
                    select(GatewayState.key)
                    .where(GatewayState.key.startswith(prefix, autoescape=True), live)
                    .order_by(GatewayState.key)
                )
            )

    async def afirst(self, key: str, value: Any, ttl_s: float) -> bool:
        return await asyncio.to_thread(self.first, key, value, ttl_s)

    async def aread(self, key: str) -> tuple[str, Any] | None:
        return await asyncio.to_thread(self.read, key)

    async def areplace(self, key: str, seen: str, value: Any, ttl_s: float) -> str | None:
        return await asyncio.to_thread(self.replace, key, seen, value, ttl_s)

    async def akeys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self.keys, prefix)
