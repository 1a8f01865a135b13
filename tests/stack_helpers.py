"""Starting the real stack (`python -m bot run`) on free ports with extra settings: the session's (tests/conftest.py
`stack`, the only one a test session starts)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fakes.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = float(os.environ.get("STACK_START_TIMEOUT_S", "1200"))  # includes a first training
# The session stack's staff account (tests/conftest.py).
STACK_ADMIN, STACK_PASSWORD = "canbo-e2e", "Mat-khau-e2e-2026"


@dataclass
class RunningStack:
    url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    second_gateway: "RunningStack | None" = None
    folder: Path | None = None  # the session stack's private files (knowledge-base copy, NLU export)
    kb_dir: Path | None = None  # its knowledge-base copy (KB_DATA_DIR)
    host_url: str = ""  # a page of another origin embedding its widget

    def chat(self, sender_id: str, text: str) -> list[dict]:
        reply = httpx.post(f"{self.url}/api/chat", json={"sender_id": sender_id, "text": text}, timeout=60)
        assert reply.status_code == 200, reply.text
        return reply.json()["messages"]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def free_port_block(size: int) -> int:
    """A free port whose next `size - 1` ports are free too: Rasa and action servers take consecutive ports."""
    while True:
        base = free_port()
        if all(_port_free(base + i) for i in range(1, size)):
            return base


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def stack_env(env: dict[str, str], log_path: Path) -> dict[str, str]:
    """The environment of a test stack: free ports, its own tracker store, one Rasa server unless `env` asks
    for more (each Rasa server is a second of CPU per turn and a gigabyte of memory)."""
    processes = int(env.get("RASA_PROCESSES", "1"))
    ports = {
        "BOT_PORT": free_port(),
        "RASA_PORT": free_port_block(processes),
        "ACTIONS_PORT": free_port_block(processes),
    }
    return {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "BOT_HOST": "127.0.0.1",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
        "RASA_PROCESSES": "1",
        # A stack's conversations must not meet another stack's (or a developer's) test senders.
        "TRACKER_STORE_URL": f"sqlite:///{log_path.with_suffix('')}-trackers-{ports['RASA_PORT']}.db",
        # Every test citizen comes from 127.0.0.1: the per-address limit would count them as one client.
        "API_RATE_PER_ADDRESS": "100000",
        **env,
    }


def start_stack(env: dict[str, str], log_path: Path, *, full_env: dict[str, str] | None = None) -> RunningStack:
    """Starts the stack with `env` added to this process's environment and waits until /health says ready.

    `full_env` (from stack_env) starts it with exactly that environment, e.g. a second gateway of a stack.
    Raises RuntimeError with the log's tail when it exits or is not ready in time.
    """
    full_env = full_env or stack_env(env, log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = RunningStack(f"http://127.0.0.1:{full_env['BOT_PORT']}", process, log_path, full_env)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the stack exited with {process.returncode} before it was ready:\n{stack.log_tail()}")
        try:
            health = httpx.get(f"{stack.url}/health", timeout=2)
            # Every Rasa server up, not only the first: tests must not depend on which one loaded first.
            servers = str(health.json()["components"]["rasa"].get("servers_up", "1/1")).split("/")
            if health.status_code == 200 and servers[0] == servers[-1]:
                return stack
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        if time.monotonic() > deadline:
            stack.stop()
            raise RuntimeError(f"the stack was not healthy within {START_TIMEOUT_S:.0f} s:\n{stack.log_tail()}")
        time.sleep(1)
