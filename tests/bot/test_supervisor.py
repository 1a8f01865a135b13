"""The supervisor keeps going when a child cannot start, and restarts a child that stops answering."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import httpx

from bot.supervisor import Child, Supervisor
from tests.fakes.servers import free_port


def _run_in_background(supervisor: Supervisor) -> threading.Thread:
    thread = threading.Thread(target=supervisor.run, args=(time.monotonic(), "http://x/"), daemon=True)
    thread.start()
    return thread


def _until(condition, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_child_that_cannot_start_is_retried_and_the_others_run(tmp_path):
    port = free_port()
    missing = Child("missing", [str(tmp_path / "no-such-program")], dict(os.environ))
    server = Child("server", [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                   dict(os.environ), probe_url=f"http://127.0.0.1:{port}/")
    supervisor = Supervisor([missing, server], None)
    thread = _run_in_background(supervisor)
    try:
        assert _until(lambda: missing.restarts >= 2), "the missing program was not retried"
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    finally:
        supervisor.stopping.set()
        thread.join(30)


def test_a_hung_child_is_killed_and_restarted():
    port = free_port()
    server = Child("server", [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                   dict(os.environ), probe_url=f"http://127.0.0.1:{port}/", probe_every_s=0.3,
                   probe_timeout_s=0.5, probe_failures_to_restart=3)
    supervisor = Supervisor([server], None)
    thread = _run_in_background(supervisor)
    try:
        assert _until(lambda: server.answered), "the child never answered its probe"
        hung = server.proc.pid
        os.kill(hung, signal.SIGSTOP)   # alive, holding its port, answering nothing
        assert _until(lambda: server.proc.pid != hung and server.answered), "the hung child was not replaced"
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    finally:
        supervisor.stopping.set()
        thread.join(30)
