"""The gateways' shared state store, on SQLite and PostgreSQL: expiry, and read-change-write that two
gateways (here: threads) cannot interleave."""

from __future__ import annotations

import threading
import time

from bot.db.engine import session_factory
from bot.state import StateStore


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
