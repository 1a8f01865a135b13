"""Shared fixtures. `kb` is the knowledge-base service on the committed data and the project's index, loaded once
per test session (read only: a test that changes it builds its own); `fake_kb` is the same data behind a stand-in
of the service, for actions tested without search (tests/fakes/knowledge_base.py). `stack` starts the real assistant once per test session in its production topology:
two Rasa servers and two action servers sharing a PostgreSQL tracker store and a Redis lock store, behind
two gateways (`stack.url` and `stack.second_gateway`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fakes.knowledge_base import FakeKB
from tests.fakes.servers import free_port
from tests.services import postgres_server, redis_server
from tests.stack_helpers import RunningStack, start_stack, stack_env

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data" / "national-tthc").is_dir():
        pytest.fail(f"shared data not found at {SHARED}: the project expects ../shared beside the clone")
    return SHARED


@pytest.fixture(scope="session")
def kb():
    from knowledge_base.service import KnowledgeBase

    knowledge_base = KnowledgeBase.from_settings()  # the committed data and the project's index (reused when current)
    knowledge_base.load()
    return knowledge_base


@pytest.fixture(scope="session")
def fake_kb() -> FakeKB:
    return FakeKB()


@pytest.fixture(scope="session")
def postgres_url():
    """The session's PostgreSQL server; its database "postgres" belongs to the storage tests (tests/db)."""
    try:
        with postgres_server() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def redis_url():
    try:
        with redis_server() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _new_database(server_url: str, name: str) -> str:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.replace("/postgres?", f"/{name}?", 1)


@pytest.fixture(scope="session")
def stack(postgres_url, redis_url) -> RunningStack:
    log = ROOT / "build" / "test-stack.log"
    env = stack_env({"DATABASE_URL": _new_database(postgres_url, "assistant"), "REDIS_URL": redis_url,
                     "RASA_PROCESSES": "2", "RASA_AUTH_TOKEN": "test-stack-token",
                     "ACTIONS_ADMIN_TOKEN": "test-stack-admin-token"}, log)
    # Trackers in PostgreSQL too (the database's default), as on several machines.
    env.pop("TRACKER_STORE_URL")
    try:
        running = start_stack({}, log, full_env=env)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        second = start_stack({}, ROOT / "build" / "test-stack-gateway-2.log",
                             full_env={**env, "BOT_ROLES": "gateway", "BOT_PORT": str(free_port())})
    except RuntimeError as exc:
        running.stop()
        pytest.fail(str(exc))
    running.second_gateway = second
    yield running
    second.stop()
    running.stop()
