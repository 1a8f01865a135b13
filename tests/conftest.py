"""Shared fixtures. `stack` starts the real assistant once per test session, as `make run` does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
STACK_START_TIMEOUT_S = float(os.environ.get("STACK_START_TIMEOUT_S", "1200"))  # includes a first training


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    url: str
    process: subprocess.Popen
    log_path: Path

    def chat(self, sender_id: str, text: str) -> list[dict]:
        reply = httpx.post(f"{self.url}/api/chat", json={"sender_id": sender_id, "text": text}, timeout=60)
        assert reply.status_code == 200, reply.text
        return reply.json()["messages"]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data" / "national-tthc").is_dir():
        pytest.fail(f"shared data not found at {SHARED}: the project expects ../shared beside the clone")
    return SHARED


@pytest.fixture(scope="session")
def stack() -> Stack:
    ports = {"BOT_PORT": free_port(), "RASA_PORT": free_port(), "ACTIONS_PORT": free_port()}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "BOT_HOST": "127.0.0.1",
           "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"}
    log_path = ROOT / "build" / "test-stack.log"
    log_path.parent.mkdir(exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    stack = Stack(f"http://127.0.0.1:{ports['BOT_PORT']}", process, log_path)
    deadline = time.monotonic() + STACK_START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the stack exited with {process.returncode} before it was ready:\n{stack.log_tail()}")
            try:
                if httpx.get(f"{stack.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the stack was not healthy within {STACK_START_TIMEOUT_S:.0f} s:\n{stack.log_tail()}")
            time.sleep(1)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()
