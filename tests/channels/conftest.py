"""Fixtures of the channel tests: a fake Rasa, and the real gateway app started in-process against it."""

from __future__ import annotations

import contextlib

import pytest

from bot.gateway.app import create_app
from bot.settings import Settings
from tests.fakes.rasa import fake_rasa
from tests.fakes.servers import ServerThread, free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

CHANNEL_ENV = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_URL",
    "ZALO_APP_ID",
    "ZALO_OA_SECRET_KEY",
    "ZALO_ACCESS_TOKEN",
    "ZALO_REFRESH_TOKEN",
    "ZALO_APP_SECRET",
    "ZALO_API_URL",
    "ZALO_OAUTH_URL",
    "ZALO_TOKEN_FILE",
    "WIDGET_ALLOWED_ORIGINS",
    "WIDGET_SESSION_SECRET",
    "WIDGET_SESSION_SECRET_FILE",
)


@pytest.fixture
def rasa():
    with ServerThread(fake_rasa()) as server:
        yield server


@pytest.fixture
def start_gateway(rasa, monkeypatch, tmp_path):
    """start_gateway(**env) -> a running gateway (ServerThread; .app is the FastAPI app) with those settings."""
    stack = contextlib.ExitStack()

    def start(**env: str) -> ServerThread:
        for name in CHANNEL_ENV:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
        monkeypatch.setenv("WIDGET_SESSION_SECRET_FILE", str(tmp_path / "widget-session-secret"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = Settings(port=free_port(), rasa_port=rasa.port, rasa_token="fake")
        return stack.enter_context(ServerThread(create_app(settings), port=settings.port))

    with stack:
        yield start


# The fake Bot API and Zalo OA API, on free ports, for the channel tests that need them.
@pytest.fixture
def telegram():
    fake = FakeTelegram()
    with ServerThread(fake.app) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def zalo_api():
    fake = FakeZalo()
    with ServerThread(fake.app) as server:
        fake.url = server.url
        yield fake
