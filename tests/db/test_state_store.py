"""The gateways' shared state store, on SQLite and PostgreSQL: expiry, and read-change-write that two
gateways (here: threads) cannot interleave."""

from __future__ import annotations

import threading
import time

from bot.gateway.channels.state_claims import StateClaims
from bot.gateway.db.engine import session_factory
from bot.gateway.state import StateStore


def test_a_document_expires_and_is_no_longer_listed(engine):
    store = StateStore(session_factory(engine))
    store.put("widget:a", {"entries": [1]}, ttl_s=0.2)
    store.put("widget:b", {"entries": []})
    assert store.get("widget:a") == {"entries": [1]}
    time.sleep(0.3)
    assert store.get("widget:a") is None
    assert store.keys("widget:") == ["widget:b"]
    assert store.purge_expired() == 1


def test_concurrent_updates_are_never_lost(engine):
    store = StateStore(session_factory(engine))
    store.put("counter", 0)

    def add_many():
        for _ in range(25):
            store.update("counter", lambda value: (value or 0) + 1)

    threads = [threading.Thread(target=add_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("counter") == 150


def test_a_claim_is_won_once_per_key(engine):
    # Telegram updates and Zalo messages are answered by the gateway that claims them first: on PostgreSQL a
    # claim that never reads as won would leave every message unanswered (the driver gives no rowcount).
    claims = StateClaims(session_factory(engine))
    assert claims.first("telegram:1:update:1000", 1, 60)
    assert not claims.first("telegram:1:update:1000", 1, 60)
    assert claims.first("telegram:1:update:1001", 1, 60)


def test_a_gateway_write_and_read_wait_out_a_postgresql_restart():
    # A server of its own: restarting the session's would pull the database from under the other tests.
    import asyncio
    import subprocess

    from bot.gateway.db.engine import create_db_engine, migrate
    from tests.services import postgres_server, restart_postgres_command

    with postgres_server() as url:
        engine = create_db_engine(url)
        migrate(engine)
        store = StateStore(session_factory(engine))

        async def go():
            await store.aput("offers:api:c1", {"latest": []})
            restart = subprocess.Popen(
                restart_postgres_command(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            while await asyncio.to_thread(_answers, engine):  # until the server is really going down
                await asyncio.sleep(0.01)
            await store.aput("offers:api:c1", {"latest": [["Lệ phí", "/ask_fee"]]})
            value = await store.aget("offers:api:c1")
            await asyncio.to_thread(restart.wait)
            return value

        try:
            assert asyncio.run(go()) == {"latest": [["Lệ phí", "/ask_fee"]]}
        finally:
            engine.dispose()


def _answers(engine) -> bool:
    from sqlalchemy.exc import OperationalError

    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except OperationalError:
        return False
