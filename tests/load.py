"""Open-loop load on a running stack, shared by the CI load test (tests/e2e/test_load.py) and `make bench`.

Citizens arrive at random (Poisson) at a set rate of turns per second, whatever the others are doing; each holds
a 3-turn conversation (a procedure question, then "lệ phí bao nhiêu", then "nộp ở đâu") with a random pause
between turns, and comes through the reverse proxy with an address of its own (X-Forwarded-For, from the
benchmarking range 198.18.0.0/15: a header value only, no traffic goes there). A turn goes either to the gateway
(/api/chat) or straight to a Rasa server's REST channel (bare Rasa), so both can be measured side by side.
A citizen told "busy" (503 with Retry-After) leaves; the turn is counted as shed.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.gateway.conversation import notices
from scripts.bench_http import Client, HTTPError

ROOT = Path(__file__).resolve().parent.parent
FOLLOW_UPS = ["lệ phí bao nhiêu", "nộp ở đâu"]
# What the gateway says when the assistant did not answer (an action or a store failed): not an answer.
NOT_ANSWERS = {notices.NO_REPLY, notices.UNAVAILABLE, notices.BUSY}


def questions() -> list[tuple[str, str]]:
    """(question, expected national code) of the short questions a department procedure answers."""
    with open(ROOT / "tests" / "data" / "short_questions.tsv", encoding="utf-8") as f:
        rows = [r for r in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t")]
    return [(r[3], r[2]) for r in rows[1:] if len(r) >= 4 and r[1] == "in"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@dataclass
class Turn:
    path: str
    sender: str
    index: int
    latency_ms: float
    status: int  # HTTP status; 0 when nothing answered (a timeout or a dropped connection)
    text: str = ""
    at: float = 0.0  # seconds since the load began, when the turn was sent
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.text) and self.text not in NOT_ANSWERS

    @property
    def shed(self) -> bool:
        """Refused at once as busy: 503 with Retry-After, nothing sent to Rasa."""
        return self.status == 503 and self.error == "busy"


@dataclass
class Run:
    turns: list[Turn] = field(default_factory=list)
    conversations: dict[str, tuple[str, str]] = field(default_factory=dict)  # sender -> (path, expected code)

    def of(self, path: str) -> list[Turn]:
        return [t for t in self.turns if t.path == path]


class OpenLoad:
    def __init__(
        self,
        bot_url: str,
        rasa_urls: list[str],
        rate: float,
        seconds: float,
        *,
        think_s: float = 2.0,
        path_at: Callable[[float], str] = lambda elapsed: "gateway",
        timeout_s: float = 60.0,
        tag: str = "",
    ) -> None:
        self.bot_url, self.rasa_urls = bot_url, rasa_urls
        self.rate, self.think_s, self.seconds = rate, think_s, seconds
        self.path_at = path_at
        self.tag = tag or f"{os.getpid()}-{random.randrange(10**6)}"
        self.questions = questions()
        self.run = Run()
        self.http = Client(timeout=timeout_s)

    async def turn(self, path: str, sender: str, address: str, text: str, index: int, t0: float) -> Turn:
        at = time.monotonic() - t0
        start = time.perf_counter()
        status, body, error = 0, "", ""
        try:
            if path == "gateway":
                r = await self.http.post(
                    f"{self.bot_url}/api/chat", {"sender_id": sender, "text": text}, {"X-Forwarded-For": address}
                )
                status = r.status_code
                data = r.json()
                body = " ".join(m.get("text") or "" for m in data.get("messages", [])) if status == 200 else ""
                if status == 503 and "retry-after" in r.headers and "capacity" in str(data.get("error", "")):
                    error = "busy"
            else:
                # Bare Rasa gets the spreading a plain load balancer gives it: one server per conversation.
                url = self.rasa_urls[int(hashlib.md5(sender.encode()).hexdigest(), 16) % len(self.rasa_urls)]
                r = await self.http.post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})
                status = r.status_code
                body = " ".join(m.get("text") or "" for m in r.json()) if status == 200 else ""
        except (HTTPError, ValueError) as exc:
            error = str(exc)[:200]
        return Turn(path, sender, index, (time.perf_counter() - start) * 1000, status, body, at, error)

    async def conversation(self, n: int, t0: float) -> None:
        path = self.path_at(time.monotonic() - t0)
        question, code = random.choice(self.questions)
        sender = f"load-{path}-{self.tag}-{n}"
        address = f"198.18.{(n // 250) % 250}.{n % 250 + 1}"
        self.run.conversations[sender] = (path, code)
        for index, text in enumerate([question, *FOLLOW_UPS]):
            if index:
                await asyncio.sleep(random.expovariate(1 / self.think_s))
            turn = await self.turn(path, sender, address, text, index, t0)
            self.run.turns.append(turn)
            if turn.shed:
                return  # told to come back later: this citizen leaves

    async def drive(self, on_tick: Callable[[float], None] | None = None) -> Run:
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

    async def user_turns_stored(self, token: str, senders: list[str]) -> dict[str, int]:
        """User turns in Rasa's tracker of each sender (every Rasa server reads the one tracker store)."""
        counts: dict[str, int] = {}
        gate = asyncio.Semaphore(8)

        async def one(i: int, sender: str) -> None:
            async with gate:
                url = self.rasa_urls[i % len(self.rasa_urls)]
                r = await self.http.get(f"{url}/conversations/{sender}/tracker", {"token": token})
                events = r.json().get("events", []) if r.status_code == 200 else []
                counts[sender] = sum(1 for e in events if e.get("event") == "user")

        await asyncio.gather(*(one(i, s) for i, s in enumerate(senders)))
        return counts

    async def twice_and_lost(self, token: str) -> tuple[int, int]:
        """Conversations with more user turns stored than sent to Rasa (answered twice), and with fewer stored
        than answered (lost). A shed turn never reaches Rasa; a turn that got an error may or may not have."""
        run = self.run
        # The gateway names a conversation "<channel>:<sender>" in Rasa.
        tracker = {s: (f"api:{s}" if path == "gateway" else s) for s, (path, _) in run.conversations.items()}
        stored = await self.user_turns_stored(token, list(tracker.values()))
        sent: dict[str, int] = {}
        answered: dict[str, int] = {}
        for t in run.turns:
            sent[t.sender] = sent.get(t.sender, 0) + (not t.shed)
            answered[t.sender] = answered.get(t.sender, 0) + t.ok
        twice = sum(1 for s in run.conversations if stored.get(tracker[s], 0) > sent.get(s, 0))
        lost = sum(1 for s in run.conversations if stored.get(tracker[s], 0) < answered.get(s, 0))
        return twice, lost

    async def aclose(self) -> None:
        await self.http.aclose()


def focus_kept(run: Run) -> tuple[int, int]:
    """Gateway conversations whose follow-ups (fee, where) were answered about the procedure of the first
    question, of those whose first answer named the expected procedure."""
    by_sender: dict[str, list[Turn]] = {}
    for t in run.turns:
        by_sender.setdefault(t.sender, []).append(t)
    kept = total = 0
    for sender, turns in by_sender.items():
        path, code = run.conversations[sender]
        if path != "gateway" or len(turns) < 3 or not all(t.ok for t in turns):
            continue
        if code not in turns[0].text:
            continue  # the first answer was another procedure: not a question of focus
        total += 1
        kept += all(code in t.text for t in turns[1:])
    return kept, total
