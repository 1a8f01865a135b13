"""`python -m bot run`: prepare the knowledge base, index and model, then start and watch the three processes.

Children run in their own sessions so a terminal Ctrl-C reaches only this supervisor, which then stops
them in order; PR_SET_PDEATHSIG makes them exit even if the supervisor itself is killed.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot import training
from bot.settings import Settings

ROOT = training.ROOT
APP_PY = ROOT / ".venv" / "bin" / "python"
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0
STOP_GRACE_S = 10.0
# Keeps Rasa's loggers that dump trackers (the citizen's words, every slot) at INFO.
RASA_LOGGING = ROOT / "bot" / "rasa_logging.yml"


def log(msg: str) -> None:
    print(f"[run] {msg}", flush=True)


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Child:
    name: str
    cmd: list[str]
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff_s: float = 1.0
    restart_at: float | None = None
    restarts: int = 0
    _pump: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=_die_with_parent, text=True, errors="replace")
        self.started_at = time.monotonic()
        self.restart_at = None
        self._pump = threading.Thread(target=self._forward, args=(self.proc,), daemon=True)
        self._pump.start()

    def _forward(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            sys.stdout.write(f"[{self.name}] {line}")
            sys.stdout.flush()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _endpoints_file(settings: Settings) -> Path:
    # The port goes into a generated copy, one per action-server port: stacks started side by side (tests,
    # a developer's `make run`) must never point their Rasa at each other's action server.
    path = ROOT / "build" / f"endpoints-{settings.actions_port}.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'action_endpoint:\n  url: "{settings.actions_url}/webhook"\n', encoding="utf-8")
    return path


def _children(settings: Settings, model: Path, token: str) -> list[Child]:
    base = {**training.rasa_env(), "PYTHONUNBUFFERED": "1"}
    actions_env = {**base, "ACTIONS_HOST": settings.actions_host, "ACTIONS_PORT": str(settings.actions_port)}
    rasa_env = dict(base)
    gateway_env = {**base, "RASA_AUTH_TOKEN": token, "BOT_HOST": settings.host, "BOT_PORT": str(settings.port),
                   "RASA_PORT": str(settings.rasa_port), "ACTIONS_PORT": str(settings.actions_port)}
    # --- staff console: the gateway asks the action server to reload the knowledge base right after a
    # staff edit (POST /kb/reload); both get the same admin token, generated per start unless set. ---
    admin_token = base.get("ACTIONS_ADMIN_TOKEN") or secrets.token_urlsafe(24)
    actions_env["ACTIONS_ADMIN_TOKEN"] = gateway_env["ACTIONS_ADMIN_TOKEN"] = admin_token
    # --- end staff console ---
    return [
        Child("actions", [str(APP_PY), "-m", "actions.server"], actions_env),
        # "--auth-token=" keeps a token starting with "-" from being read as another option.
        Child("rasa", [str(training.RASA_BIN), "run", "--enable-api", f"--auth-token={token}",
                       "-i", settings.rasa_host, "-p", str(settings.rasa_port), "--model", str(model),
                       "--endpoints", str(_endpoints_file(settings)), "--credentials", "credentials.yml",
                       "--logging-config-file", str(RASA_LOGGING)], rasa_env),
        Child("gateway", [str(APP_PY), "-m", "bot.app"], gateway_env),
    ]


def prepare_index() -> None:
    done = subprocess.run([str(APP_PY), "-m", "bot", "index"], cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError("the knowledge base or its index could not be prepared (see above)")


class Supervisor:
    def __init__(self, children: list[Child], health_url: str) -> None:
        self.children = children
        self.health_url = health_url
        self.stopping = threading.Event()

    def run(self, started: float, public_url: str) -> int:
        for child in self.children:
            log(f"starting {child.name}")
            child.start()
        announced = False
        while not self.stopping.is_set():
            self._watch()
            if not announced and self._healthy():
                announced = True
                log(f"ready in {time.monotonic() - started:.1f} s — open {public_url}")
            self.stopping.wait(0.5)
        log("stopping")
        for child in reversed(self.children):
            child.stop()
        log("stopped")
        return 0

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    log(f"restarting {child.name} (restart #{child.restarts})")
                    child.start()
                continue
            code = child.proc.poll() if child.proc else None
            if code is None:
                if now - child.started_at > STABLE_AFTER_S:
                    child.backoff_s = 1.0
                continue
            child.restart_at = now + child.backoff_s
            log(f"{child.name} exited with code {code}; restarting in {child.backoff_s:.0f} s")
            child.backoff_s = min(child.backoff_s * 2, BACKOFF_MAX_S)

    def _healthy(self) -> bool:
        try:
            return httpx.get(self.health_url, timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False


def run_main(argv: list[str]) -> int:
    started = time.monotonic()
    settings = Settings.from_env()
    if not training.RASA_BIN.exists() or not APP_PY.exists():
        log("environments missing: run `make run` (it creates them) or `python3 scripts/bootstrap.py`")
        return 1
    try:
        log("preparing the knowledge base and search index")
        prepare_index()
        model = training.ensure_model(log)
    except RuntimeError as exc:
        log(str(exc))
        return 1
    token = os.environ.get("RASA_AUTH_TOKEN") or secrets.token_hex(24)
    supervisor = Supervisor(_children(settings, model, token), f"{settings.public_url}health")

    def on_signal(signum, _frame):
        supervisor.stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return supervisor.run(started, settings.public_url)
