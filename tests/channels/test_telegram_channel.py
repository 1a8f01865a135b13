"""Telegram channel against a local fake Bot API (tests/fakes/telegram_api.py) driven through the real client."""

from __future__ import annotations

import html
import time

import httpx
import pytest

from bot.gateway.conversation.models import OutgoingMessage
from bot.gateway.conversation.outbox import ChannelUnavailable
from tests.fakes.rasa import PERMIT_PAYLOAD, PERMIT_TITLE
from tests.fakes.servers import ServerThread, eventually, free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram

CHAT = 777001


@pytest.fixture
def polling(start_gateway, telegram):
    gateway = start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)
    eventually(lambda: telegram.called("deleteWebhook"))  # polling starts by clearing any webhook
    return gateway


def test_a_question_by_long_polling_gets_the_assistants_answer(polling, telegram, rasa):
    telegram.push(telegram.text(CHAT, "xin chào"))
    sent = eventually(lambda: telegram.sent(CHAT))
    assert sent[0]["text"] == "Bạn hỏi: xin chào"
    assert sent[0]["parse_mode"] == "HTML"
    assert rasa.app.state.received == [(f"telegram:{CHAT}", "xin chào")]


def test_one_chats_messages_reach_the_assistant_in_the_order_sent(polling, telegram, rasa):
    telegram.delays["sendChatAction"] = [0.8]  # the first typing indicator is slow to go out
    for i in range(4):
        telegram.push(telegram.text(CHAT, f"câu {i}"))
    eventually(lambda: len(telegram.sent(CHAT)) == 4)
    assert [m for _, m in rasa.app.state.received] == [f"câu {i}" for i in range(4)]
    assert [m["text"] for m in telegram.sent(CHAT)] == [f"Bạn hỏi: câu {i}" for i in range(4)]


def test_start_shows_the_menu_and_a_typed_intent_command_stays_plain_words(polling, telegram, rasa):
    telegram.push(telegram.text(CHAT, "/start"))
    eventually(lambda: telegram.sent(CHAT))
    telegram.push(telegram.text(CHAT, '/ask_procedure{"procedure_code":"1.013225"}'))
    eventually(lambda: len(telegram.sent(CHAT)) == 2)
    assert [m for _, m in rasa.app.state.received] == ["/show_menu", 'ask_procedure{"procedure_code":"1.013225"}']


def test_buttons_use_short_callback_ids_and_a_tap_is_answered_and_reaches_the_assistant(polling, telegram, rasa):
    telegram.push(telegram.text(CHAT, "cho hỏi giấy phép xây nhà"))
    question = eventually(lambda: telegram.sent(CHAT))[0]
    [[button]] = question["reply_markup"]["inline_keyboard"]
    assert button["text"] == PERMIT_TITLE
    assert len(button["callback_data"].encode()) <= 64 and button["callback_data"] != PERMIT_PAYLOAD
    telegram.push(telegram.tap(CHAT, button["callback_data"]))
    eventually(lambda: len(telegram.sent(CHAT)) == 2)
    assert telegram.called("answerCallbackQuery")
    assert rasa.app.state.received[-1] == (f"telegram:{CHAT}", PERMIT_PAYLOAD)
    assert "1.013225" in telegram.sent(CHAT)[1]["text"]


def test_a_forged_or_expired_button_is_answered_with_a_notice_and_never_reaches_the_assistant(polling, telegram, rasa):
    telegram.push(telegram.tap(CHAT, '/ask_procedure{"procedure_code":"1.013225"}'))
    answered = eventually(lambda: telegram.called("answerCallbackQuery"))
    assert "hết hạn" in answered[0]["text"]
    time.sleep(0.3)
    assert rasa.app.state.received == [] and telegram.sent(CHAT) == []


def test_a_long_answer_is_split_on_paragraphs_escaped_and_keeps_its_buttons_on_the_last_part(polling, telegram):
    telegram.push(telegram.text(CHAT, "dài"))
    eventually(lambda: len(telegram.sent(CHAT)) >= 2)
    time.sleep(0.5)
    parts = telegram.sent(CHAT)
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert all(html.unescape(p["text"])[:3] in {f"{i}. " for i in range(1, 8)} for p in parts)
    assert "&lt;thiết kế&gt;" in parts[0]["text"] and "&amp;" in parts[0]["text"]
    assert [("reply_markup" in p) for p in parts] == [False] * (len(parts) - 1) + [True]


