"""Starting and stopping the channels inside the gateway's lifespan; a channel without settings stays off."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI

from bot.channels import telegram, widget
from bot.channels.settings import ChannelSettings
from bot.channels.widget_sessions import WidgetSessions
from bot.conversation.models import OutgoingMessage
from bot.conversation.outbox import ChannelUnavailable

logger = logging.getLogger("bot.channels")
router = APIRouter()
router.include_router(widget.router)
router.include_router(telegram.router)


class RunningChannels:
    def __init__(self) -> None:
        self._stops: list[Callable[[], Awaitable[None]]] = []

    def on_stop(self, stop: Callable[[], Awaitable[None]]) -> None:
        self._stops.append(stop)

    async def stop(self) -> None:
        for stop in reversed(self._stops):
            try:
                await stop()
            except Exception:
                logger.exception("a channel failed to stop cleanly")


async def start_channels(app: FastAPI) -> RunningChannels:
    """Never raises for a remote API being down: such a channel logs it and keeps retrying in the background."""
    settings = ChannelSettings.from_env()
    app.state.channel_settings = settings
    running = RunningChannels()

    sessions = app.state.widget_sessions = WidgetSessions(settings.widget.session_secret)
    app.state.outbox.register("widget", _widget_delivery(sessions))

    app.state.telegram = None
    if settings.telegram.enabled:
        channel = app.state.telegram = telegram.TelegramChannel(settings.telegram, app.state.conversation)
        channel.start()
        app.state.outbox.register("telegram", channel.deliver)
        running.on_stop(channel.stop)
    else:
        logger.info("Telegram channel off (TELEGRAM_BOT_TOKEN unset)")
    return running


def _widget_delivery(sessions: WidgetSessions):
    async def deliver(session_id: str, messages: list[OutgoingMessage]) -> None:
        session = sessions.get(session_id)
        if session is None:
            raise ChannelUnavailable("the visitor's widget session has ended")
        session.add_replies(messages)  # shown on the widget's next poll

    return deliver
