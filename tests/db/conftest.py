"""Storage fixtures: every storage test runs against SQLite (file, WAL) and a real PostgreSQL server.

The PostgreSQL server is the session's (tests/conftest.py `postgres_url`, tests/services.py).
"""

from __future__ import annotations

import pytest

from bot.gateway.db.engine import create_db_engine, migrate, session_factory


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'console.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    engine = create_db_engine(url)
    with engine.begin() as connection:
        # Each test gets an empty database: drop everything the previous one migrated.
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    """A session whose writes are committed, so tests see what a second process would see."""
    with session_factory(engine)() as session:
        yield session
