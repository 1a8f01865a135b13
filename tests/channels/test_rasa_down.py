"""With every Rasa server down, /api/chat answers at once with the Vietnamese "try again" text to show."""

from __future__ import annotations

import time

import httpx

from bot.gateway.app import create_app
from bot.gateway.conversation import notices
from bot.settings import Settings
from tests.fakes.servers import ServerThread, free_port


def test_the_api_says_try_again_in_vietnamese_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
    settings = Settings(port=free_port(), rasa_port=free_port(), rasa_processes=2, rasa_token="fake")
    with ServerThread(create_app(settings), port=settings.port) as server:
        started = time.monotonic()
        reply = httpx.post(f"{server.url}/api/chat", json={"sender_id": "c1", "text": "lệ phí bao nhiêu"}, timeout=30)
        assert time.monotonic() - started < 5
    assert reply.status_code == 503 and reply.headers["retry-after"]
    assert reply.json()["messages"][0]["text"] == notices.UNAVAILABLE
    assert "thử lại" in notices.UNAVAILABLE
