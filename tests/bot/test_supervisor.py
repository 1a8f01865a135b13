"""The supervisor keeps going when a child cannot start, and restarts a child that stops answering."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import httpx
import pytest

from bot.supervisor.processes import Child, Supervisor
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
    server = Child(
        "server",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        dict(os.environ),
        probe_url=f"http://127.0.0.1:{port}/",
    )
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
    server = Child(
        "server",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        dict(os.environ),
        probe_url=f"http://127.0.0.1:{port}/",
        probe_every_s=0.3,
        probe_timeout_s=0.5,
        probe_failures_to_restart=3,
    )
    supervisor = Supervisor([server], None)
    thread = _run_in_background(supervisor)
    try:
        assert _until(lambda: server.answered), "the child never answered its probe"
        hung = server.proc.pid
        os.kill(hung, signal.SIGSTOP)  # alive, holding its port, answering nothing
        assert _until(lambda: server.proc.pid != hung and server.answered), "the hung child was not replaced"
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    finally:
        supervisor.stopping.set()
        thread.join(30)


# A server that accepts its probe's connection but never answers, while a thread of it works: what a Rasa
# server looks like when its event loop is busy with a queue of turns.
_BUSY_SERVER = """
import socket, sys, threading
def work():
    while True:
        sum(i * i for i in range(10_000))
threading.Thread(target=work, daemon=True).start()
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(64)
held = []
while True:
    held.append(server.accept()[0])
"""


def test_a_busy_child_is_not_killed_but_a_stopped_one_is():
    port = free_port()
    server = Child(
        "busy",
        [sys.executable, "-c", _BUSY_SERVER, str(port)],
        dict(os.environ),
        probe_url=f"http://127.0.0.1:{port}/",
        probe_every_s=0.5,
        probe_timeout_s=0.3,
        probe_failures_to_restart=3,
    )
    supervisor = Supervisor([server], None)
    server.answered = True  # as if it had answered before it got busy
    thread = _run_in_background(supervisor)
    try:
        assert _until(lambda: server.proc is not None and server.last_probe > 0)
        busy = server.proc.pid
        server.answered = True
        # Well past three failed probes (each 0.5 s apart and 0.3 s long): working, so left alone.
        time.sleep(6)
        assert server.proc.pid == busy and server.proc.poll() is None, "a busy child was killed"
        assert server.restarts == 0
        os.kill(busy, signal.SIGSTOP)  # now it makes no progress at all
        assert _until(lambda: server.proc.pid != busy or server.proc.poll() is not None, 20), (
            "a child that failed its probes without using CPU was not killed"
        )
    finally:
        supervisor.stopping.set()
        thread.join(30)


def test_every_child_runs_its_numeric_libraries_on_the_configured_threads(monkeypatch):
    from bot.supervisor.numeric_threads import VARIABLES
    from bot.settings import Settings
    from bot.supervisor.processes import _children

    for threads in (1, 4):
        monkeypatch.setenv("NUMERIC_THREADS", str(threads))
        monkeypatch.setenv("OMP_NUM_THREADS", "16")  # a developer's shell setting does not leak through
        settings = Settings.from_env()
        children = _children(settings, None, "token", "redis://127.0.0.1:1/1")
        assert {c.name.split("-")[0] for c in children} == {"actions", "rasa", "gateway"}
        for child in children:
            assert {name: child.env[name] for name in VARIABLES} == {name: str(threads) for name in VARIABLES}, (
                child.name
            )


def test_numeric_threads_below_one_is_refused(monkeypatch):
    from bot.settings import Settings

    monkeypatch.setenv("NUMERIC_THREADS", "0")
    with pytest.raises(SystemExit, match="NUMERIC_THREADS"):
        Settings.from_env()


_SLOW_START = """
import http.server, sys, time
time.sleep(2)   # loading a model
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def _policy(pid: int) -> int:
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[38])


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may raise a priority back")
def test_a_restarted_server_loads_on_idle_cpu_and_serves_at_normal_priority():
    port = free_port()
    server = Child(
        "rasa-x",
        [sys.executable, "-c", _SLOW_START, str(port)],
        dict(os.environ),
        probe_url=f"http://127.0.0.1:{port}/",
        probe_every_s=0.2,
        probe_timeout_s=0.5,
        yields_while_starting=True,
    )
    supervisor = Supervisor([server], None)
    thread = _run_in_background(supervisor)
    try:
        assert _until(lambda: server.answered), "the child never answered its probe"
        first = server.proc.pid
        assert _policy(first) == 0  # a first start loads at normal priority: nobody is serving yet
        os.kill(first, signal.SIGKILL)
        assert _until(lambda: server.proc.pid != first and server.proc.poll() is None)
        assert _policy(server.proc.pid) == os.SCHED_IDLE, "a restarted server must load on idle CPU only"
        assert _until(lambda: server.answered)
        assert _until(lambda: _policy(server.proc.pid) == 0), "back to normal priority once it answers"
    finally:
        supervisor.stopping.set()
        thread.join(30)
