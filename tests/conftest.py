"""Shared fixtures. `kb` is the knowledge-base service on the committed data and the project's index, loaded once
per test session (read only: a test that changes it builds its own); `fake_kb` is the same data behind a stand-in
of the service, for actions tested without search (tests/fakes/knowledge_base.py).

`stack` starts the real assistant once per test session in its production topology: two Rasa servers and two
action servers sharing a PostgreSQL tracker store and a Redis lock store, behind two gateways (`stack.url` and
`stack.second_gateway`). It is the only stack of a session, so it carries from the start what every end-to-end
test needs: Telegram and Zalo as local fakes of their APIs (`stack_telegram`, `stack_zalo`), a host page of
another origin for the widget (`stack.host_url`), a staff account (STACK_ADMIN), reminders due a second after
they are accepted, and a private copy of the knowledge base (`stack.kb_dir`, its index beside it) and of the
staff NLU export (`stack.folder`), so tests that edit them never touch committed files. Tests keep apart by their
own senders, chat ids and procedures, or by comparing before and after; the few that change what the assistant
answers (marked `edits_stack_kb`) run after all the others (pytest_collection_modifyitems below)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fakes.knowledge_base import FakeKB
from tests.fakes.servers import ServerThread, free_port
from tests.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.website import host_page
from tests.fakes.zalo_api import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo
from tests.services import postgres_server, redis_server
from tests.stack_helpers import STACK_ADMIN, STACK_PASSWORD, RunningStack, start_stack, stack_env

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


def pytest_collection_modifyitems(config, items):
    """Tests that change what the session stack answers (an alias published, a procedure file edited) run last,
    in their own order, so that no other end-to-end test meets their edits."""
    last = [item for item in items if item.get_closest_marker("edits_stack_kb")]
    if last:
        items[:] = [item for item in items if not item.get_closest_marker("edits_stack_kb")] + last


def _served(fake):
    with ServerThread(fake.app) as server:
        fake.url = server.url
        yield fake


@pytest.fixture(scope="session")
def stack_telegram():
    """The session stack's Telegram: a local fake of the Bot API that both gateways long-poll."""
    yield from _served(FakeTelegram())


@pytest.fixture(scope="session")
def stack_zalo():
    """The session stack's Zalo OA API (local fake)."""
    yield from _served(FakeZalo())


@pytest.fixture(scope="session")
def stack(postgres_url, redis_url, stack_telegram, stack_zalo, tmp_path_factory) -> RunningStack:
    log = ROOT / "build" / "test-stack.log"
    folder = tmp_path_factory.mktemp("stack")
    kb_dir, index_dir = folder / "kb", folder / "index"
    shutil.copytree(ROOT / "knowledge_base" / "data", kb_dir)
    if (ROOT / "build" / "index" / "manifest.json").exists():
        # The same texts as the project's index: a copy saves building it again (minutes on 2 cores); the stack
        # still checks the manifest against the copied data and rebuilds if they differ.
        shutil.copytree(ROOT / "build" / "index", index_dir)
    host_port = free_port()  # the widget's host page: its origin must be allowed before the gateways start
    env = stack_env(
        {
            "DATABASE_URL": _new_database(postgres_url, "assistant"),
            "REDIS_URL": redis_url,
            "RASA_PROCESSES": "2",
            "RASA_AUTH_TOKEN": "test-stack-token",
            "ACTIONS_ADMIN_TOKEN": "test-stack-admin-token",
            "KB_DATA_DIR": str(kb_dir),
            "KB_INDEX_DIR": str(index_dir),
            "STAFF_NLU_FILE": str(folder / "staff_examples.yml"),
            "IMPACT_DIR": str(folder / "impact"),
            "WIDGET_SESSION_SECRET_FILE": str(folder / "widget-session-secret"),
            "BOT_ADMIN_USER": STACK_ADMIN,
            "BOT_ADMIN_PASSWORD": STACK_PASSWORD,
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_API_URL": stack_telegram.url,
            "ZALO_APP_ID": APP_ID,
            "ZALO_OA_SECRET_KEY": OA_SECRET_KEY,
            "ZALO_APP_SECRET": APP_SECRET,
            "ZALO_ACCESS_TOKEN": "access-1",
            "ZALO_REFRESH_TOKEN": "refresh-1",
            "ZALO_API_URL": stack_zalo.url,
            "ZALO_OAUTH_URL": stack_zalo.url,
            "ZALO_TOKEN_FILE": str(folder / "zalo-tokens.json"),
            "WIDGET_ALLOWED_ORIGINS": f"http://127.0.0.1:{host_port}",
            # Reminders due a second after they are accepted: the stack runs as processes, no clock to
            # move; every citizen is offered one (none held out).
            "REMINDER_DELAY": "1",
            "REMINDER_HOLDOUT": "0",
            "FUNNEL_EXCLUDED_SENDERS": "api:staff-e2e-*",
        },
        log,
    )
    # Trackers in PostgreSQL too (the database's default), as on several machines.
    env.pop("TRACKER_STORE_URL")
    try:
        running = start_stack({}, log, full_env=env)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        second = start_stack(
            {},
            ROOT / "build" / "test-stack-gateway-2.log",
            full_env={**env, "BOT_ROLES": "gateway", "BOT_PORT": str(free_port())},
        )
    except RuntimeError as exc:
        running.stop()
        pytest.fail(str(exc))
    running.second_gateway = second
    running.folder, running.kb_dir = folder, kb_dir
    try:
        with ServerThread(host_page(running.url), port=host_port) as host:
            running.host_url = host.url
            yield running
    finally:
        second.stop()
        running.stop()
