"""Open-loop load on the whole stack: the gateway and bare Rasa side by side in one run, then a Rasa kill.

Citizens arrive at random (Poisson) at a set rate of turns per second; each holds a 3-turn conversation
(a procedure question, then "lệ phí bao nhiêu", then "nộp ở đâu") with a pause between turns, whatever the
other citizens are doing. Minutes alternate between the gateway (/api/chat) and bare Rasa (its REST channel,
the same Rasa servers, senders spread the same way), so both see the same machine at the same time.

Reported: cold start, p50/p95/p99 and achieved rate per path, errors, turns answered twice or lost (from
Rasa's own trackers), resident memory of each process; then, with --kill, one Rasa server is killed mid-load:
the failed turns and whether every conversation kept its procedure. Finally the gateway is killed and
restarted, and a widget session's history is checked.

Usage: .venv/bin/python scripts/bench_load.py [--rate 30] [--minutes 10] [--kill] [--think 2]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.bench_http import Client, HTTPError  # noqa: E402
from tests.processes import cmdline, descendants  # noqa: E402
from tests.stack_helpers import free_port_block  # noqa: E402

FOLLOW_UPS = ["lệ phí bao nhiêu", "nộp ở đâu"]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _questions() -> list[tuple[str, str]]:
    with open(ROOT / "tests" / "data" / "short_questions.tsv", encoding="utf-8") as f:
        rows = [r for r in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t")]
    return [(r[3], r[2]) for r in rows[1:] if len(r) >= 4 and r[1] == "in"]


@dataclass
class Turn:
    path: str
    sender: str
    index: int
    latency_ms: float | None
    ok: bool
    text: str = ""
    at: float = 0.0


@dataclass
class Run:
    turns: list[Turn] = field(default_factory=list)
    conversations: dict[str, tuple[str, str]] = field(default_factory=dict)  # sender -> (path, expected code)


class Load:
    def __init__(self, bot_url: str, rasa_urls: list[str], rate: float, think_s: float, seconds: float) -> None:
        self.bot_url, self.rasa_urls = bot_url, rasa_urls
        self.rate, self.think_s, self.seconds = rate, think_s, seconds
        self.questions = _questions()
        self.run = Run()
        self.http = Client(timeout=60)

    def path_at(self, elapsed: float) -> str:
        # Alternating minutes: both paths see the same machine, warm-up and background noise.
        return "gateway" if int(elapsed // 60) % 2 == 0 else "rasa"

    async def turn(self, path: str, sender: str, text: str, index: int, t0: float) -> Turn:
        start = time.perf_counter()
        try:
            if path == "gateway":
                r = await self.http.post(f"{self.bot_url}/api/chat", {"sender_id": sender, "text": text})
                ok = r.status_code == 200
                body = " ".join(m.get("text") or "" for m in r.json().get("messages", [])) if ok else ""
            else:
                # Bare Rasa gets the same spreading as the gateway gives it: one server per conversation.
                url = self.rasa_urls[int(hashlib.md5(sender.encode()).hexdigest(), 16) % len(self.rasa_urls)]
                r = await self.http.post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})
                ok = r.status_code == 200
                body = " ".join(m.get("text") or "" for m in r.json()) if ok else ""
            ok = ok and bool(body)
        except (HTTPError, ValueError):
            ok, body = False, ""
        latency = (time.perf_counter() - start) * 1000
        return Turn(path, sender, index, latency, ok, body, time.monotonic() - t0)

    async def conversation(self, n: int, t0: float) -> None:
        path = self.path_at(time.monotonic() - t0)
        question, code = random.choice(self.questions)
        sender = f"bench-{path}-{os.getpid()}-{n}"
        self.run.conversations[sender] = (path, code)
        for index, text in enumerate([question, *FOLLOW_UPS]):
            if index:
                await asyncio.sleep(random.expovariate(1 / self.think_s))
            self.run.turns.append(await self.turn(path if path == "gateway" else "rasa", sender, text, index, t0))

    async def drive(self, on_tick=None) -> Run:
        t0 = time.monotonic()
        tasks, n = [], 0
        conversations_per_s = self.rate / (1 + len(FOLLOW_UPS))
        next_at = 0.0
        while (elapsed := time.monotonic() - t0) < self.seconds:
            if on_tick:
                on_tick(elapsed)
            if elapsed >= next_at:
                tasks.append(asyncio.create_task(self.conversation(n, t0)))
                n += 1
                next_at += random.expovariate(conversations_per_s)
                continue
            await asyncio.sleep(min(0.01, next_at - elapsed))
        await asyncio.gather(*tasks)
        return self.run

    async def user_events(self, token: str, senders: list[str]) -> dict[str, int]:
        # Every Rasa server reads the one tracker store; a few requests at a time keep this phase short.
        counts: dict[str, int] = {}
        gate = asyncio.Semaphore(8)

        async def one(i: int, sender: str) -> None:
            async with gate:
                url = self.rasa_urls[i % len(self.rasa_urls)]
                r = await self.http.get(f"{url}/conversations/{sender}/tracker", params={"token": token})
                events = r.json().get("events", []) if r.status_code == 200 else []
                counts[sender] = sum(1 for e in events if e.get("event") == "user")

        await asyncio.gather(*(one(i, s) for i, s in enumerate(senders)))
        return counts


def _table(run: Run, seconds: float) -> None:
    print(f"\n{'path':<10}{'turns':>7}{'per s':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for path in ("gateway", "rasa"):
        turns = [t for t in run.turns if t.path == path]
        if not turns:
            continue
        lat = [t.latency_ms for t in turns if t.ok]
        errors = sum(1 for t in turns if not t.ok)
        # Minutes alternate, so each path had about half of the run (all of it when the run is one minute).
        share = 1.0 if seconds <= 60 else 0.5
        per_s = len(turns) / (seconds * share)
        p = (lambda q: _percentile(lat, q)) if lat else (lambda q: float("nan"))
        print(f"{'bare Rasa' if path == 'rasa' else path:<10}{len(turns):>7}{per_s:>8.1f}{errors:>8}"
              f"{p(0.5):>9.0f}{p(0.95):>9.0f}{p(0.99):>9.0f}")


def _focus_kept(run: Run) -> tuple[int, int]:
    """Conversations whose follow-ups (fee, where) were answered about the procedure of the first question."""
    by_sender: dict[str, list[Turn]] = {}
    for t in run.turns:
        by_sender.setdefault(t.sender, []).append(t)
    kept = total = 0
    for sender, turns in by_sender.items():
        path, code = run.conversations[sender]
        if path != "gateway" or len(turns) < 3 or not all(t.ok for t in turns):
            continue
        first = turns[0].text
        if code not in first:
            continue  # the first answer was another procedure: not a question of focus
        total += 1
        kept += all(code in t.text for t in turns[1:])
    return kept, total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=30.0, help="turns per second offered")
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes per path (the run takes twice that)")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between a citizen's turns")
    parser.add_argument("--kill", action="store_true", help="then kill one Rasa server under gateway load")
    parser.add_argument("--rasa-processes", type=int, default=2)
    args = parser.parse_args()
    n = args.rasa_processes
    ports = {"BOT_PORT": free_port_block(1), "RASA_PORT": free_port_block(n), "ACTIONS_PORT": free_port_block(n)}
    token = "bench-" + os.urandom(8).hex()
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "RASA_TELEMETRY_ENABLED": "false",
           "RASA_PROCESSES": str(n), "RASA_AUTH_TOKEN": token, "API_RATE_PER_ADDRESS": "1000000",
           "DATABASE_URL": f"sqlite:///{ROOT / 'build' / 'bench' / 'assistant.db'}",
           "TRACKER_STORE_URL": f"sqlite:///{ROOT / 'build' / 'bench' / 'trackers.db'}"}
    bench_dir = ROOT / "build" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    for old in bench_dir.glob("*.db*"):
        old.unlink()
    bot_url = f"http://127.0.0.1:{ports['BOT_PORT']}"
    rasa_urls = [f"http://127.0.0.1:{ports['RASA_PORT'] + i}" for i in range(n)]
    log = open(bench_dir / "stack.log", "w")
    subprocess.run([sys.executable, "-m", "bot", "index"], cwd=ROOT, env=env, stdout=log, check=True)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if not _wait_ready(proc, f"{bot_url}/health", n):
            print("the stack did not become ready; see build/bench/stack.log", file=sys.stderr)
            return 1
        print(f"cold start (run command to healthy with {n} Rasa servers, model and index cached): "
              f"{time.monotonic() - t0:.1f} s")
        seconds = args.minutes * 60 * 2
        print(f"open-loop load: {args.rate:g} turns/s offered for {seconds / 60:g} min, minutes alternating "
              f"gateway / bare Rasa; 3-turn conversations, {args.think:g} s mean pause")
        load = Load(bot_url, rasa_urls, args.rate, args.think, seconds)
        run = asyncio.run(_main_phase(load, token, proc.pid))
        _table(run, seconds)
        _memory(proc.pid)
        if args.kill:
            _kill_phase(proc.pid, bot_url, rasa_urls, args, token)
        _gateway_restart(proc.pid, bot_url, n)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return 0


async def _main_phase(load: Load, token: str, root_pid: int) -> Run:
    before, own_before, t0 = _cpu_seconds(root_pid), os.times(), time.monotonic()
    run = await load.drive()
    _print_cpu(before, _cpu_seconds(root_pid), os.times(), own_before, time.monotonic() - t0)
    senders = list(run.conversations)
    sent: dict[str, int] = {}
    for t in run.turns:
        sent[t.sender] = sent.get(t.sender, 0) + 1
    # The gateway names a conversation "<channel>:<sender>" in Rasa.
    tracker_ids = {s: (f"api:{s}" if run.conversations[s][0] == "gateway" else s) for s in senders}
    by_tracker = await load.user_events(token, list(tracker_ids.values()))
    seen = {s: by_tracker.get(t, 0) for s, t in tracker_ids.items()}
    twice = sum(1 for s in senders if seen.get(s, 0) > sent.get(s, 0))
    # A turn the citizen got an error for may or may not have reached Rasa; every answered turn must be there.
    answered = {}
    for t in run.turns:
        answered[t.sender] = answered.get(t.sender, 0) + t.ok
    lost = sum(1 for s in senders if seen.get(s, 0) < answered.get(s, 0))
    print(f"\nconversations: {len(senders)}; answered twice (more user turns in Rasa's tracker than sent): "
          f"{twice}; lost (answered but missing from the tracker): {lost}")
    kept, total = _focus_kept(run)
    print(f"procedure kept in focus through the follow-ups (gateway): {kept}/{total}")
    await load.http.aclose()
    return run


def _wait_ready(proc: subprocess.Popen | None, health_url: str, servers: int, timeout_s: float = 600) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            r = httpx.get(health_url, timeout=2)
            if r.status_code == 200 and r.json()["components"]["rasa"].get("servers_up") == f"{servers}/{servers}":
                return True
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.25)
    return False


def _children_named(root_pid: int, needle: str) -> list[int]:
    return [pid for pid in descendants(root_pid) if needle in cmdline(pid)]


def _role(pid: int, root_pid: int) -> str:
    cmd = cmdline(pid)
    return ("supervisor" if pid == root_pid else "rasa" if "rasa" in cmd and " run " in cmd
            else "actions" if "actions.server" in cmd else "gateway" if "bot.app" in cmd
            else "redis" if "redis" in cmd else cmd[:40])


def _memory(root_pid: int) -> None:
    print("\nresident memory (RSS):")
    for pid in [root_pid, *descendants(root_pid)]:
        print(f"  {_role(pid, root_pid):<12}{_rss_mb(pid):>8.0f} MB   (pid {pid})")


def _cpu_seconds(root_pid: int) -> dict[tuple[str, int], float]:
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in [root_pid, *descendants(root_pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[(_role(pid, root_pid), pid)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def _print_cpu(before: dict, after: dict, own_after, own_before, seconds: float) -> None:
    # The generator runs on the same two cores as the stack, so its share is part of the figure.
    print(f"\nCPU during the load ({seconds:.0f} s; 100 % = one core of {os.cpu_count()}):")
    for key, used in sorted(after.items()):
        share = 100 * (used - before.get(key, 0.0)) / seconds
        if share >= 0.5:
            print(f"  {key[0]:<12}{share:>6.0f} %   (pid {key[1]})")
    own = (own_after.user + own_after.system) - (own_before.user + own_before.system)
    print(f"  {'generator':<12}{100 * own / seconds:>6.0f} %")


def _kill_phase(root_pid: int, bot_url: str, rasa_urls: list[str], args, token: str) -> None:
    seconds = 90.0
    load = Load(bot_url, rasa_urls, args.rate, args.think, seconds)
    load.path_at = lambda elapsed: "gateway"
    victim = _children_named(root_pid, f"-p {rasa_urls[0].rsplit(':', 1)[1]} ")
    done = {"killed": False}

    def on_tick(elapsed: float) -> None:
        if elapsed >= 30 and not done["killed"] and victim:
            os.kill(victim[0], signal.SIGKILL)
            done["killed"] = True

    async def go() -> Run:
        run = await load.drive(on_tick)
        await load.http.aclose()
        return run

    run = asyncio.run(go())
    failed = sum(1 for t in run.turns if not t.ok)
    kept, total = _focus_kept(run)
    print(f"\nRasa server killed 30 s into {seconds:.0f} s of gateway load at {args.rate:g} turns/s: "
          f"{failed} of {len(run.turns)} turns failed ({100 * failed / max(1, len(run.turns)):.2f} %); "
          f"procedure kept in focus: {kept}/{total} conversations")


def _gateway_restart(root_pid: int, bot_url: str, servers: int) -> None:
    with httpx.Client(base_url=bot_url, timeout=60) as http:
        _wait_ready(None, f"{bot_url}/health", servers)
        token = http.post("/widget/api/session").json()["session"]
        headers = {"X-Widget-Session": token}
        http.post("/widget/api/messages", json={"text": "xin chào"}, headers=headers)
        before = http.post("/widget/api/session", headers=headers).json()
        for pid in _children_named(root_pid, "bot.app"):
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
        print(f"\ngateway killed and restarted: widget session and history intact: {'yes' if same else 'NO'} "
              f"({len(after.get('entries', []))} entries after, {len(before.get('entries', []))} before)")


if __name__ == "__main__":
    sys.exit(main())
