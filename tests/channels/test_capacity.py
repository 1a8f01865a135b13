"""Past capacity the gateway sheds load at once: /api/chat and the widget say "busy" in Vietnamese within
milliseconds (nothing reaches Rasa), while a Telegram message keeps its place in the durable queue and is
answered, once, when capacity returns."""

from __future__ import annotations

import threading
import time

import httpx

from bot.gateway.app import create_app
from bot.gateway.conversation import notices
from bot.gateway.conversation.admission import MIN_SLOTS
from bot.settings import Settings
from tests.channels.conftest import CHANNEL_ENV
from tests.fakes.servers import ServerThread, eventually, free_port
from tests.fakes.telegram_api import TOKEN

CHAT = 777003


def test_past_capacity_the_api_and_widget_say_busy_at_once_and_telegram_is_answered_later(
    rasa, telegram, monkeypatch, tmp_path
):
    for name in CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
    monkeypatch.setenv("WIDGET_SESSION_SECRET_FILE", str(tmp_path / "widget-session-secret"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", telegram.url)
    # A queue limit so short that the one Rasa server is full with its minimum of turns in flight.
    settings = Settings(port=free_port(), rasa_port=rasa.port, rasa_token="fake", rasa_queue_limit_s=0.001)
    with ServerThread(create_app(settings), port=settings.port) as gateway:
        eventually(lambda: telegram.called("deleteWebhook"))
        rasa.app.state.delay_s = 3.0  # each turn holds the server for 3 s
        holding = [
            threading.Thread(
                target=httpx.post,
                args=(f"{gateway.url}/api/chat",),
                kwargs={"json": {"sender_id": f"early-{i}", "text": "xin chào"}, "timeout": 30},
            )
            for i in range(MIN_SLOTS)
        ]
        for thread in holding:
            thread.start()
        eventually(lambda: len(rasa.app.state.received) == MIN_SLOTS)

        started = time.monotonic()
        reply = httpx.post(
            f"{gateway.url}/api/chat", json={"sender_id": "late", "text": "lệ phí bao nhiêu"}, timeout=30
        )
        assert time.monotonic() - started < 1.0
        assert reply.status_code == 503 and reply.headers["retry-after"] == "2"
        assert reply.json()["messages"][0]["text"] == notices.BUSY
        session = httpx.post(f"{gateway.url}/widget/api/session", timeout=10).json()["session"]
        widget = httpx.post(
            f"{gateway.url}/widget/api/messages",
            json={"text": "nộp ở đâu"},
            headers={"X-Widget-Session": session},
            timeout=10,
        )
        assert widget.status_code == 503 and widget.json()["error"] == notices.BUSY
        telegram.push(telegram.text(CHAT, "giấy phép xây dựng"))
        eventually(lambda: telegram.sent(CHAT))
        assert [m["text"] for m in telegram.sent(CHAT)] == [notices.ANSWER_LATER]
        # Only the two turns admitted before reached Rasa (they race each other, so in either order).
        assert sorted(sender for sender, _ in rasa.app.state.received) == [f"api:early-{i}" for i in range(MIN_SLOTS)]

        rasa.app.state.delay_s = 0.0
        for thread in holding:
            thread.join(30)
        # Capacity is back: the kept message is answered, once.
        eventually(lambda: len(telegram.sent(CHAT)) == 2, timeout=30)
        time.sleep(2.5)
        assert [m["text"] for m in telegram.sent(CHAT)] == [notices.ANSWER_LATER, "Bạn muốn hỏi thủ tục nào?"]
        assert [m for s, m in rasa.app.state.received if s == f"telegram:{CHAT}"] == ["giấy phép xây dựng"]
