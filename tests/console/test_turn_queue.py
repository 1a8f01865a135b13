"""Turns recorded off the reply path: several turns share one transaction, and a turn that cannot be stored
never takes the other turns of its batch down with it."""

from __future__ import annotations

from sqlalchemy import event, select

from bot.gateway.console.recorder import TurnRecorder
from bot.gateway.console.turn_queue import RecordingQueue
from bot.gateway.conversation.models import IncomingMessage, OutgoingMessage, Reply, TurnInfo
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.db.models import Turn

REPLY = Reply(
    [OutgoingMessage("Thủ tục cấp giấy phép xây dựng (mã 1.013225)")],
    TurnInfo(status="answered", procedure="1.013225", confidence=0.9),
)


def _setup(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    migrate(engine)
    commits = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    return engine, session_factory(engine), commits


def _stored(sessions) -> list[str]:
    with sessions() as db:
        return list(db.scalars(select(Turn.text).order_by(Turn.id)))


async def test_turns_arriving_together_are_stored_in_order_with_fewer_commits(tmp_path):
    engine, sessions, commits = _setup(tmp_path)
    recorder = TurnRecorder(sessions)
    queue = RecordingQueue(recorder.record_all)
    texts = [f"câu hỏi số {i}" for i in range(20)]
    for i, text in enumerate(texts):
        await queue(IncomingMessage("api", f"citizen-{i % 3}", text), REPLY)
    await queue.join()
    assert _stored(sessions) == texts
    assert len(commits) < len(texts) / 2
    await queue.close()
    engine.dispose()


async def test_a_turn_that_cannot_be_stored_does_not_lose_the_others(tmp_path, caplog):
    engine, sessions, _ = _setup(tmp_path)
    recorder = TurnRecorder(sessions)

    def record_all(turns):
        with sessions() as db:
            for incoming, reply in turns:
                if incoming.text == "hỏng":
                    raise RuntimeError("this one cannot be stored")
                recorder._add(db, incoming, reply)
            db.commit()

    queue = RecordingQueue(record_all)
    import bot.gateway.console.turn_queue as turn_queue

    turn_queue.RETRY_S, retry = 0.0, turn_queue.RETRY_S
    try:
        for text in ("lệ phí bao nhiêu", "hỏng", "nộp ở đâu"):
            await queue(IncomingMessage("api", "citizen", text), REPLY)
        await queue.join()
    finally:
        turn_queue.RETRY_S = retry
    assert _stored(sessions) == ["lệ phí bao nhiêu", "nộp ở đâu"]
    assert "could not be recorded" in caplog.text
    await queue.close()
    engine.dispose()
