"""How the gateway spreads turns over Rasa servers, against two local servers speaking Rasa's REST channel: a
quiet stack keeps each conversation on its own server; a server busy with a slow turn does not make the next
citizen wait behind it while the other server is idle; past every server's capacity a turn is refused at once;
a server that answers turns but not its probe stays up."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from bot.gateway.conversation.admission import MIN_SLOTS
from bot.gateway.conversation.rasa_client import RasaBusy
from bot.gateway.conversation.rasa_pool import RasaPool, preferred_order


class FakeRasa:
    """Answers `/webhooks/rest/webhook` with the name of the server; a turn whose text is 'slow' is held
    until released, as Rasa holds a long turn."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.senders: list[str] = []
        self.release = asyncio.Event()
        self.status_answers = True
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.senders.append(body["sender"])
        if body["message"] == "slow":
            await self.release.wait()
        return web.json_response([{"recipient_id": body["sender"], "text": self.name}])

    async def _status(self, request: web.Request) -> web.Response:
        if not self.status_answers:
            await asyncio.sleep(3)  # as a server whose event loop is busy with turns answers its probe
        return web.json_response({"model_file": "model.tar.gz"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        app.router.add_get("/status", self._status)
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


async def test_past_every_servers_capacity_a_turn_is_refused_at_once_and_nothing_admitted_is_lost(servers):
    urls = [s.url for s in servers]
    pool = RasaPool(urls, token="t", timeout_s=10, queue_limit_s=0.001)  # room for MIN_SLOTS turns a server
    try:
        held = [asyncio.create_task(pool.send(f"citizen-{i}", "slow")) for i in range(2 * MIN_SLOTS)]
        while sum(len(s.senders) for s in servers) < 2 * MIN_SLOTS:
            await asyncio.sleep(0.01)
        started = asyncio.get_running_loop().time()
        with pytest.raises(RasaBusy):
            await pool.send("one-more", "xin chào")
        assert asyncio.get_running_loop().time() - started < 0.1
        assert "one-more" not in servers[0].senders + servers[1].senders  # refused, not sent
        for server in servers:
            server.release.set()
        answered = await asyncio.gather(*held)
        assert sorted(r.messages[0].text for r in answered) == ["A"] * MIN_SLOTS + ["B"] * MIN_SLOTS
        # With room again, the next turn is answered.
        assert (await pool.send("one-more", "xin chào")).messages
    finally:
        await pool.aclose()


async def test_a_server_that_answers_turns_but_not_its_probe_stays_up(servers, monkeypatch):
    monkeypatch.setattr("bot.gateway.conversation.rasa_pool.PROBE_TIMEOUT_S", 0.3)
    urls = [s.url for s in servers]
    pool = RasaPool(urls, token="t", timeout_s=5)
    try:
        servers[0].status_answers = False
        owner_a = next(s for s in (f"citizen-{i}" for i in range(50)) if preferred_order(urls, s)[0] == urls[0])
        await pool.send(owner_a, "xin chào")
        for _ in range(4):  # more slow probes in a row than it takes to count a silent server down
            await asyncio.wait_for(pool.probe_all(), timeout=10)
        assert pool.servers[0].healthy
        assert (await pool.send(owner_a, "xin chào")).messages[0].text == "A"
    finally:
        await pool.aclose()


def test_a_few_slow_turns_do_not_make_a_server_look_full():
    from bot.gateway.conversation.admission import Capacity

    capacity = Capacity(limit_s=1.0)
    for _ in range(20):
        capacity.observe(0.02, 1)
    slots = capacity.slots
    for _ in range(5):  # a server's first turns after a start, or turns that waited for a dead server's lock
        capacity.observe(20.0, 1)
    assert capacity.slots == slots == 50
    for _ in range(31):  # but a server that really got slow is seen as slow
        capacity.observe(0.2, 1)
    assert capacity.slots == 5
