"""Starting and stopping the channels inside the gateway's lifespan; a channel without settings stays off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI

from bot.gateway.channels import telegram, widget, zalo
from bot.gateway.channels.settings import ChannelSettings
from bot.gateway.channels.state_claims import StateClaims
from bot.gateway.channels.widget_secret import session_secret
from bot.gateway.channels.widget_sessions import WidgetSessions
from bot.gateway.conversation.models import OutgoingMessage
from bot.gateway.conversation.outbox import ChannelUnavailable

logger = logging.getLogger("bot.gateway.channels")
PURGE_EVERY_S = 3600
router = APIRouter()
router.include_router(widget.router)
router.include_router(telegram.router)
router.include_router(zalo.router)


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
    settings = app.state.settings.channels
    app.state.channel_settings = settings
    running = RunningChannels()

    app.state.state_claims = StateClaims(app.state.db_sessions)
    secret = session_secret(settings.widget.session_secret, settings.widget.session_secret_file)
    sessions = app.state.widget_sessions = WidgetSessions(app.state.state_store, secret, app.state.redis)
    app.state.outbox.register("widget", _widget_delivery(sessions))
    purging = asyncio.create_task(_purge_expired(app.state.state_store), name="gateway-state-purge")
    running.on_stop(lambda: _cancel(purging))

    app.state.telegram = None
    if settings.telegram.enabled:
        _guarded("Telegram", lambda: _start_telegram(app, settings, running))
    else:
        logger.info("Telegram channel off (TELEGRAM_BOT_TOKEN unset)")

    app.state.zalo = None
    if settings.zalo.enabled:
        _guarded("Zalo OA", lambda: _start_zalo(app, settings, running))
    else:
        logger.info("Zalo OA channel off (ZALO_APP_ID, ZALO_OA_SECRET_KEY or tokens unset)")

    app.state.reminders = None
    if settings.reminders.enabled and (app.state.telegram or app.state.zalo):
        _guarded("Reminders", lambda: _start_reminders(app, settings, running))
    return running


def _start_reminders(app: FastAPI, settings: ChannelSettings, running: RunningChannels) -> None:
    from bot.gateway.reminders import channels as reminder_channels
    from bot.gateway.reminders.service import Reminders
    from bot.gateway.reminders.storage import ReminderStore

    chosen = settings.reminders
    reminders = Reminders(
        ReminderStore(app.state.db_sessions),
        app.state.state_store,
        app.state.conversation,
        delay_s=chosen.delay_s,
        holdout=chosen.holdout,
        names=lambda code: _short_title(app, code),
        claims=app.state.state_claims,
    )
    if app.state.telegram is not None:
        reminders.senders["telegram"] = reminder_channels.telegram_sender(app.state.telegram)
    if app.state.zalo is not None:
        reminders.senders["zalo"] = reminder_channels.zalo_sender(app.state.zalo, app.state.state_store)
    app.state.conversation.interceptors.append(reminders.intercept)
    app.state.conversation.reply_filters.append(reminders.follow)
    reminders.start()
    app.state.reminders = reminders
    running.on_stop(reminders.stop)
    logger.info(
        "reminders on (delay %s, holdout %.0f %%)",
        f"{chosen.delay_s:g} s" if chosen.delay_s else "next working morning",
        chosen.holdout * 100,
    )


def _short_title(app: FastAPI, code: str) -> str:
    console = getattr(app.state, "console", None)
    try:
        entry = console._procedures().get(code) if console is not None else None
    except Exception:
        entry = None
    return (entry.get("short_title") or entry.get("name") or "") if entry else ""


async def _purge_expired(store) -> None:
    # The channels leave expired rows behind (ended widget sessions, day-old update ids, lapsed Zalo windows).
    while True:
        try:
            removed = await asyncio.to_thread(store.purge_expired)
            if removed:
                logger.info("gateway state: %d expired entries removed", removed)
        except Exception:
            logger.exception("gateway state: removing expired entries failed")
        await asyncio.sleep(PURGE_EVERY_S)


async def _cancel(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _guarded(name: str, start: Callable[[], None]) -> None:
    # A fault in one channel's set-up must leave the gateway and the other channels running.
    try:
        start()
    except Exception:
        logger.exception("%s channel could not start; the gateway runs without it", name)


def _start_telegram(app: FastAPI, settings: ChannelSettings, running: RunningChannels) -> None:
    channel = telegram.TelegramChannel(
        settings.telegram, app.state.conversation, app.state.state_store, app.state.state_claims, _rasa_ready(app)
    )
    channel.start()
    app.state.telegram = channel
    app.state.outbox.register("telegram", channel.deliver)
    running.on_stop(channel.stop)


def _start_zalo(app: FastAPI, settings: ChannelSettings, running: RunningChannels) -> None:
    oa = zalo.ZaloChannel(
        settings.zalo, app.state.conversation, app.state.state_store, app.state.state_claims, _rasa_ready(app)
    )
    oa.start()
    app.state.zalo = oa
    app.state.outbox.register("zalo", oa.deliver)
    running.on_stop(oa.stop)
    logger.info("Zalo OA channel on: webhook at /zalo/webhook")


def _rasa_ready(app: FastAPI) -> Callable[[], Awaitable[bool]]:
    async def ready() -> bool:
        try:
            await app.state.rasa.status()
            return True
        except Exception:
            return False

    return ready


def _widget_delivery(sessions: WidgetSessions):
    async def deliver(session_id: str, messages: list[OutgoingMessage]) -> None:
        session = await sessions.get(session_id)
        if session is None:
            raise ChannelUnavailable("the visitor's widget session has ended")
        await session.add_replies(messages)  # kept in the history; shown on the widget's next poll

    return deliver
