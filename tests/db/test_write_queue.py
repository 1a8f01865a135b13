"""SQLite writers of one process take turns on a lock (bot/gateway/db/engine.py): every write lands, and a write that
ends any way (commit, rollback, a connection dropped mid-transaction, an error) lets the next one in."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.state import StateStore


@pytest.fixture
def engine(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def _in_thread(work, timeout_s: float = 10.0) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout_s)
    assert not thread.is_alive(), "a writer waited for a lock nobody held"
    assert not errors, errors


def test_concurrent_writers_all_land(engine):
    store = StateStore(session_factory(engine))

    def writer(n: int) -> None:
        for i in range(40):
            store.put(f"k{n}:{i}", {"n": n, "i": i})
            assert store.get(f"k{n}:{i}") == {"n": n, "i": i}

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(store.keys("k")) == 8 * 40


@pytest.mark.parametrize("ending", ["rollback", "dropped", "error"])
def test_a_write_ended_without_commit_lets_the_next_one_in(engine, ending):
    store = StateStore(session_factory(engine))

    def unfinished() -> None:
        connection = engine.connect()
        connection.execute(
            text("INSERT INTO gateway_state (key, value, updated_at) VALUES ('lost', '1', CURRENT_TIMESTAMP)")
        )
        if ending == "rollback":
            connection.rollback()
            connection.close()
        elif ending == "dropped":
            connection.close()
        else:
            with pytest.raises(Exception):
                connection.execute(text("INSERT INTO no_such_table VALUES (1)"))
            connection.close()

    _in_thread(unfinished)
    # Another thread, as the gateway's worker threads are: it must not wait for the lock of the first.
    _in_thread(lambda: store.put("next", {"ok": True}))
    assert store.get("next") == {"ok": True}
    assert store.get("lost") is None


def test_a_read_on_the_event_loop_sees_every_write_of_another_gateway(tmp_path):
    import asyncio

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    writer_engine, reader_engine = create_db_engine(url), create_db_engine(url)
    migrate(writer_engine)
    writer, reader = StateStore(session_factory(writer_engine)), StateStore(session_factory(reader_engine))

    async def turns() -> list:
        seen = []
        for value in ("first", "second", "third"):
            await writer.aput("offers:api:x", {"latest": value})
            seen.append(await reader.aget("offers:api:x"))
        return seen

    try:
        assert asyncio.run(turns()) == [{"latest": v} for v in ("first", "second", "third")]
    finally:
        writer_engine.dispose()
        reader_engine.dispose()
