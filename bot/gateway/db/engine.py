"""Database engine from DATABASE_URL (SQLite in WAL mode by default, PostgreSQL through a URL) and migrations."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "assistant.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Statements that take SQLite's one write lock (a deferred transaction takes it at its first write).
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN IMMEDIATE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
SQLITE_BUSY_S = 15


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        # The project ships psycopg 3; a plain postgresql:// URL must not look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    queued = _queued_writes()
    engine = create_engine(
        parsed, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_S, "factory": queued}
    )

    @event.listens_for(engine, "before_cursor_execute")
    def _take(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
        if _WRITES.match(statement):
            connection.connection.dbapi_connection.take()

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # WAL: the dashboard reads while the gateway records turns, without blocking each other.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _queued_writes() -> type[sqlite3.Connection]:
    """SQLite connections that write one transaction at a time in this process, queued on a lock.

    SQLite has one writer; another one waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15 … ms between
    tries, so a state write that met the recorder's batch cost a citizen's reply tens of milliseconds. Queued
    here, the next writer starts the moment the last one has committed. Other processes (a CLI command) are
    still handled by SQLite's busy timeout."""
    lock = threading.Lock()
    owner: list[int | None] = [None]

    class QueuedWrites(sqlite3.Connection):
        writing = False

        def take(self) -> None:
            if self.writing or owner[0] == threading.get_ident():
                return  # already this thread's turn (a second connection of one unit of work)
            # Bounded like SQLite's own wait: past it, SQLite's busy handler decides, as without the queue.
            if lock.acquire(timeout=SQLITE_BUSY_S):
                self.writing, owner[0] = True, threading.get_ident()

        def release(self) -> None:
            if self.writing:
                self.writing, owner[0] = False, None
                lock.release()

        def _ending(self, end) -> None:
            # Released after the database has ended the transaction, whichever way it ends.
            try:
                end()
            finally:
                self.release()

        def commit(self) -> None:
            self._ending(super().commit)

        def rollback(self) -> None:
            self._ending(super().rollback)

        def close(self) -> None:
            self._ending(super().close)

    return QueuedWrites


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call at every start."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def upsert_insert(dialect: str, table: Any) -> Any:
    """An INSERT on `table` that can take ON CONFLICT DO UPDATE: SQLite's and PostgreSQL's are separate constructs."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
