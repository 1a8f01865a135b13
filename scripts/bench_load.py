"""Open-loop load on the whole stack as shipped (`python -m bot run`): the gateway and bare Rasa side by side.

Citizens arrive at random at a set rate of turns per second (tests/load.py: 3-turn conversations, each citizen
behind the reverse proxy with an address of its own). Phases, in one run on one machine:

1. rates (default 10, 30, 45 turns/s): slots of 30 s alternate between the gateway (/api/chat) and bare Rasa
   (the same Rasa servers' REST channel, senders spread by a hash), so both see the same machine at the same
   time; p50/p95/p99 per path, errors, turns answered twice or lost (from Rasa's trackers), CPU per turn of
   each process;
2. overload (default 100 turns/s, about twice the capacity of 2 cores) on the gateway: no child killed,
   admitted turns' latency, how fast and how many turns were shed, none lost or answered twice, and how soon
   latency is back to normal once the load ends;
3. with --kill, one Rasa server killed under gateway load: failed turns, focus kept;
4. the gateway killed and restarted: a widget session's history intact;
5. with --outages, the PostgreSQL + Redis topology (as the tests run it): Redis restarted, then PostgreSQL
   restarted under load: what the citizens got meanwhile, turns lost or answered twice, time to full service.

Usage: .venv/bin/python scripts/bench_load.py [--rates 10,30,45] [--minutes 2] [--overload 100] [--kill]
       [--outages]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.supervisor.processes import cpu_seconds  # noqa: E402
from tests.load import OpenLoad, focus_kept, percentile  # noqa: E402
from tests.processes import cmdline, descendants  # noqa: E402
from tests.services import RedisServer, postgres_server, restart_postgres  # noqa: E402
from tests.stack_helpers import free_port_block  # noqa: E402

SLOT_S = 30.0


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Stack:
    """`python -m bot run` on free ports with the given settings, its log in build/bench/<name>.log."""

    def __init__(self, name: str, extra_env: dict[str, str], processes: int = 2) -> None:
        self.n = processes
        ports = {
            "BOT_PORT": free_port_block(1),
            "RASA_PORT": free_port_block(processes),
            "ACTIONS_PORT": free_port_block(processes),
        }
        self.token = "bench-" + os.urandom(8).hex()
        self.env = {
            **os.environ,
            **{k: str(v) for k, v in ports.items()},
            "RASA_TELEMETRY_ENABLED": "false",
            "RASA_PROCESSES": str(processes),
            "RASA_AUTH_TOKEN": self.token,
            # The generator is the reverse proxy: each citizen's own address counts for its limits.
            "BOT_TRUSTED_PROXIES": "127.0.0.1",
            **extra_env,
        }
        self.bot_url = f"http://127.0.0.1:{ports['BOT_PORT']}"
        self.rasa_urls = [f"http://127.0.0.1:{ports['RASA_PORT'] + i}" for i in range(processes)]
        self.log_path = ROOT / "build" / "bench" / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        log = open(self.log_path, "w")
        subprocess.run([sys.executable, "-m", "bot", "index"], cwd=ROOT, env=self.env, stdout=log, check=True)
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_ready(self.proc, self.bot_url, self.n):
            raise SystemExit(f"the stack did not become ready; see {self.log_path}")
        return time.monotonic() - t0

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)

    def children(self) -> set[int]:
        return set(descendants(self.proc.pid))

    def supervisor_lines(self, since: int = 0) -> list[str]:
        text = self.log_path.read_text(errors="replace")[since:]
        return [line for line in text.splitlines() if line.startswith("[run] ")]

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def load(self, rate: float, seconds: float, path_at=lambda elapsed: "gateway") -> OpenLoad:
        return OpenLoad(self.bot_url, self.rasa_urls, rate, seconds, path_at=path_at, tag=os.urandom(3).hex())


def wait_ready(proc: subprocess.Popen | None, bot_url: str, servers: int, timeout_s: float = 600) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            r = httpx.get(f"{bot_url}/health", timeout=2)
            if r.status_code == 200 and r.json()["components"]["rasa"].get("servers_up") == f"{servers}/{servers}":
                return True
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.25)
    return False


def _role(pid: int, root_pid: int) -> str:
    cmd = cmdline(pid)
    return (
        "supervisor"
        if pid == root_pid
        else "rasa"
        if "rasa" in cmd and " run " in cmd
        else "actions"
        if "actions.server" in cmd
        else "gateway"
        if "bot.gateway.app" in cmd
        else "redis"
        if "redis" in cmd
        else cmd[:40]
    )


def _cpu_seconds(root_pid: int) -> dict[tuple[str, int], float]:
    out = {}
    for pid in [root_pid, *descendants(root_pid)]:
        used = cpu_seconds(pid)
        if used is not None:
            out[(_role(pid, root_pid), pid)] = used
    return out


def _row(label: str, turns: list) -> str:
    lat = [t.latency_ms for t in turns if t.ok]
    errors = sum(1 for t in turns if not t.ok and not t.shed)
    shed = sum(1 for t in turns if t.shed)
    return (
        f"  {label:<10}{len(turns):>7}{errors:>8}{shed:>6}{percentile(lat, 0.5):>9.0f}"
        f"{percentile(lat, 0.95):>9.0f}{percentile(lat, 0.99):>9.0f}"
    )


HEADER = f"  {'path':<10}{'turns':>7}{'errors':>8}{'shed':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"


def rate_phase(stack: Stack, rate: float, minutes: float) -> dict:
    seconds = minutes * 60
    load = stack.load(rate, seconds, path_at=lambda e: "gateway" if int(e // SLOT_S) % 2 == 0 else "rasa")
    before, own_before, t0 = _cpu_seconds(stack.proc.pid), os.times(), time.monotonic()

    async def go():
        run = await load.drive()
        twice, lost = await load.twice_and_lost(stack.token)
        await load.aclose()
        return run, twice, lost

    run, twice, lost = asyncio.run(go())
    elapsed = time.monotonic() - t0
    after, own_after = _cpu_seconds(stack.proc.pid), os.times()
    gateway, rasa = run.of("gateway"), run.of("rasa")
    kept, total = focus_kept(run)
    p95 = {
        path: percentile([t.latency_ms for t in turns if t.ok], 0.95)
        for path, turns in (("gateway", gateway), ("rasa", rasa))
    }
    print(
        f"\n{rate:g} turns/s offered for {seconds:.0f} s ({SLOT_S:.0f} s slots alternating gateway / bare Rasa): "
        f"{len(run.turns) / seconds:.1f} turns/s sent"
    )
    print(HEADER)
    print(_row("gateway", gateway))
    print(_row("bare Rasa", rasa))
    print(
        f"  gateway p95 / bare Rasa p95: {p95['gateway'] / p95['rasa']:.2f}; answered twice: {twice}; "
        f"lost: {lost}; focus kept (gateway): {kept}/{total}"
    )
    turns = len(run.turns)
    print(f"  CPU per turn (ms; both paths' turns; 100 % = one core of {os.cpu_count()}):")
    for key, used in sorted(after.items()):
        spent = used - before.get(key, 0.0)
        if spent / elapsed >= 0.005:
            print(
                f"    {key[0]:<12}{1000 * spent / max(1, turns):>7.1f} ms   {100 * spent / elapsed:>4.0f} %   "
                f"(pid {key[1]})"
            )
    own = (own_after.user + own_after.system) - (own_before.user + own_before.system)
    print(f"    {'generator':<12}{1000 * own / max(1, turns):>7.1f} ms   {100 * own / elapsed:>4.0f} %")
    return {"rate": rate, "p95": p95}


def overload_phase(stack: Stack, rate: float, seconds: float, normal_p95_ms: float) -> None:
    children, since = stack.children(), stack.log_size()
    load = stack.load(rate, seconds)

    async def go():
        run = await load.drive()
        ended = time.monotonic()
        # Back to normal: a fresh citizen's first turn answered within twice the normal p95, 3 times in a row.
        recovered_after, streak = None, 0
        while time.monotonic() - ended < 60:
            turn = await load.turn(
                "gateway", f"recovery-{os.urandom(4).hex()}", "198.19.0.1", "lệ phí cấp giấy phép xây dựng", 0, ended
            )
            streak = streak + 1 if turn.ok and turn.latency_ms <= 2 * normal_p95_ms else 0
            if streak == 3:
                recovered_after = time.monotonic() - ended
                break
            await asyncio.sleep(0.25)
        twice, lost = await load.twice_and_lost(stack.token)
        await load.aclose()
        return run, twice, lost, recovered_after

    run, twice, lost, recovered_after = asyncio.run(go())
    admitted = [t for t in run.turns if not t.shed]
    shed = [t for t in run.turns if t.shed]
    failed = [t for t in admitted if not t.ok]
    killed = children - stack.children()
    lines = stack.supervisor_lines(since)
    print(
        f"\noverload: {rate:g} turns/s offered to the gateway for {seconds:.0f} s "
        f"({len(run.turns) / seconds:.1f} turns/s sent)"
    )
    print(HEADER)
    print(_row("gateway", run.turns))
    print(
        f"  admitted {len(admitted)}: p50 {percentile([t.latency_ms for t in admitted if t.ok], 0.5):.0f} ms, "
        f"p95 {percentile([t.latency_ms for t in admitted if t.ok], 0.95):.0f} ms, failed {len(failed)} "
        f"({Counter(t.status for t in failed).most_common(3)})"
    )
    print(
        f"  shed {len(shed)} ({100 * len(shed) / max(1, len(run.turns)):.0f} %): answered in p50 "
        f"{percentile([t.latency_ms for t in shed], 0.5):.0f} ms, p95 {percentile([t.latency_ms for t in shed], 0.95):.0f}"
        f" ms, max {max([t.latency_ms for t in shed], default=float('nan')):.0f} ms"
    )
    print(
        f"  answered twice: {twice}; lost: {lost}; children killed or restarted: {len(killed)}; "
        f"supervisor said: {[line for line in lines if 'ready' not in line][:5] or 'nothing'}"
    )
    print(
        f"  back to normal latency (3 first turns in a row within 2 × {normal_p95_ms:.0f} ms): "
        + (f"{recovered_after:.1f} s after the load ended" if recovered_after is not None else "NOT within 60 s")
    )


def kill_phase(stack: Stack, rate: float) -> None:
    seconds = 90.0
    load = stack.load(rate, seconds)
    victim = [
        pid for pid in descendants(stack.proc.pid) if f"-p {stack.rasa_urls[0].rsplit(':', 1)[1]} " in cmdline(pid)
    ]
    done = {"killed": False}

    def on_tick(elapsed: float) -> None:
        if elapsed >= 30 and not done["killed"] and victim:
            os.kill(victim[0], signal.SIGKILL)
            done["killed"] = True

    async def go():
        run = await load.drive(on_tick)
        await load.aclose()
        return run

    run = asyncio.run(go())
    failed = [t for t in run.turns if not t.ok]
    kept, total = focus_kept(run)
    timeline = []
    for start in range(0, int(seconds), 10):
        bucket = [t for t in run.turns if start <= t.at < start + 10]
        timeline.append(
            f"{start}-{start + 10} s: {sum(not t.ok for t in bucket)}/{len(bucket)} failed, p95 "
            f"{percentile([t.latency_ms for t in bucket if t.ok], 0.95):.0f} ms"
        )
    print(
        f"\nRasa server killed 30 s into {seconds:.0f} s of gateway load at {rate:g} turns/s: "
        f"{len(failed)} of {len(run.turns)} turns failed ({100 * len(failed) / max(1, len(run.turns)):.2f} %, "
        f"{sum(t.shed for t in failed)} of them shed as busy); procedure kept in focus: {kept}/{total} conversations"
    )
    print("  by 10 s: " + "; ".join(timeline))


def gateway_restart(stack: Stack) -> None:
    with httpx.Client(base_url=stack.bot_url, timeout=60) as http:
        wait_ready(None, stack.bot_url, stack.n)
        token = http.post("/widget/api/session").json()["session"]
        headers = {"X-Widget-Session": token}
        http.post("/widget/api/messages", json={"text": "xin chào"}, headers=headers)
        before = http.post("/widget/api/session", headers=headers).json()
        for pid in descendants(stack.proc.pid):
            if "bot.gateway.app" in cmdline(pid):
                os.kill(pid, signal.SIGKILL)
        time.sleep(1.0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http.get("/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        after = http.post("/widget/api/session", headers=headers).json()
        same = after == before and len(before.get("entries", [])) >= 2
        print(
            f"\ngateway killed and restarted: widget session and history intact: {'yes' if same else 'NO'} "
            f"({len(after.get('entries', []))} entries after, {len(before.get('entries', []))} before)"
        )


def memory(stack: Stack) -> None:
    print("\nresident memory (RSS):")
    for pid in [stack.proc.pid, *descendants(stack.proc.pid)]:
        print(f"  {_role(pid, stack.proc.pid):<12}{_rss_mb(pid):>8.0f} MB   (pid {pid})")


def outage_phase(rate: float) -> None:
    """PostgreSQL (gateway state, console, Rasa's trackers) and Redis (Rasa's locks, rate windows) restarted
    under load, one after the other."""
    seconds, redis_at, postgres_at = 100.0, 20.0, 55.0
    redis = RedisServer()
    redis.start()
    try:
        with postgres_server() as pg_url:
            stack = Stack("outages", {"DATABASE_URL": pg_url, "REDIS_URL": redis.url})
            stack.start()
            try:
                load = stack.load(rate, seconds)
                done: dict[str, float] = {}

                def on_tick(elapsed: float) -> None:
                    # Restarts block the generator's loop for their duration: turns are not sent meanwhile,
                    # which is why each runs in a thread.
                    if elapsed >= redis_at and "redis" not in done:
                        done["redis"] = elapsed
                        asyncio.get_running_loop().run_in_executor(None, lambda: (redis.stop(), redis.start()))
                    if elapsed >= postgres_at and "postgres" not in done:
                        done["postgres"] = elapsed
                        asyncio.get_running_loop().run_in_executor(None, restart_postgres, pg_url)

                async def go():
                    run = await load.drive(on_tick)
                    twice, lost = await load.twice_and_lost(stack.token)
                    await load.aclose()
                    return run, twice, lost

                children = stack.children()
                run, twice, lost = asyncio.run(go())
                print(
                    f"\noutages on the PostgreSQL + Redis topology, {rate:g} turns/s to the gateway for "
                    f"{seconds:.0f} s: Redis restarted at {redis_at:.0f} s, PostgreSQL at {postgres_at:.0f} s"
                )
                for name, at in (("Redis", redis_at), ("PostgreSQL", postgres_at)):
                    window = [t for t in run.turns if at - 1 <= t.at < at + 30]
                    bad = [t for t in window if not t.ok]
                    last_bad = max((t.at for t in bad), default=None)
                    seen = Counter(t.status if t.status != 503 else f"503 {t.error or 'unavailable'}" for t in bad)
                    print(
                        f"  {name}: {len(bad)} of {len(window)} turns in the 30 s after the restart not answered "
                        f"({dict(seen)}); full service "
                        + (
                            f"{max(0.0, last_bad - at):.1f} s after the restart"
                            if last_bad is not None
                            else "throughout"
                        )
                    )
                lat = [t.latency_ms for t in run.turns if t.ok]
                print(
                    f"  all turns: {len(run.turns)}, answered {sum(t.ok for t in run.turns)}, p95 "
                    f"{percentile(lat, 0.95):.0f} ms, max {max(lat, default=0):.0f} ms; answered twice: {twice}; "
                    f"lost: {lost}; children restarted: {len(children - stack.children())}"
                )
                said = Counter(t.text[:90] for t in run.turns if t.status == 200 and not t.ok)
                print(f"  what citizens saw instead of an answer: {dict(said) or 'busy/unavailable notices only'}")
            finally:
                stack.stop()
    finally:
        redis.stop()


def main_stack(rates: list[float], args) -> None:
    bench_dir = ROOT / "build" / "bench"
    stack = Stack(
        "stack",
        {
            "DATABASE_URL": f"sqlite:///{bench_dir / 'assistant.db'}",
            "TRACKER_STORE_URL": f"sqlite:///{bench_dir / 'trackers.db'}",
        },
    )
    try:
        cold = stack.start()
        print(f"cold start (run command to healthy with {stack.n} Rasa servers, model and index cached): {cold:.1f} s")
        threads = {
            name: value
            for name, value in (
                line.split("=", 1)
                for line in Path(f"/proc/{max(descendants(stack.proc.pid))}/environ").read_bytes().decode().split("\0")
                if "=" in line
            )
            if name == "OMP_NUM_THREADS"
        }
        print(f"numeric threads per server process: {threads}")
        results = [rate_phase(stack, rate, args.minutes) for rate in rates]
        memory(stack)
        if args.overload:
            normal = min(r["p95"]["gateway"] for r in results) if results else 100.0
            overload_phase(stack, args.overload, args.overload_minutes * 60, normal)
        if args.kill:
            kill_phase(stack, 30.0)
        gateway_restart(stack)
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="10,30,45", help="turns per second offered, one phase each")
    parser.add_argument("--minutes", type=float, default=2.0, help="minutes per rate (half of it per path)")
    parser.add_argument("--overload", type=float, default=100.0, help="turns/s of the overload phase (0: none)")
    parser.add_argument("--overload-minutes", type=float, default=2.0)
    parser.add_argument("--kill", action="store_true", help="kill one Rasa server under gateway load")
    parser.add_argument("--outages", action="store_true", help="restart Redis and PostgreSQL under load")
    args = parser.parse_args()
    bench_dir = ROOT / "build" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    for old in bench_dir.glob("*.db*"):
        old.unlink()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if rates or args.overload or args.kill:
        main_stack(rates, args)
    if args.outages:
        outage_phase(20.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
