"""Turns recorded off the reply path: the citizen's reply never waits for the database.

The observer only puts the turn on a bounded queue; one background task writes turns in order on a worker
thread. The turns waiting when the writer comes round are written in one transaction (so a backlog drains
with one commit per batch, not per turn); if that transaction fails, each turn is retried on its own. When the
queue is full (the database far behind), the turn waits for room: slower replies, but no turn is ever dropped
without a word in the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.gateway.conversation.models import IncomingMessage, Reply

logger = logging.getLogger(__name__)
QUEUE_SIZE = 10_000
BATCH = 200
RETRY_S = 1.0
CLOSE_WAIT_S = 10.0


class RecordingQueue:
    def __init__(
        self, record_all: Callable[[list[tuple[IncomingMessage, Reply]]], None], maxsize: int = QUEUE_SIZE
    ) -> None:
        """`record_all(turns)` stores the turns in one transaction: all of them, or none (it raises)."""
        self._record_all = record_all
        self._queue: asyncio.Queue[tuple[IncomingMessage, Reply]] | None = None
        self._maxsize = maxsize
        self._writer: asyncio.Task | None = None
        self._warned_at = 0.0

    async def __call__(self, incoming: IncomingMessage, reply: Reply) -> None:
        queue = self._started()
        try:
            queue.put_nowait((incoming, reply))
        except asyncio.QueueFull:
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                logger.warning("turn recording is %d turns behind; replies wait for the database", queue.qsize())
            await queue.put((incoming, reply))

    def _started(self) -> asyncio.Queue:
        # Created on first use: the queue and its task belong to the event loop serving citizens.
        if self._queue is None:
            self._queue = asyncio.Queue(self._maxsize)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="turn-recorder")
        return self._queue

    async def join(self) -> None:
        """Wait until every turn queued so far is written (tests, shutdown)."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self) -> None:
        if self._queue is None or self._writer is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), CLOSE_WAIT_S)
        except asyncio.TimeoutError:
            logger.error("stopping with %d turns not recorded", self._queue.qsize())
        self._writer.cancel()
        await asyncio.gather(self._writer, return_exceptions=True)

    async def _write_forever(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await asyncio.to_thread(self._write, batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _write(self, batch: list[tuple[IncomingMessage, Reply]]) -> None:
        if len(batch) > 1:
            try:
                self._record_all(batch)
                return
            except Exception:
                logger.warning(
                    "recording %d turns together failed; recording them one by one", len(batch), exc_info=True
                )
        for incoming, reply in batch:
            for attempt in (1, 2):
                try:
                    self._record_all([(incoming, reply)])
                    break
                except Exception:
                    if attempt == 2:
                        logger.exception("turn of %s:%s could not be recorded", incoming.channel, incoming.sender_id)
                    else:
                        time.sleep(RETRY_S)
