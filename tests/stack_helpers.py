"""Starting the real stack (`python -m bot run`) on free ports with extra settings, for tests that need their own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.fakes.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = float(os.environ.get("STACK_START_TIMEOUT_S", "1200"))  # includes a first training


@dataclass
class RunningStack:
    url: str
    process: subprocess.Popen
    log_path: Path

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


def start_stack(env: dict[str, str], log_path: Path) -> RunningStack:
    """Starts the stack with `env` added to this process's environment and waits until /health says ready.

    Raises RuntimeError with the log's tail when it exits or is not ready in time.
    """
    ports = {"BOT_PORT": free_port(), "RASA_PORT": free_port(), "ACTIONS_PORT": free_port()}
    full_env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "BOT_HOST": "127.0.0.1",
                "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1",
                # Every test citizen comes from 127.0.0.1: the per-address limit would count them as one client.
                "API_RATE_PER_ADDRESS": "100000", **env}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=full_env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    stack = RunningStack(f"http://127.0.0.1:{ports['BOT_PORT']}", process, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the stack exited with {process.returncode} before it was ready:\n{stack.log_tail()}")
        try:
            if httpx.get(f"{stack.url}/health", timeout=2).status_code == 200:
                return stack
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stack.stop()
            raise RuntimeError(f"the stack was not healthy within {START_TIMEOUT_S:.0f} s:\n{stack.log_tail()}")
        time.sleep(1)
