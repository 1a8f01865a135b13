"""On Telegram and Zalo the 👍/👎 question rides on the answer's own buttons instead of a second message; the
widget keeps it as it is. Through the real gateway against the fake Bot API and the fake Zalo OA API."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.gateway.channels.feedback import ride_on_answer
from bot.gateway.conversation.models import Button, OutgoingMessage
from tests.fakes import rasa_guide
from tests.fakes.rasa_guide import guide_rasa
from tests.fakes.servers import ServerThread, eventually
from tests.fakes.telegram_api import TOKEN
from tests.fakes.zalo_api import APP_ID, OA_SECRET_KEY, FakeZalo

CHAT = 990001
GOOD, BAD = Button("👍 Hữu ích", '/feedback{"value": "good"}'), Button("👎 Chưa đúng", '/feedback{"value": "bad"}')


@pytest.fixture
def rasa():
    with ServerThread(guide_rasa()) as server:
        yield server


def test_the_feedback_buttons_join_the_answer_and_their_question_is_dropped():
    answer = OutgoingMessage("Thủ tục X: ...", [Button("Lệ phí", "/ask_fee")])
    merged = ride_on_answer([answer, OutgoingMessage("Câu trả lời có hữu ích không?", [GOOD, BAD])])
    assert merged == [OutgoingMessage("Thủ tục X: ...", [Button("Lệ phí", "/ask_fee"), GOOD, BAD])]
    lone = [OutgoingMessage("Câu trả lời có hữu ích không?", [GOOD, BAD])]
    assert ride_on_answer(lone) == lone  # nothing to ride on


def test_telegram_answer_carries_thumbs_side_by_side_in_one_message(start_gateway, telegram):
    start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url, REMINDERS="off")
    eventually(lambda: telegram.called("deleteWebhook"))
    telegram.push(telegram.text(CHAT, rasa_guide.ASK))
    first = eventually(lambda: telegram.sent(CHAT))[0]
    [[start]] = first["reply_markup"]["inline_keyboard"]
    telegram.push(telegram.tap(CHAT, start["callback_data"]))
    step = eventually(lambda: [m for m in telegram.sent(CHAT) if m["text"].startswith("Bước 1")])[0]
    done = next(b for [b] in step["reply_markup"]["inline_keyboard"] if b["text"] == "Xong")
    before = len(telegram.sent(CHAT))
    telegram.push(telegram.tap(CHAT, done["callback_data"]))  # "Xong": the walkthrough's end and 👍/👎
    eventually(lambda: len(telegram.sent(CHAT)) > before)
    time.sleep(0.5)
    ended = telegram.sent(CHAT)[before:]
    assert len(ended) == 1 and ended[0]["text"] == "Đã dừng hướng dẫn."
    assert [b["text"] for b in ended[0]["reply_markup"]["inline_keyboard"][-1]] == ["👍 Hữu ích", "👎 Chưa đúng"]


def test_zalo_answer_carries_the_thumbs_as_its_own_buttons(start_gateway, zalo_api):
    gateway = start_gateway(
        ZALO_APP_ID=APP_ID,
        ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
        ZALO_ACCESS_TOKEN="access-1",
        ZALO_API_URL=zalo_api.url,
        REMINDERS="off",
    )

    def send(text: str) -> None:
        raw = zalo_api.event("5510001", text)
        assert (
            httpx.post(
                f"{gateway.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": FakeZalo.signature(raw)}
            ).status_code
            == 200
        )

    def tap(title: str) -> None:
        body = next(b for b in reversed(zalo_api.messages) if "attachment" in b["message"])
        send(next(x["payload"] for x in body["message"]["attachment"]["payload"]["buttons"] if x["title"] == title))

    send(rasa_guide.ASK)
    eventually(lambda: zalo_api.messages)
    tap("Hướng dẫn từng bước")
    eventually(lambda: any(m["message"].get("text", "").startswith("Bước 1") for m in zalo_api.messages))
    time.sleep(0.3)
    before = len(zalo_api.messages)
    tap("Xong")
    eventually(lambda: len(zalo_api.messages) > before)
    time.sleep(0.5)
    [ended] = zalo_api.messages[before:]
    assert ended["message"]["text"] == "Đã dừng hướng dẫn."
    assert [b["title"] for b in ended["message"]["attachment"]["payload"]["buttons"]] == ["👍 Hữu ích", "👎 Chưa đúng"]
