"""The production topology on one machine (the session stack: 2 Rasa + 2 action servers + 2 gateways on a real
PostgreSQL and a real Redis): a conversation keeps its procedure across the kill of any one part."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from bot.gateway.conversation.rasa_pool import preferred_order
from tests.processes import descendants

pytestmark = pytest.mark.e2e
CODE = re.compile(r"\b\d\.\d{6}\b")
RESTORE_TIMEOUT_S = 400


def _process(stack, *, cmd: str, env: str | None = None) -> int:
    for pid in descendants(stack.process.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd in cmdline and (env is None or env.encode() in environ):
            return pid
    raise AssertionError(f"no process {cmd!r} {env or ''} under the stack")


def _text(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def _servers_up(url: str) -> str:
    try:
        return httpx.get(f"{url}/health", timeout=5).json()["components"]["rasa"].get("servers_up", "")
    except (httpx.HTTPError, ValueError, KeyError):
        return ""


def _wait(condition, what: str, timeout_s: float = RESTORE_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout_s:.0f} s: {what}"
        time.sleep(1)


def test_a_conversation_keeps_its_procedure_across_the_kill_of_any_one_part(stack):
    gateways = [stack, stack.second_gateway]
    sender = "topology-citizen"
    first = _text(stack.chat(sender, "thủ tục cấp mới chứng chỉ hành nghề giám sát xây dựng"))
    code = CODE.search(first).group(0)
    env = stack.env
    rasa_urls = [f"http://127.0.0.1:{int(env['RASA_PORT']) + i}" for i in range(2)]
    # The Rasa server (and its action server) this conversation is on: killing the other would prove nothing.
    index = rasa_urls.index(preferred_order(rasa_urls, f"api:{sender}")[0])
    victims = [
        ("its Rasa server", _process(stack, cmd=f"-p {int(env['RASA_PORT']) + index} "), stack, "lệ phí bao nhiêu"),
        (
            "its action server",
            _process(stack, cmd="actions.server", env=f"ACTIONS_PORT={int(env['ACTIONS_PORT']) + index}"),
            stack,
            "nộp ở đâu",
        ),
        ("the gateway it used", _process(stack, cmd="bot.gateway.app"), stack.second_gateway, "mất bao lâu"),
    ]
    for what, pid, via, follow_up in victims:
        os.kill(pid, signal.SIGKILL)
        if what == "its action server":
            # The gateways notice within a probe (about a second) and stop sending there.
            _wait(lambda: _servers_up(via.url) == "1/2", "the gateway noticing the dead action server", 30)
        reply = _text(via.chat(sender, follow_up))
        assert code in reply, f"after killing {what}, {follow_up!r} got: {reply[:300]}"
        # The supervisor brings the part back; the next kill starts from a whole stack.
        _wait(lambda: all(_servers_up(g.url) == "2/2" for g in gateways), f"the stack recovering from {what}")
