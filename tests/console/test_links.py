"""The reply filter that puts counted links into replies: whole links only, punctuation kept, replies kept
within their channel limit, one token per link and citizen; and the client's reading of funnel marks."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.gateway.console.links import LinkRewriter
from bot.gateway.conversation.models import Button, FunnelMark, IncomingMessage, OutgoingMessage, Reply, TurnInfo
from bot.gateway.conversation.rasa_client import RasaClient
from bot.gateway.db import funnel
from bot.gateway.db.engine import create_db_engine, migrate, session_factory

PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfe-03ac-70cd-a6db-636d0bd839e5"
PORTAL = "https://dichvucong.gov.vn"
BASE = "https://tro-ly.example.gov.vn/"
WHO = IncomingMessage("telegram", "42", "xin phép xây nhà")


@pytest.fixture
def sessions(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'links.db'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def rewrite(sessions, *texts: str, procedure: str | None = "1.013225") -> list[str]:
    reply = Reply([OutgoingMessage(t, [Button("Tiếp", "/x")]) for t in texts], TurnInfo("answered", procedure))
    done = LinkRewriter(sessions, BASE, ("dichvucong.gov.vn",)).rewrite(WHO, reply)
    assert [m.buttons for m in done.messages] == [m.buttons for m in reply.messages]
    return [m.text for m in done.messages]


def test_portal_links_become_counted_links_and_others_stay(sessions):
    [text] = rewrite(sessions, f"Trang thủ tục: {PAGE}. Cổng ({PORTAL}), PayGov https://www.pay.gov.vn.")
    assert PAGE not in text and "https://www.pay.gov.vn." in text
    page_token, portal_token = [part.split("/r/")[1].rstrip(".,)") for part in text.split() if "/r/" in part]
    with sessions() as db:
        assert funnel.link(db, page_token).url == PAGE and funnel.link(db, portal_token).url == PORTAL
        assert funnel.link(db, page_token).procedure == "1.013225"
    # The portal's address is named beside each counted link: citizens see where it goes.
    assert f"/r/{page_token} (dichvucong.gov.vn). Cổng (" in text
    assert f"/r/{portal_token} (dichvucong.gov.vn))," in text


def test_the_same_link_to_the_same_citizen_keeps_its_token(sessions):
    assert rewrite(sessions, f"xem {PAGE}") == rewrite(sessions, f"xem {PAGE}")


def test_the_procedure_of_a_walkthrough_step_comes_from_its_funnel_mark(sessions):
    reply = Reply([OutgoingMessage(f"Bước 2/6 – {PAGE}.")], TurnInfo(funnel=(FunnelMark("step", "1.008891", "find"),)))
    text = LinkRewriter(sessions, BASE, ("dichvucong.gov.vn",)).rewrite(WHO, reply).messages[0].text
    with sessions() as db:
        assert funnel.link(db, text.split("/r/")[1].split()[0]).procedure == "1.008891"


def test_a_link_that_would_grow_past_the_limit_is_left_and_a_shrinking_one_is_taken(sessions):
    filler = "x" * (600 - len(PORTAL) - len(PAGE) - 2)
    [text] = rewrite(sessions, f"{filler} {PAGE} {PORTAL}")
    assert len(text) <= 600 and PAGE not in text  # the page shrank, which made room for the portal too
    [text] = rewrite(sessions, "y" * (600 - len(PORTAL) - 1) + " " + PORTAL)
    assert text.endswith(f" {PORTAL}") and len(text) == 600
    [first] = rewrite(sessions, "z" * (700 - len(PORTAL) - 1) + " " + PORTAL)  # a first answer: up to 800
    assert "/r/" in first and len(first) <= 800


async def test_a_failing_database_leaves_the_reply_as_it_was(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated: no tables
    reply = Reply([OutgoingMessage(f"xem {PAGE}")])
    assert await LinkRewriter(session_factory(engine), BASE, ("dichvucong.gov.vn",))(WHO, reply) == reply
    engine.dispose()


async def test_the_client_reads_funnel_marks_and_never_shows_them(unused_tcp_port):
    # A real HTTP server answering as Rasa's REST channel does, so the real client code reads it.
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        assert body == {"sender": "api:1", "message": "/start_guide"}
        return web.json_response(
            [
                {"text": "Bước 1/6"},
                {"custom": {"funnel": {"event": "started", "procedure": "1.008891"}}},
                {"custom": {"turn": {"status": "answered", "procedure": "1.008891"}}},
                {"custom": {"funnel": {"event": "step", "procedure": "1.008891", "detail": "login"}}},
            ]
        )

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    client = RasaClient(f"http://127.0.0.1:{unused_tcp_port}", "t")
    try:
        reply = await client.send("api:1", "/start_guide")
    finally:
        await client.aclose()
        await runner.cleanup()
    assert [m.text for m in reply.messages] == ["Bước 1/6"]
    assert reply.turn.status == "answered" and reply.turn.funnel == (
        FunnelMark("started", "1.008891"),
        FunnelMark("step", "1.008891", "login"),
    )
