"""The impact check in a process of its own, started with the gateway and warmed at once.

Ranking a few thousand questions against two knowledge bases keeps a core busy for seconds. In the gateway's
thread pool that time was taken from citizens' turns (the GIL and the cores are shared), and a first check
after a start loaded the search model, the index and the current answers: 20-25 s. The worker runs at a lower
priority than the processes that answer citizens, loads all of that when the gateway starts, and keeps it
between checks (knowledge_base.impact remembers vectors and the current answers per content hash).

Only picklable things cross: the questions, an :class:`Edit` (what a publish call would change), and the
:class:`Impact` or the console error the change was refused with.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.config import SearchSettings
from knowledge_base.impact import Impact, ImpactChecker, Question

logger = logging.getLogger("bot.gateway.console.impact")

WORKER_NICE = 10  # staff wait a little longer for a check; citizens' turns do not wait for it
PARENT_CHECK_S = 2.0

_checker: ImpactChecker | None = None


@dataclass(frozen=True)
class Edit:
    """A change as a publish call makes it, applied to a data folder: ``Edit("alias", code, text)``,
    ``Edit("short_title", code, title)`` or ``Edit("import", "", xlsx_bytes)``."""

    kind: str
    code: str
    value: str | bytes

    def __call__(self, root: Path) -> object:
        from bot.gateway.console import teach

        if self.kind == "alias":
            return teach.add_alias(root, self.code, self.value)
        if self.kind == "short_title":
            return teach.set_short_title(root, self.code, self.value)
        if self.kind == "import":
            return import_sheet(root, self.value)
        raise ValueError(f"unknown change kind {self.kind!r}")


def import_sheet(root: Path, content: bytes) -> int:
    import tempfile

    from knowledge_base.ingest import kb_xlsx

    with tempfile.TemporaryDirectory(prefix="import-") as scratch:
        path = Path(scratch) / "nhap.xlsx"
        path.write_bytes(content)
        return kb_xlsx.import_xlsx(path, root=Path(root))


@dataclass(frozen=True)
class Refused:
    """A change the publish call would refuse too (the console error's fields; exceptions with their own
    constructor arguments do not survive pickling)."""

    status: int
    message: str
    field: str | None


def run_check(checker: ImpactChecker, questions: list[Question], edit, proposed_settings=None) -> Impact | Refused:
    from bot.gateway.console.service import ConsoleError, ConsoleService

    try:
        return ConsoleService._teach(checker.check, questions, edit, proposed_settings)
    except ConsoleError as exc:
        return Refused(exc.status, exc.message, exc.field)


# --- in the worker process ---------------------------------------------------------------------------


def _start(settings: SearchSettings, data_root: Path, work_dir: Path) -> None:
    global _checker
    try:
        os.nice(WORKER_NICE)
    except OSError:
        pass
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()
    _checker = ImpactChecker(settings, data_root, work_dir)


def _exit_with_parent(parent: int) -> None:
    """A gateway killed outright (the supervisor's SIGKILL of a hung one) never closes its pool, and an
    orphaned worker would keep its model in memory for good: it leaves once it is no longer the gateway's."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _warm(questions: list[Question]) -> float:
    started = time.monotonic()
    _checker.warm(questions)
    return time.monotonic() - started


def _check(questions: list[Question], edit, proposed_settings) -> Impact | Refused:
    return run_check(_checker, questions, edit, proposed_settings)


# --- in the gateway ----------------------------------------------------------------------------------


class ImpactWorker:
    """One worker process per gateway; a worker that died is started again at the next call."""

    def __init__(self, settings: SearchSettings, data_root: Path, work_dir: Path) -> None:
        self._args = (settings, Path(data_root), Path(work_dir))
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: the gateway runs threads and an event loop, which a forked child must not inherit.
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=self._args
                )
            return self._pool

    def _submit(self, fn, *args) -> Future:
        try:
            return self._executor().submit(fn, *args)
        except BrokenProcessPool:
            self._drop()
            return self._executor().submit(fn, *args)

    def _drop(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def warm_later(self, questions: list[Question]) -> Future:
        future = self._submit(_warm, questions)
        future.add_done_callback(_log_warm)
        return future

    def check(
        self, questions: list[Question], edit, proposed_settings: SearchSettings | None = None
    ) -> Impact | Refused:
        if not questions:  # only the change's own validity to check: no model needed, so no worker either
            return run_check(ImpactChecker(*self._args), questions, edit, proposed_settings)
        try:
            return self._submit(_check, questions, edit, proposed_settings).result()
        except BrokenProcessPool:
            # The worker died under this check (killed, out of memory): once more in a new one.
            self._drop()
            return self._submit(_check, questions, edit, proposed_settings).result()

    def pid(self) -> int | None:
        """The worker process's id once it runs (for logs and for tests that kill it)."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return next(iter(processes), None)

    def close(self) -> None:
        self._drop()


def _log_warm(future: Future) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        logger.warning("impact check: warming up failed (%s); the next check loads what it needs", error)
    else:
        logger.info("impact check: ready in %.1f s", future.result())


class InProcess:
    """The same calls in the caller's process: for scripts and tests that have no gateway."""

    def __init__(self, checker: ImpactChecker) -> None:
        self.checker = checker

    def warm_later(self, questions: list[Question]) -> None:
        self.checker.warm(questions)

    def check(
        self, questions: list[Question], edit, proposed_settings: SearchSettings | None = None
    ) -> Impact | Refused:
        return run_check(self.checker, questions, edit, proposed_settings)

    def close(self) -> None:
        pass
