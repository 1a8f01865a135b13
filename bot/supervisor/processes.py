"""`python -m bot run`: prepare the knowledge base, index and model, then start and watch the three processes.

Children run in their own sessions so a terminal Ctrl-C reaches only this supervisor, which then stops
them in order; PR_SET_PDEATHSIG makes them exit even if the supervisor itself is killed.
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import os
import secrets
import shutil
import socket
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.supervisor import topology as topology_files
from bot.supervisor import training
from bot.supervisor.numeric_threads import thread_env
from bot.settings import Settings
from knowledge_base.environment import SettingError

ROOT = training.ROOT
APP_PY = ROOT / ".venv" / "bin" / "python"
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0
STOP_GRACE_S = 10.0
# A busy server answers its probe late, not never: a child counts as hung only after this many failed probes in
# a row during which it used (almost) no CPU. A server that works through a queue of turns is making progress,
# and killing it would throw that work away and crush the next server with its load (issue 25).
PROBE_EVERY_S = 5.0
PROBE_TIMEOUT_S = 10.0
PROBE_FAILURES_TO_RESTART = 6
# CPU seconds between two probes below which a child that fails its probe made no progress: a deadlocked or
# stopped process uses none; an idle asyncio server a few milliseconds.
IDLE_CPU_S = 0.05
# A server restarted while the others serve loads its model (Rasa: ~25 s of a core) on idle CPU only (SCHED_IDLE,
# else this nice value) until it first answers its probe: on two cores, loading at full priority took half the
# CPU from the surviving server, whose queue then passed the gateway's limit and up to 5 % of turns were
# answered "busy". Only where the supervisor may raise the priority back (root or CAP_SYS_NICE); elsewhere
# restarts load at normal priority.
STARTING_NICE = 10
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Rasa loads its model in about 45 s on the reference machine, and several times that with both cores busy.
STARTUP_GRACE_S = 600.0
# Keeps Rasa's loggers that dump trackers (the citizen's words, every slot) at INFO.
RASA_LOGGING = ROOT / "bot" / "rasa_plugins" / "logging.yml"


_probe_http: httpx.Client | None = None


def _probe_client() -> httpx.Client:
    # One client for every probe: a new httpx client loads the CA bundle each time, and at one probe a second
    # that was 5 % of a core, taken from the Rasa servers it watches.
    global _probe_http
    if _probe_http is None:
        _probe_http = httpx.Client(verify=False)
    return _probe_http


def log(msg: str) -> None:
    print(f"[run] {msg}", flush=True)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) a process has used; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _may_raise_priority() -> bool:
    return os.geteuid() == 0


def _die_with_parent_at_low_priority() -> None:
    _die_with_parent()
    try:
        # Only the CPU nobody else wants; nice as a fallback where the idle class is not offered.
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(STARTING_NICE)


def _normal_priority(pid: int) -> None:
    """Back to nice 0, every thread of the process (a nice value is per thread on Linux, and the threads a
    server started while loading inherited the low one)."""
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            os.sched_setscheduler(int(task.name), os.SCHED_OTHER, os.sched_param(0))
            os.setpriority(os.PRIO_PROCESS, int(task.name), 0)
        except (AttributeError, OSError, ValueError):
            pass


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
    # Answers 200 while the child works; a child that stops answering is killed and restarted like a crash.
    probe_url: str | None = None
    probe_every_s: float = PROBE_EVERY_S
    probe_timeout_s: float = PROBE_TIMEOUT_S
    probe_failures_to_restart: int = PROBE_FAILURES_TO_RESTART
    startup_grace_s: float = STARTUP_GRACE_S
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff_s: float = 1.0
    restart_at: float | None = None
    restarts: int = 0
    answered: bool = False
    probe_failures: int = 0
    last_probe: float = 0.0
    cpu_at_last_probe: float | None = None
    busy_noted: bool = False
    # Loads its model in the background of the serving processes when restarted (see STARTING_NICE).
    yields_while_starting: bool = False
    niced: bool = False
    _pump: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> bool:
        self.started_at = time.monotonic()
        self.restart_at = None
        self.answered, self.probe_failures = False, 0
        self.cpu_at_last_probe, self.busy_noted = None, False
        self.niced = self.yields_while_starting and self.restarts > 0 and _may_raise_priority()
        prepare = _die_with_parent if not self.niced else _die_with_parent_at_low_priority
        try:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=prepare,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            # A missing or broken program is retried with back-off like a crash; the others keep running.
            log(f"{self.name} could not be started: {exc}")
            self.proc = None
            return False
        self._pump = threading.Thread(target=self._forward, args=(self.proc,), daemon=True)
        self._pump.start()
        return True

    def probe(self, now: float) -> None:
        """Health probe. A child counts as hung, and is killed, when it has not answered within STARTUP_GRACE_S
        of starting, or has failed `probe_failures_to_restart` probes in a row without using CPU in between:
        a busy child (probe slow, CPU used) is left to work."""
        if self.probe_url is None or self.proc is None or self.proc.poll() is not None:
            return
        if now - self.last_probe < self.probe_every_s:
            return
        self.last_probe = now
        try:
            ok = _probe_client().get(self.probe_url, timeout=self.probe_timeout_s).status_code < 500
        except httpx.HTTPError:
            ok = False
        cpu, cpu_before = cpu_seconds(self.proc.pid), self.cpu_at_last_probe
        self.cpu_at_last_probe = cpu
        if ok:
            self.answered, self.probe_failures, self.busy_noted = True, 0, False
            if self.niced:
                self.niced = False
                _normal_priority(self.proc.pid)
            return
        if not self.answered:
            if now - self.started_at > self.startup_grace_s:
                log(f"{self.name} did not answer within {self.startup_grace_s:.0f} s of starting; killing it")
                self.kill()
            return
        if cpu is not None and cpu_before is not None and cpu - cpu_before > IDLE_CPU_S:
            if not self.busy_noted:
                log(
                    f"{self.name} answers its health probe late but is working "
                    f"({cpu - cpu_before:.1f} s of CPU since the last probe): busy, not hung"
                )
                self.busy_noted = True
            self.probe_failures = 0
            return
        self.probe_failures += 1
        if self.probe_failures >= self.probe_failures_to_restart:
            log(f"{self.name} failed {self.probe_failures} health probes in a row without using CPU: hung; killing it")
            self.kill()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis(settings: Settings) -> tuple[str, list[Child]]:
    """REDIS_URL, or a private redis-server when several Rasa servers run here and none is given."""
    if settings.redis_url or "rasa" not in settings.roles or settings.rasa_processes < 2:
        return settings.redis_url, []
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = _free_port()
    # Only locks live there (each a few seconds long): nothing to persist.
    cmd = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    return f"redis://127.0.0.1:{port}/1", [Child("redis", cmd, {**os.environ, **thread_env(settings.numeric_threads)})]


def _children(settings: Settings, model: Path | None, token: str, redis_url: str) -> list[Child]:
    # Every child's numeric libraries on NUMERIC_THREADS threads (one by default; see
    # bot/supervisor/numeric_threads.py).
    base = {**training.rasa_env(), "PYTHONUNBUFFERED": "1", **thread_env(settings.numeric_threads)}
    # Every part reads the same settings: the supervisor hands the topology down explicitly.
    topology = {
        "BOT_ROLES": ",".join(settings.roles),
        "RASA_HOST": settings.rasa_host,
        "RASA_PORT": str(settings.rasa_port),
        "RASA_PROCESSES": str(settings.rasa_processes),
        "ACTIONS_HOST": settings.actions_host,
        "ACTIONS_PORT": str(settings.actions_port),
        "ACTIONS_PROCESSES": str(settings.actions_processes),
        "REDIS_URL": redis_url,
    }
    # --- staff console: the gateway asks the action servers to reload the knowledge base right after a
    # staff edit (POST /kb/reload); all get the same admin token, generated per start unless set. ---
    admin_token = settings.actions_admin_token or secrets.token_urlsafe(24)
    # --- end staff console ---
    base = {**base, **topology, "ACTIONS_ADMIN_TOKEN": admin_token}
    children: list[Child] = []
    if "actions" in settings.roles:
        for i in range(settings.actions_processes):
            port = settings.actions_port + i
            children.append(
                Child(
                    f"actions-{i + 1}",
                    [str(APP_PY), "-m", "actions.server"],
                    {**base, "ACTIONS_PORT": str(port)},
                    probe_url=f"http://{settings.actions_host}:{port}/health",
                    yields_while_starting=True,
                )
            )
    if "rasa" in settings.roles:
        rasa_env = {**base, "TICKET_LOCK_LIFETIME": str(settings.rasa_lock_lifetime_s)}
        for i in range(settings.rasa_processes):
            port = settings.rasa_port + i
            # "--auth-token=" keeps a token starting with "-" from being read as another option.
            # bot.rasa_plugins.server is `rasa run` with a model load that skips a training step (see its docstring).
            cmd = [
                str(training.RASA_PYTHON),
                "-m",
                "bot.rasa_plugins.server",
                "run",
                "--enable-api",
                f"--auth-token={token}",
                "-i",
                settings.rasa_host,
                "-p",
                str(port),
                "--model",
                str(model),
                "--endpoints",
                str(topology_files.endpoints_file(settings, i, redis_url)),
                "--credentials",
                "credentials.yml",
                "--logging-config-file",
                str(RASA_LOGGING),
            ]
            children.append(
                Child(
                    f"rasa-{i + 1}",
                    cmd,
                    rasa_env,
                    probe_url=f"http://{settings.rasa_host}:{port}/",
                    yields_while_starting=True,
                )
            )
    if "gateway" in settings.roles:
        gateway_env = {**base, "RASA_AUTH_TOKEN": token, "BOT_HOST": settings.host, "BOT_PORT": str(settings.port)}
        children.append(
            Child(
                "gateway",
                [str(APP_PY), "-m", "bot.gateway.app"],
                gateway_env,
                probe_url=f"{settings.public_url}health/live",
            )
        )
    return children


def prepare_index() -> None:
    done = subprocess.run([str(APP_PY), "-m", "bot", "index"], cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError("the knowledge base or its index could not be prepared (see above)")


class Supervisor:
    def __init__(self, children: list[Child], health_url: str | None) -> None:
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
                where = f" — open {public_url}" if self.health_url else ""
                log(f"ready in {time.monotonic() - started:.1f} s{where}")
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
            code = child.proc.poll() if child.proc else 127
            if code is None:
                child.probe(now)
                if now - child.started_at > STABLE_AFTER_S:
                    child.backoff_s = 1.0
                continue
            child.restart_at = now + child.backoff_s
            log(f"{child.name} exited with code {code}; restarting in {child.backoff_s:.0f} s")
            child.backoff_s = min(child.backoff_s * 2, BACKOFF_MAX_S)

    def _healthy(self) -> bool:
        if self.health_url is None:  # no gateway here: ready when every child has answered its probe
            return all(c.answered for c in self.children if c.probe_url)
        try:
            return httpx.get(self.health_url, timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False


def run_main(argv: list[str]) -> int:
    started = time.monotonic()
    parser = argparse.ArgumentParser(prog="python -m bot run", description="start the assistant, or some of its parts")
    parser.add_argument(
        "--role",
        default="",
        help="comma-separated parts to run here: rasa, actions, gateway (default: BOT_ROLES, else all three)",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(overrides={"BOT_ROLES": args.role} if args.role else None)
        settings.refuse_placeholders()
    except SettingError as exc:
        log(str(exc))
        return 1
    if not training.RASA_BIN.exists() or not APP_PY.exists():
        log("environments missing: run `make run` (it creates them) or `python3 scripts/bootstrap.py`")
        return 1
    model = None
    try:
        if "actions" in settings.roles:
            log("preparing the knowledge base and search index")
            prepare_index()
        if "rasa" in settings.roles:
            # RASA_MODEL: a model trained elsewhere (a release build, the other Rasa machine's), used as is.
            model = settings.rasa_model or training.ensure_model(log)
            if not model.is_file():
                raise RuntimeError(f"setting RASA_MODEL: no model file at {model}")
    except RuntimeError as exc:
        log(str(exc))
        return 1
    if (
        len(settings.rasa_endpoints) > 1
        and not settings.redis_url
        and "rasa" in settings.roles
        and not (shutil.which("redis-server") or Path("/usr/bin/redis-server").exists())
    ):
        # Several Rasa servers without a shared lock store could interleave one conversation's turns.
        log(
            "redis-server is missing (Debian package redis-server; `make run` installs it): running ONE Rasa "
            "server. Set REDIS_URL or install it to use both cores."
        )
        settings = dataclasses.replace(settings, rasa_processes=1, actions_processes=1)
    if "gateway" not in settings.roles and settings.rasa_processes > 1 and not settings.redis_url:
        log(
            "note: the Rasa servers started here share a private Redis; Rasa servers on other machines need "
            "one REDIS_URL for all"
        )
    token = settings.rasa_token or secrets.token_hex(24)
    redis_url, redis_child = _redis(settings)
    health_url = f"{settings.public_url}health" if "gateway" in settings.roles else None
    supervisor = Supervisor(redis_child + _children(settings, model, token, redis_url), health_url)

    def on_signal(signum, _frame):
        supervisor.stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return supervisor.run(started, settings.public_url)
