"""After a staff edit the console says whether the assistant really serves it (it compares content hashes)."""

from __future__ import annotations

import asyncio

import httpx

from bot.gateway.console.service import ConsoleService
from bot.gateway.console.settings import ConsoleSettings
from bot.gateway.conversation.outbox import Outbox
from knowledge_base.store import disk


def nudge(kb_root, answer) -> str:
    async def run() -> str:
        http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        settings = ConsoleSettings(
            database_url="sqlite://", kb_root=kb_root, actions_url="http://actions", actions_admin_token="t"
        )
        try:
            return await ConsoleService(None, settings, Outbox(), http).nudge_reload()
        finally:
            await http.aclose()

    return asyncio.run(run())


def test_updated_only_when_the_action_server_serves_the_files_just_written(kb_root):
    current = disk.content_hash(kb_root)
    assert nudge(kb_root, lambda r: httpx.Response(200, json={"reloaded": True, "content_hash": current})) == "updated"
    # Reloading failed there (e.g. it read invalid files) and it still serves the old data.
    assert nudge(kb_root, lambda r: httpx.Response(200, json={"reloaded": False, "content_hash": "old"})) == "failed"
    assert nudge(kb_root, lambda r: httpx.Response(401, json={"error": "token"})) == "failed"

    def unreachable(request):
        raise httpx.ConnectError("refused", request=request)

    assert nudge(kb_root, unreachable) == "failed"
