"""A citizen ID typed in any channel never reaches Rasa, the console's database or the log; the citizen is told.

Also: text Rasa could not have handled (lone surrogates, control characters) is cleaned at the same edge.
"""

from __future__ import annotations

import logging
import sqlite3

import httpx
import pytest

from tests.fakes.servers import ServerThread, eventually
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.zalo_api import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo

CCCD = "001.203.004.567"
DIGITS = "001203004567"
NOTE = "không cần gửi số CCCD"


@pytest.fixture
def stack(start_gateway, tmp_path):
    telegram, zalo = FakeTelegram(), FakeZalo()
    with ServerThread(telegram.app) as tg_server, ServerThread(zalo.app) as zalo_server:
        telegram.url, zalo.url = tg_server.url, zalo_server.url
        gateway = start_gateway(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=telegram.url,
            ZALO_APP_ID=APP_ID,
            ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
            ZALO_APP_SECRET=APP_SECRET,
            ZALO_ACCESS_TOKEN="access-1",
            ZALO_REFRESH_TOKEN="refresh-1",
            ZALO_API_URL=zalo.url,
            ZALO_OAUTH_URL=zalo.url,
            ZALO_TOKEN_FILE=str(tmp_path / "zalo-tokens.json"),
        )
        eventually(lambda: telegram.called("deleteWebhook"))
        eventually(lambda: zalo.refreshes)
        yield gateway, telegram, zalo


def _database_text(path) -> str:
    with sqlite3.connect(path) as db:
        rows = [
            str(value)
            for table in ("turns", "review_items", "audit_log")
            for row in db.execute(f"select * from {table}")
            for value in row
        ]  # noqa: S608 (fixed names)
    return "\n".join(rows)


def test_a_cccd_typed_in_every_channel_is_nowhere_to_be_found(stack, rasa, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    gateway, telegram, zalo = stack
    question = f"CCCD của tôi là {CCCD}, xin giấy phép xây dựng ở đâu?"

    api = httpx.post(f"{gateway.url}/api/chat", json={"sender_id": "a1", "text": question}).json()
    assert NOTE in api["messages"][0]["text"]

    widget = httpx.post(f"{gateway.url}/widget/api/session").json()["session"]
    answered = httpx.post(
        f"{gateway.url}/widget/api/messages", json={"text": question}, headers={"X-Widget-Session": widget}
    ).json()
    assert any(NOTE in e["text"] for e in answered["entries"])
    assert all(CCCD not in e["text"] for e in answered["entries"])

    telegram.push(telegram.text(777002, question))
    assert NOTE in eventually(lambda: telegram.sent(777002))[0]["text"]

    raw = zalo.event("24684588", question, msg_id="m-cccd")
    assert (
        httpx.post(
            f"{gateway.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": zalo.signature(raw)}
        ).status_code
        == 200
    )
    assert NOTE in eventually(lambda: zalo.messages)[0]["message"]["text"]

    channels = {sender.split(":")[0] for sender, _ in rasa.app.state.received}
    assert channels == {"api", "widget", "telegram", "zalo"}
    seen_by_rasa = "\n".join(text for _, text in rasa.app.state.received)
    stored = eventually(
        lambda: _database_text(tmp_path / "console.db").count("[CCCD]") >= 4 and _database_text(tmp_path / "console.db")
    )
    for place, text in (("Rasa", seen_by_rasa), ("database", stored), ("log", caplog.text)):
        assert CCCD not in text and DIGITS not in text, place
    print(
        f"\nCCCD typed in 4 channels; found in Rasa's input: {seen_by_rasa.count(CCCD)}, database: "
        f"{stored.count(CCCD) + stored.count(DIGITS)}, log lines: {caplog.text.count(CCCD)}"
    )


def test_text_nothing_can_encode_is_cleaned_before_rasa(start_gateway, rasa):
    gateway = start_gateway()
    raw = '{"sender_id": "s1", "text": "xin\\ud800 phép\\u0000 xây\\u202e nhà\\ud83d"}'.encode()
    reply = httpx.post(f"{gateway.url}/api/chat", content=raw, headers={"Content-Type": "application/json"})
    assert reply.status_code == 200
    assert rasa.app.state.received[-1][1] == "xin phép xây nhà"
    only_garbage = httpx.post(
        f"{gateway.url}/api/chat",
        content=b'{"sender_id": "s2", "text": "\\ud800\\u0001"}',
        headers={"Content-Type": "application/json"},
    )
    assert only_garbage.status_code == 200 and only_garbage.json()["messages"][0]["text"]


def test_typed_slash_commands_are_not_buttons_or_feedback_in_the_record(start_gateway, rasa, tmp_path):
    gateway = start_gateway()
    for text in ('/feedback{"value":"bad"}', "/start_guide"):
        assert httpx.post(f"{gateway.url}/api/chat", json={"sender_id": "typist", "text": text}).status_code == 200

    def recorded():
        with sqlite3.connect(tmp_path / "console.db") as db:
            return db.execute("select kind, text, feedback, online_guide from turns order by id").fetchall()

    rows = eventually(lambda: len(recorded()) == 2 and recorded())
    assert rows == [("question", 'feedback{"value":"bad"}', None, 0), ("question", "start_guide", None, 0)]
