"""Waiting out a database restart: a turn that needs the database while it restarts waits for it rather than fail.
Used by the gateway's state store and by Rasa's tracker store (bot/rasa_plugins/tracker_store.py; this module needs only
SQLAlchemy, which both environments install).

PostgreSQL restarts (or fails over) in a second or two; a citizen's turn can wait that long. Past OUTAGE_WAIT_S
the error stands, and the gateway answers "unavailable, try again" (bot/gateway/app.py), never a bare error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

logger = logging.getLogger(__name__)
OUTAGE_WAIT_S = 10.0
T = TypeVar("T")
# What a database that cannot be reached raises (a refused or dropped connection, a server shutting down).
UNREACHABLE = (OperationalError, InterfaceError)


async def outlasting_outage(
    call: Callable[..., T], *args: Any, wait_s: float = OUTAGE_WAIT_S, inline: bool = False
) -> T:
    """call(*args) again while the database cannot be reached, for up to `wait_s`: on a worker thread, or on
    the caller's loop with `inline` (Rasa's tracker store, which runs its queries there)."""
    deadline, pause = time.monotonic() + wait_s, 0.05
    while True:
        try:
            return call(*args) if inline else await asyncio.to_thread(call, *args)
        except UNREACHABLE as error:
            if time.monotonic() + pause > deadline:
                raise
            logger.warning("database unreachable (%s); retrying", error.__class__.__name__)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)
