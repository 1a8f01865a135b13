"""StateStore: the gateway's small documents by key, in the database every gateway shares.

What a citizen's conversation needs between two messages (widget session and history, the buttons offered,
the Zalo reply window, messages waiting for Rasa) lives here, not in a process: a restarted gateway, or another
gateway behind the same proxy, carries on where the last one stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.db.engine import upsert_insert
from bot.gateway.db.models import GatewayState
from bot.outage import outlasting_outage

KEY_MAX = 200
LOOP_READ_WAIT_MS = 20


def _now() -> datetime:
    return datetime.now(timezone.utc)


class StateStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._engine = sessions.kw["bind"]
        # Built once: every turn reads and writes a document, and an ORM get or a statement built per call cost
        # the gateway more CPU than the database work itself.
        table = GatewayState.__table__
        self._select = select(table.c.value, table.c.expires_at).where(table.c.key == bindparam("key"))
        insert = upsert_insert(self._engine.dialect.name, table)
        # On SQLite a read by key takes ~0.1 ms and never waits for a writer (WAL): done on the event loop with a
        # connection of its own, it spares each turn a hop to a worker thread and back. A network database is
        # always read on a worker thread.
        self._read_inline = self._engine.dialect.name == "sqlite"
        self._loop_reader = None
        self._upsert_statement = insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "value": insert.excluded.value,
                "expires_at": insert.excluded.expires_at,
                "updated_at": insert.excluded.updated_at,
            },
        )

    # --- synchronous: for code already on a worker thread ---

    def get(self, key: str) -> Any:
        with self._engine.connect() as connection:
            return _live_value(connection.execute(self._select, {"key": _checked(key)}).first())

    def put(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        with self._engine.begin() as connection:
            connection.execute(self._upsert_statement, _row(_checked(key), value, ttl_s))

    def delete(self, key: str) -> None:
        with self._sessions() as db:
            db.execute(delete(GatewayState).where(GatewayState.key == _checked(key)))
            db.commit()

    def update(self, key: str, change: Callable[[Any], Any], ttl_s: float | None = None) -> Any:
        """Read, change and write one document as one transaction that holds the write lock from the read
        on (BEGIN IMMEDIATE on SQLite, FOR UPDATE on PostgreSQL); returns the new value."""
        key = _checked(key)
        with self._sessions() as db:
            query = select(GatewayState).where(GatewayState.key == key)
            if db.get_bind().dialect.name == "sqlite":
                db.connection().exec_driver_sql("BEGIN IMMEDIATE")
            else:
                query = query.with_for_update()
            value = change(_live_value(db.scalars(query).first()))
            self._upsert(db, key, value, ttl_s)
            db.commit()
            return value

    def keys(self, prefix: str) -> list[str]:
        with self._sessions() as db:
            live = (GatewayState.expires_at.is_(None)) | (GatewayState.expires_at > _now())
            rows = db.scalars(
                select(GatewayState.key)
                .where(GatewayState.key.startswith(prefix, autoescape=True))
                .where(live)
                .order_by(GatewayState.updated_at, GatewayState.key)
            )
            return list(rows)

    def purge_expired(self) -> int:
        with self._sessions() as db:
            done = db.execute(delete(GatewayState).where(GatewayState.expires_at < _now()))
            db.commit()
            return done.rowcount or 0

    # --- asynchronous: the event loop serving citizens never waits on the database itself ---

    # Each waits out a database restart (bot/outage.py).
    async def aget(self, key: str) -> Any:
        if not self._read_inline:
            return await outlasting_outage(self.get, key)
        if self._loop_reader is None:
            self._loop_reader = self._engine.connect()
            # A WAL reader is almost never told to wait; when it is, it must not hold up the event loop.
            self._loop_reader.exec_driver_sql(f"PRAGMA busy_timeout = {LOOP_READ_WAIT_MS}")
        try:
            return _live_value(self._loop_reader.execute(self._select, {"key": _checked(key)}).first())
        except OperationalError:
            return await outlasting_outage(self.get, key)
        finally:
            self._loop_reader.rollback()  # ends the read: no snapshot is kept between turns

    async def aput(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        await outlasting_outage(self.put, key, value, ttl_s)

    async def adelete(self, key: str) -> None:
        await outlasting_outage(self.delete, key)

    async def aupdate(self, key: str, change: Callable[[Any], Any], ttl_s: float | None = None) -> Any:
        return await outlasting_outage(self.update, key, change, ttl_s)

    async def akeys(self, prefix: str) -> list[str]:
        return await outlasting_outage(self.keys, prefix)

    def _upsert(self, db: Session, key: str, value: Any, ttl_s: float | None) -> None:
        db.execute(self._upsert_statement, _row(key, value, ttl_s))


def _row(key: str, value: Any, ttl_s: float | None) -> dict:
    now = _now()
    return {
        "key": key,
        "value": json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        "expires_at": now + timedelta(seconds=ttl_s) if ttl_s else None,
        "updated_at": now,
    }


def _checked(key: str) -> str:
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"state key must be 1..{KEY_MAX} characters, got {len(key)}")
    return key


def _live_value(row: Any) -> Any:
    if row is None or (row.expires_at is not None and row.expires_at <= _now()):
        return None
    return json.loads(row.value)


class MemoryState:
    """The StateStore's async interface in one process's memory: for a gateway without a database (unit tests,
    a fake stack). Least recently written keys are forgotten first."""

    def __init__(self, keys_kept: int = 10_000) -> None:
        from collections import OrderedDict

        self._values: OrderedDict[str, Any] = OrderedDict()
        self._keys_kept = keys_kept

    async def aget(self, key: str) -> Any:
        return json.loads(self._values[key]) if key in self._values else None

    async def aput(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        # Stored as JSON, like the database, so a caller never shares mutable objects with the store.
        self._values[_checked(key)] = json.dumps(value, ensure_ascii=False)
        self._values.move_to_end(key)
        while len(self._values) > self._keys_kept:
            self._values.popitem(last=False)

    async def adelete(self, key: str) -> None:
        self._values.pop(key, None)