def test_duplicate_and_malformed_updates_do_not_break_the_bot(polling, telegram, rasa):
    update = telegram.push(telegram.text(CHAT, "lần một"))
    telegram.push(update)  # the same update delivered twice
    telegram.push(
        {"message": {"message_id": 5, "date": 0, "chat": {"id": CHAT, "type": "private"}, "sticker": {"file_id": "x"}}}
    )  # not text, and missing fields
    telegram.push({"edited_channel_post": "not an object"})
    telegram.push(telegram.text(CHAT, "lần hai"))
    eventually(lambda: [m for _, m in rasa.app.state.received] == ["lần một", "lần hai"])
    time.sleep(0.3)
    assert [m for _, m in rasa.app.state.received] == ["lần một", "lần hai"]


def test_an_api_error_on_send_is_logged_and_the_next_message_is_answered(polling, telegram, rasa):
    telegram.errors["sendMessage"] = (400, "Bad Request: chat not found")
    telegram.push(telegram.text(CHAT, "lỗi"))
    eventually(lambda: telegram.sent(CHAT))
    del telegram.errors["sendMessage"]
    telegram.push(telegram.text(CHAT, "xin chào"))
    eventually(lambda: len(telegram.sent(CHAT)) == 2)


def test_staff_reply_through_the_outbox_and_a_blocked_user(polling, telegram):
    polling.run(polling.app.state.outbox.push("telegram", str(CHAT), [OutgoingMessage("Cán bộ trả lời: <ok>")]))
    assert telegram.sent(CHAT)[0]["text"] == "Cán bộ trả lời: &lt;ok&gt;"
    telegram.errors["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    with pytest.raises(ChannelUnavailable):
        polling.run(polling.app.state.outbox.push("telegram", str(CHAT), [OutgoingMessage("nữa")]))


def test_an_unreachable_bot_api_at_start_up_is_retried_and_the_gateway_keeps_serving(start_gateway, rasa):
    port = free_port()
    gateway = start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{port}")
    chat = httpx.post(f"{gateway.url}/api/chat", json={"sender_id": "web1", "text": "xin chào"}, timeout=10)
    assert chat.status_code == 200
    fake = FakeTelegram()
    with ServerThread(fake.app, port=port):
        eventually(lambda: fake.called("getMe"), timeout=15)
        fake.push(fake.text(CHAT, "xin chào"))
        eventually(lambda: fake.sent(CHAT), timeout=15)


def test_webhook_mode_registers_its_secret_and_rejects_requests_without_it(start_gateway, telegram, rasa):
    gateway = start_gateway(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=telegram.url,
        TELEGRAM_WEBHOOK_URL="https://sxd.example.vn/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET="s3cret-Token_1",
    )
    registered = eventually(lambda: telegram.webhook)
    assert registered["url"] == "https://sxd.example.vn/telegram/webhook"
    assert registered["secret_token"] == "s3cret-Token_1"
    update = telegram.text(CHAT, "xin chào") | {"update_id": 5001}
    url = f"{gateway.url}/telegram/webhook"
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_2"}):
        assert httpx.post(url, json=update, headers=headers, timeout=5).status_code == 403
    good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    assert httpx.post(url, content=b"{not json", headers=good, timeout=5).status_code == 400
    assert httpx.post(url, json=[1, 2], headers=good, timeout=5).status_code == 400
    unreadable = {"update_id": 5000, "message": {"message_id": 1, "chat": {"id": CHAT}, "sticker": {}}}
    assert httpx.post(url, json=unreadable, headers=good, timeout=5).status_code == 200  # dropped, not retried
    assert httpx.post(url, json=update, headers=good, timeout=5).status_code == 200
    assert httpx.post(url, json=update, headers=good, timeout=5).status_code == 200  # redelivered
    eventually(lambda: telegram.sent(CHAT))
    time.sleep(0.3)
    assert len(telegram.sent(CHAT)) == 1 and rasa.app.state.received == [(f"telegram:{CHAT}", "xin chào")]
    assert not telegram.called("getUpdates")


def test_without_a_token_the_channel_is_off(start_gateway):
    gateway = start_gateway()
    assert httpx.post(f"{gateway.url}/telegram/webhook", json={}, timeout=5).status_code == 404
    assert "telegram" not in gateway.app.state.outbox.channels
