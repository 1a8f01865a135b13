"""How the gateway spreads turns over Rasa servers, against two local servers speaking Rasa's REST channel: a
quiet stack keeps each conversation on its own server; a server busy with a slow turn does not make the next
citizen wait behind it while the other server is idle."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from bot.conversation.rasa_pool import RasaPool, preferred_order


class FakeRasa:
    """Answers `/webhooks/rest/webhook` with the name of the server; a turn whose text is 'slow' is held
    until released, as Rasa holds a long turn."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.senders: list[str] = []
        self.release = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.senders.append(body["sender"])
        if body["message"] == "slow":
            await self.release.wait()
        return web.json_response([{"recipient_id": body["sender"], "text": self.name}])

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        self.release.set()
        await self._runner.cleanup()


@pytest.fixture
async def servers():
    pair = [FakeRasa("A"), FakeRasa("B")]
    for server in pair:
        await server.start()
    yield pair
    for server in pair:
        await server.stop()


async def test_on_a_quiet_stack_each_conversation_stays_on_its_own_server(servers):
    urls = [s.url for s in servers]
    pool = RasaPool(urls, token="t", timeout_s=5)
    try:
        senders = [f"citizen-{i}" for i in range(12)]
        for _ in range(3):
            for sender in senders:
                reply = await pool.send(sender, "xin chào")
                owner = preferred_order(urls, sender)[0]
                assert reply.messages[0].text == servers[urls.index(owner)].name
        assert servers[0].senders and servers[1].senders  # both servers carry conversations
    finally:
        await pool.aclose()


async def test_a_turn_does_not_queue_behind_a_busy_server_while_another_is_idle(servers):
    urls = [s.url for s in servers]
    pool = RasaPool(urls, token="t", timeout_s=5)
    try:
        # Two citizens whose conversations both belong to server A.
        own_a = [s for s in (f"citizen-{i}" for i in range(50)) if preferred_order(urls, s)[0] == urls[0]][:2]
        slow = asyncio.create_task(pool.send(own_a[0], "slow"))
        while not servers[0].senders:
            await asyncio.sleep(0.01)
        quick = await asyncio.wait_for(pool.send(own_a[1], "xin chào"), timeout=3)
        assert quick.messages[0].text == "B"
        servers[0].release.set()
        assert (await slow).messages[0].text == "A"
        # Once A is free again, the conversation goes back to its own server.
        assert (await pool.send(own_a[1], "xin chào")).messages[0].text == "A"
    finally:
        await pool.aclose()
