"""The login throttle counts in one statement, so parallel attempts cannot all pass the check (both databases)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.gateway.db import repositories as repo
from bot.gateway.db.engine import session_factory
from bot.gateway.db.models import utcnow

WINDOW = timedelta(minutes=5)


def test_twenty_parallel_attempts_five_counted(engine):
    sessions = session_factory(engine)

    def attempt(_):
        with sessions() as db:
            allowed = repo.take_login_attempt(db, key="user:quantri", limit=5, window=WINDOW)
            db.commit()
            return allowed

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert results.count(True) == 5


def test_the_window_passes_and_success_gives_back(engine):
    sessions = session_factory(engine)
    with sessions() as db:
        past = utcnow() - WINDOW - timedelta(seconds=1)
        assert all(repo.take_login_attempt(db, key="addr:x", limit=2, window=WINDOW, now=past) for _ in range(2))
        assert not repo.take_login_attempt(db, key="addr:x", limit=2, window=WINDOW, now=past)
        assert repo.take_login_attempt(db, key="addr:x", limit=2, window=WINDOW)  # a new window
        assert repo.take_login_attempt(db, key="addr:x", limit=2, window=WINDOW)
        assert not repo.take_login_attempt(db, key="addr:x", limit=2, window=WINDOW)
        repo.give_back_login_attempt(db, key="addr:x")
        assert repo.take_login_attempt(db, key="addr:x", limit=2, window=WINDOW)
        db.commit()
