"""The test session's stack holds a steady load: 20 s of citizens arriving at 10 turns/s (open loop, 3-turn
conversations) are all answered, none with a timeout, a 5xx or a "busy", and no server is restarted meanwhile.
Not a timed assertion: latency figures come from `make bench`; this only fails when turns are lost (it would
have caught every process's numeric libraries spinning a thread per core, issue 25)."""

from __future__ import annotations

import asyncio

import pytest

from tests.load import OpenLoad, percentile
from tests.processes import descendants

pytestmark = pytest.mark.e2e

RATE = 10.0
SECONDS = 20.0


def test_ten_turns_a_second_for_twenty_seconds_are_all_answered_without_a_restart(stack):
    children_before = set(descendants(stack.process.pid))
    log_before = len(stack.log_path.read_text(errors="replace"))
    rasa_urls = [f"http://127.0.0.1:{int(stack.env['RASA_PORT']) + i}" for i in range(int(stack.env["RASA_PROCESSES"]))]
    # The citizen's timeout is the gateway's own (30 s to Rasa) plus margin: a turn queued that long has failed.
    load = OpenLoad(stack.url, rasa_urls, RATE, SECONDS, timeout_s=35.0)

    async def go():
        try:
            return await load.drive()
        finally:
            await load.aclose()

    run = asyncio.run(go())
    turns = run.turns
    assert len(turns) >= RATE * SECONDS * 0.5, f"the generator offered only {len(turns)} turns"
    failed = [t for t in turns if not t.ok]
    latencies = [t.latency_ms for t in turns if t.ok]
    summary = (
        f"{len(turns)} turns, {len(failed)} failed; p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms"
    )
    assert not failed, (
        summary
        + "; first failures: "
        + "; ".join(f"{t.status or 'no answer'} {t.error} after {t.latency_ms:.0f} ms" for t in failed[:5])
    )
    log = stack.log_path.read_text(errors="replace")[log_before:]
    supervisor = [line for line in log.splitlines() if line.startswith("[run] ")]
    assert not [line for line in supervisor if "exited with code" in line or "killing it" in line], supervisor
    assert children_before <= set(descendants(stack.process.pid)), "a server process was replaced under load"
    print(summary)
