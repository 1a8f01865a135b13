"""Rasa's SQL tracker store, made cheaper per turn. Loaded by Rasa (in .venv-rasa) from the endpoints file that
bot/supervisor/topology.py writes, as `type: bot.rasa_plugins.tracker_store.SQLTrackerStore`, for SQLite and
PostgreSQL alike.

What a turn cost in Rasa's own store, and what is done instead (same table, same rows, same query):
- SQLAlchemy 1.4 gives a SQLite file no connection pool, so a new connection (and SQLite reading the schema again)
  was opened three times per turn. SQLite connections are pooled here; with the write-ahead log,
  `synchronous=NORMAL` is safe against a killed process (only a power loss can drop the last commits), and it keeps
  an fsync per turn out of Rasa's event loop, which this store blocks. PostgreSQL keeps Rasa's own engine.
- Every save counted the conversation's stored events with a query to find which events of the tracker are new.
  A tracker this store read back already says how many of its events are stored; that number rides on the tracker
  object and is kept current by each save. Rasa's count is still used for a tracker that did not come from here
  and once a session start is stored after the first event (see `_known_stored`).
- A database restart (PostgreSQL's takes a second or two) made a save fail, and Rasa then kept the turn in memory
  only (its fail-safe store): the citizen was answered and the turn was lost for every other server. Reads and
  saves here wait for the database (bot/outage.py, up to 10 s), and a save retried counts what is stored again, so a
  commit that went through before its connection dropped is not written twice.
- The queries were ORM queries, rebuilt and compiled on every call and read as ORM objects: they are built once
  here, read the JSON column only, and new events are written with one multi-row insert. Together about a fifth of
  a Rasa server's CPU per turn under load, with the lock store's share (bot/rasa_plugins/lock_store.py).

`_retrieve` is private in Rasa: this module refuses to load (bot/patch_guard.py) unless Rasa is of the 3.6 series
it was written for and its store still has `_retrieve`, `stream_events` and `SQLEvent` as used here.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from bot.outage import outlasting_outage
from bot.patch_guard import require_attribute, require_version

PATCH = "bot.rasa_plugins.tracker_store"
require_version("rasa", PATCH)
require_attribute(
    tracker_store.SQLTrackerStore, "_retrieve", PATCH, "rasa", ("self", "sender_id", "fetch_events_from_all_sessions")
)
require_attribute(tracker_store.SQLTrackerStore, "save", PATCH, "rasa", ("self", "tracker"))
require_attribute(tracker_store.SQLTrackerStore, "stream_events", PATCH, "rasa", ("self", "tracker"))
require_attribute(tracker_store.SQLTrackerStore, "SQLEvent", PATCH, "rasa")

# Attribute on a tracker object: how many of its events (from the first) are in the table.
STORED = "_sxd_stored_events"


class SQLTrackerStore(tracker_store.SQLTrackerStore):
    def __init__(self, domain: Any = None, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        self._statements()
        if self.engine.dialect.name != "sqlite":
            return
        url = self.engine.url
        self.engine.dispose()
        # One Rasa server runs one event loop: a few connections cover it; check_same_thread is off because
        # SQLAlchemy hands a pooled connection back from whichever thread closed the session.
        self.engine = sa.create_engine(
            url,
            poolclass=QueuePool,
            pool_size=4,
            max_overflow=4,
            connect_args={"check_same_thread": False, "timeout": 15},
        )
        event.listen(self.engine, "connect", _pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _statements(self) -> None:
        # Rasa's own queries (`_event_query`), built once: an ORM query is rebuilt and compiled on every call.
        table = self.SQLEvent.__table__
        sender = table.c.sender_id == sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(sender, table.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        since_start = sa.and_(sender, sa.or_(table.c.timestamp >= session_start, session_start.is_(None)))
        self._all_sessions = sa.select(table.c.data).where(sender).order_by(table.c.id)
        self._last_session = sa.select(table.c.data).where(since_start).order_by(table.c.id)
        self._count_last_session = sa.select(sa.func.count()).select_from(table).where(since_start)
        self._insert = table.insert()

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        query = self._all_sessions if fetch_events_from_all_sessions else self._last_session

        def read() -> list:
            with self.engine.connect() as connection:
                return connection.execute(query, {"sender_id": sender_id}).all()

        rows = await outlasting_outage(read, inline=True)
        if not self.domain or not rows:
            return None
        events = [json.loads(data) for (data,) in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions and len(tracker.events) == len(events):
            setattr(tracker, STORED, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        events = list(tracker.events)
        tries = 0

        def write() -> None:
            nonlocal tries
            tries += 1
            with self.engine.begin() as connection:
                stored = _known_stored(tracker, events) if tries == 1 else None
                if stored is None:
                    stored = connection.execute(self._count_last_session, {"sender_id": tracker.sender_id}).scalar()
                rows = [self._row(tracker.sender_id, e) for e in events[stored:]]
                if rows:
                    connection.execute(self._insert, rows)

        await outlasting_outage(write, inline=True)
        setattr(tracker, STORED, len(events))

    @staticmethod
    def _row(sender_id: str, e: Any) -> dict:
        data = e.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": e.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }


def _known_stored(tracker: DialogueStateTracker, events: list) -> int | None:
    """How many of `events` Rasa's count would call stored, when the tracker object alone tells.

    Rasa counts the stored events since the newest stored session start. A tracker read back starts with its
    session's start, and one made new has none stored, so while no later session start has been stored, that count
    is the events stored from this object. A session started in this turn but not yet saved does not change it."""
    stored = getattr(tracker, STORED, None)
    if stored is None or stored > len(events):
        return None
    if any(isinstance(e, SessionStarted) for e in events[1:stored]):
        return None
    return stored


def _pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
