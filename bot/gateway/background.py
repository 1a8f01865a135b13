"""One asyncio task per object, started once and cancelled on stop: the gateway's loops that poll the database
(queued channel messages, due reminders) start with the app and stop with it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class BackgroundTask:
    def __init__(self, run: Callable[[], Awaitable[None]], name: str) -> None:
        self._run, self._name = run, name
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
