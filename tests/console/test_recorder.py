"""What the turn recorder makes of each turn the conversation service hands it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.gateway.console.recorder import TurnRecorder
from bot.gateway.conversation.models import IncomingMessage, Reply, TurnInfo
from bot.gateway.db import repositories as repo
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.db.models import Turn


@pytest.fixture
def sessions(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def turn(status="chat", procedure=None, confidence=None, reason=None) -> Reply:
    return Reply([], TurnInfo(status, procedure, confidence, reason))


async def test_each_turn_is_stored_with_what_the_actions_reported(sessions):
    record = TurnRecorder(sessions)
    await record(IncomingMessage("zalo", "z1", "xin phép xây nhà, sđt 0912345678"), turn("answered", "1.013225", 0.87))
    await record(
        IncomingMessage("zalo", "z1", '/ask_procedure{"procedure_code": "1.013229"}'), turn("answered", "1.013229", 1.0)
    )
    await record(IncomingMessage("zalo", "z1", "/start_guide"), turn("answered", "1.013229", reason="online guide"))
    await record(
        IncomingMessage("zalo", "z1", "hướng dẫn nộp online"), turn("answered", "1.013229", reason="online guide")
    )
    with sessions() as db:
        rows = db.execute(
            select(Turn.kind, Turn.text, Turn.status, Turn.procedure, Turn.online_guide).order_by(Turn.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("question", "xin phép xây nhà, sđt [SĐT]", "answered", "1.013225", False),
        ("button", '/ask_procedure{"procedure_code": "1.013229"}', "answered", "1.013229", False),
        ("button", "/start_guide", "answered", "1.013229", True),
        ("question", "hướng dẫn nộp online", "answered", "1.013229", True),
    ]


async def test_feedback_payload_and_typed_feedback_rate_the_previous_answer(sessions):
    record = TurnRecorder(sessions)
    await record(IncomingMessage("telegram", "t1", "gia hạn giấy phép xây dựng"), turn("answered", "1.013227", 0.9))
    await record(IncomingMessage("telegram", "t1", '/feedback{"value":"good"}'), turn("feedback", reason="good"))
    await record(IncomingMessage("telegram", "t2", "cấp lại chứng chỉ"), turn("answered", "1.013238", 0.7))
    await record(IncomingMessage("telegram", "t2", "trả lời sai rồi"), turn("feedback", reason="bad"))
    with sessions() as db:
        rated = dict(db.execute(select(Turn.text, Turn.feedback).where(Turn.kind == "question")).all())
        queue = [(item.text, item.reason) for item in repo.list_queue(db)]
    assert rated == {"gia hạn giấy phép xây dựng": "good", "cấp lại chứng chỉ": "bad"}
    assert queue == [("cấp lại chứng chỉ", "bad_feedback")]


async def test_a_malformed_feedback_payload_is_an_ordinary_button(sessions):
    await TurnRecorder(sessions)(IncomingMessage("widget", "w1", "/feedback{oops"), turn("chat"))
    with sessions() as db:
        assert db.execute(select(Turn.kind, Turn.feedback)).one() == ("button", None)
