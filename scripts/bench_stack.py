"""Benchmark of the whole stack: cold start, /api/chat vs a bare Rasa REST turn, and memory of each process.

Starts its own stack on free ports (model and index cached, as on a second `make run`), then prints p50/p95
latency sequentially and with concurrent users, side by side for the gateway and for Rasa directly.
Usage: .venv/bin/python scripts/bench_stack.py [--requests 60] [--users 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "xin chào",
    "Thủ tục cấp chứng chỉ hành nghề kiến trúc như thế nào?",
    "xin giay phep xay dung nha o rieng le o dau",
    "cchn giám sát cấp mới mất bao lâu",
    "cảm ơn",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def _sender(tag: str, user: int, i: int) -> str:
    # A new conversation every 10 turns keeps each sender under the gateway's rate limit (15 a minute),
    # which would otherwise turn the benchmark into a measure of the polite "slow down" notice.
    return f"bench-{tag}-{user}-{i // 10}"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _run_load(make_request, requests: int, users: int) -> list[float]:
    latencies: list[float] = []
    per_user = max(1, requests // users)

    async def user(u: int) -> None:
        for i in range(per_user):
            t0 = time.perf_counter()
            await make_request(u, i)
            latencies.append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(user(u) for u in range(users)))
    return latencies


async def _measure(bot_url: str, rasa_url: str, requests: int, users: int) -> list[tuple[str, list[float]]]:
    async with httpx.AsyncClient(timeout=60) as http:
        async def via_gateway(u: int, i: int, tag: str) -> None:
            r = await http.post(f"{bot_url}/api/chat",
                                json={"sender_id": _sender(tag, u, i), "text": QUESTIONS[i % len(QUESTIONS)]})
            r.raise_for_status()

        async def via_rasa(u: int, i: int, tag: str) -> None:
            r = await http.post(f"{rasa_url}/webhooks/rest/webhook",
                                json={"sender": "rasa-" + _sender(tag, u, i), "message": QUESTIONS[i % len(QUESTIONS)]})
            r.raise_for_status()

        results = []
        for label, fn in (("/api/chat", via_gateway), ("bare Rasa REST", via_rasa)):
            await _run_load(lambda u, i: fn(u, i, "warm"), len(QUESTIONS), 1)
            results.append((f"{label}, sequential", await _run_load(lambda u, i: fn(u, i, "seq"), requests, 1)))
            results.append((f"{label}, {users} users", await _run_load(lambda u, i: fn(u, i, "conc"), requests * 2, users)))
        return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    ports = {"BOT_PORT": _free_port(), "RASA_PORT": _free_port(), "ACTIONS_PORT": _free_port()}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "RASA_TELEMETRY_ENABLED": "false"}
    bot_url, rasa_url = f"http://127.0.0.1:{ports['BOT_PORT']}", f"http://127.0.0.1:{ports['RASA_PORT']}"
    log = open(ROOT / "build" / "bench-stack.log", "w") if (ROOT / "build").is_dir() else subprocess.DEVNULL
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                print("the stack exited before it was ready; see build/bench-stack.log", file=sys.stderr)
                return 1
            try:
                if httpx.get(f"{bot_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        cold = time.monotonic() - t0
        print(f"cold start (run command to healthy, model and index cached): {cold:.1f} s")
        results = asyncio.run(_measure(bot_url, rasa_url, args.requests, args.users))
        print(f"\n{'path':<32}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
        for label, values in results:
            print(f"{label:<32}{len(values):>6}{statistics.median(values):>10.1f}"
                  f"{_percentile(values, 0.95):>10.1f}{statistics.fmean(values):>10.1f}")
        print("\nresident memory (RSS):")
        for pid in [proc.pid, *_descendants(proc.pid)]:
            cmd = _cmdline(pid)
            name = ("supervisor" if pid == proc.pid else "rasa" if "rasa" in cmd and " run " in cmd
                    else "actions" if "actions.server" in cmd else "gateway" if "bot.app" in cmd else cmd[:40])
            print(f"  {name:<12}{_rss_mb(pid):>8.0f} MB   (pid {pid})")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
