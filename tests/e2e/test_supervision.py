"""The run command keeps the assistant up: a crashed child is restarted and health recovers."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _children_of(pid: int) -> dict[int, str]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found[int(stat.parent.name)] = cmd
        except (OSError, ValueError, IndexError):
            continue
    return found


def _action_servers_up(url: str) -> str:
    try:
        return httpx.get(f"{url}/health", timeout=5).json()["components"]["action_server"].get("servers_up", "")
    except (httpx.HTTPError, ValueError, KeyError):
        return ""


def _until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_killed_action_server_is_restarted_and_health_recovers(stack):
    actions = sorted(pid for pid, cmd in _children_of(stack.process.pid).items() if "actions.server" in cmd)
    assert len(actions) == 2, _children_of(stack.process.pid)
    assert _until(lambda: _action_servers_up(stack.url) == "2/2", 60)
    os.kill(actions[0], signal.SIGKILL)
    assert _until(lambda: _action_servers_up(stack.url) == "1/2", 10), "health should count the action server down"
    # The other action server keeps the assistant ready meanwhile.
    assert httpx.get(f"{stack.url}/health", timeout=5).status_code == 200
    assert _until(lambda: _action_servers_up(stack.url) == "2/2", 180), f"no recovery:\n{stack.log_tail()}"
    assert "exited with code -9" in stack.log_path.read_text()
    new = sorted(pid for pid, cmd in _children_of(stack.process.pid).items() if "actions.server" in cmd)
    assert len(new) == 2 and new != actions
    # And the assistant answers again, on both Rasa servers (each calls its own action server).
    for sender in ("after-restart-1", "after-restart-2", "after-restart-3", "after-restart-4"):
        text = "\n".join(m["text"] for m in stack.chat(sender, "chứng chỉ hành nghề kiến trúc"))
        assert "1.008891" in text
