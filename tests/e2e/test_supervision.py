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


def _wait_health(url: str, want: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == want:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def test_killed_action_server_is_restarted_and_health_recovers(stack):
    actions = [pid for pid, cmd in _children_of(stack.process.pid).items() if "actions.server" in cmd]
    assert len(actions) == 1, _children_of(stack.process.pid)
    os.kill(actions[0], signal.SIGKILL)
    assert _wait_health(stack.url, 503, 10), "health should report the action server down"
    assert _wait_health(stack.url, 200, 180), f"health did not recover:\n{stack.log_tail()}"
    assert "actions exited with code" in stack.log_path.read_text()
    new = [pid for pid, cmd in _children_of(stack.process.pid).items() if "actions.server" in cmd]
    assert new and new != actions
    # And the assistant answers again through the restarted server.
    text = "\n".join(m["text"] for m in stack.chat("after-restart", "chứng chỉ hành nghề kiến trúc"))
    assert "1.008891" in text
