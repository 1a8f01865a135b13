"""Shared fixtures. `stack` starts the real assistant once per test session, as `make run` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stack_helpers import RunningStack, start_stack

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data" / "national-tthc").is_dir():
        pytest.fail(f"shared data not found at {SHARED}: the project expects ../shared beside the clone")
    return SHARED


@pytest.fixture(scope="session")
def stack() -> RunningStack:
    try:
        running = start_stack({}, ROOT / "build" / "test-stack.log")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield running
    running.stop()
