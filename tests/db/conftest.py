"""Storage fixtures: every storage test runs against SQLite (file, WAL) and a real PostgreSQL server.

The PostgreSQL server is Debian's (postgresql-15), started for the test session in a temporary folder on
a free port and a private socket folder, and stopped afterwards. PostgreSQL refuses to run as root, so
when the tests run as root the server runs as the unprivileged "nobody" user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.db.engine import create_db_engine, migrate, session_factory

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres_url():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN}: install Debian's postgresql-15 "
                    "(`make test` does) or set PG_BIN")
    folder = Path(tempfile.mkdtemp(prefix="sxd-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data, port = folder / "data", _free_port()
    run = dict(check=True, capture_output=True, text=True)
    subprocess.run(_as_server_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]), **run)
    subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                                    "-o", f"-p {port} -k {folder} -c listen_addresses=''", "-w", "start"]), **run)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


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
