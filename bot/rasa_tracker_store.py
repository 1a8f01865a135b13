"""Rasa's SQL tracker store, with SQLite connections kept open. Loaded by Rasa (in .venv-rasa) from the endpoints
file that bot/topology.py writes, as `type: bot.rasa_tracker_store.SQLTrackerStore`.

SQLAlchemy 1.4 gives a SQLite file no connection pool, so Rasa's store opened a new connection (and SQLite read
the schema again) three times per turn: about a tenth of a Rasa server's CPU under load. Here SQLite connections
are pooled; with the write-ahead log, `synchronous=NORMAL` is safe against a killed process (only a power loss
can drop the last commits), and it keeps an fsync per turn out of Rasa's event loop, which this store blocks.
PostgreSQL is left exactly as Rasa sets it up (Rasa pools those connections already).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store
from sqlalchemy import event
from sqlalchemy.pool import QueuePool


class SQLTrackerStore(tracker_store.SQLTrackerStore):
    def __init__(self, domain: Any = None, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        if self.engine.dialect.name != "sqlite":
            return
        url = self.engine.url
        self.engine.dispose()
        # One Rasa server runs one event loop: a few connections cover it; check_same_thread is off because
        # SQLAlchemy hands a pooled connection back from whichever thread closed the session.
        self.engine = sa.create_engine(url, poolclass=QueuePool, pool_size=4, max_overflow=4,
                                       connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(self.engine, "connect", _pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def _pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
