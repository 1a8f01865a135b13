"""Real PostgreSQL and Redis servers from Debian's packages, started for a test session on free ports.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the unprivileged
"nobody" user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fakes.servers import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a SQLAlchemy URL (psycopg 3) of an empty database on a private socket folder."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(
            f"PostgreSQL server binaries not found in {PG_BIN}: install Debian's postgresql-15 "
            "(`make test` does) or set PG_BIN"
        )
    folder = Path(tempfile.mkdtemp(prefix="sxd-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data, port = folder / "data", free_port()
    run = dict(check=True, capture_output=True, text=True)
    subprocess.run(
        _as_server_user(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        **run,
    )
    subprocess.run(
        _as_server_user(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                f"-p {port} -k {folder} -c listen_addresses='' -c max_connections=200",
                "-w",
                "start",
            ]
        ),
        **run,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


class RedisServer:
    """A private, unsaved redis-server on a fixed port, which can be restarted on the same port."""

    def __init__(self, port: int | None = None) -> None:
        if not Path(REDIS_SERVER).exists():
            raise RuntimeError("redis-server not found: install Debian's redis-server (`make test` does)")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/1"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextmanager
def redis_server() -> Iterator[str]:
    """Yields redis://127.0.0.1:<port>/1 of a private, unsaved Redis."""
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def restart_postgres_command(url: str) -> list[str]:
    """The command that restarts (fast shutdown, then start) the server of a URL postgres_server() yielded."""
    folder = Path(url.split("host=", 1)[1].split("&", 1)[0])
    # -l again: without it the restarted server would write to (and hold open) the caller's pipes.
    return _as_server_user(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(folder / "data"),
            "-l",
            str(folder / "server.log"),
            "-m",
            "fast",
            "-w",
            "restart",
        ]
    )


def restart_postgres(url: str) -> None:
    subprocess.run(restart_postgres_command(url), check=True, capture_output=True)
