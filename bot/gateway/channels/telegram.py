"""Telegram channel (python-telegram-bot 22): long polling, or webhook at POST /telegram/webhook on the gateway."""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatAction, MessageLimit, ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.gateway.channels.buttons import ButtonPayloads
from bot.gateway.channels.feedback import is_feedback, ride_on_answer
from bot.gateway.channels.shown_links import telegram_html
from bot.gateway.keyed_locks import KeyedLocks
from bot.gateway.channels.pending import PendingMessages, Ready, Waiting
from bot.gateway.channels.settings import TelegramSettings
from bot.gateway.channels.state_claims import StateClaims
from bot.gateway.channels.text import split_text
from bot.gateway.conversation import notices
from bot.gateway.conversation.models import IncomingMessage, OutgoingMessage
from bot.gateway.conversation.outbox import ChannelUnavailable
from bot.gateway.conversation.rasa_client import RasaUnavailable
from bot.gateway.conversation.service import MENU_COMMAND, ConversationService
from bot.gateway.json_body import parse_json
from bot.gateway.state import StateStore

logger = logging.getLogger("bot.gateway.channels.telegram")
# At DEBUG python-telegram-bot logs every update it fetches or processes, the citizen's text included.
logging.getLogger("telegram").setLevel(logging.INFO)
router = APIRouter()
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
UPDATE_IDS_KEPT = 1000
# Update ids of questions are also remembered in the shared database for a day: an update Telegram delivers
# again to this gateway after a restart or to another one, or fetches again after a crash, gets one answer.
UPDATE_SEEN_S = 24 * 3600
RETRY_MAX_S = 300.0
EMPTY_TEXT_WITH_BUTTONS = "Mời bạn chọn:"


def _escaped_len(text: str) -> int:
    return len(html.escape(text, quote=False))


class _TolerantBot(ExtBot):
    """Skips updates this library version cannot parse instead of stalling long polling.

    PTB parses a getUpdates batch as a whole; one update it cannot read makes it log and fetch the same batch
    again forever, so nobody gets answers. Such an update is reduced to its id: the offset moves past it.
    """

    async def _post(self, endpoint: str, data=None, **kwargs):
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            result = [u for u in (self._readable(raw) for raw in result) if u is not None]
        return result

    def _readable(self, raw: object) -> dict | None:
        try:
            Update.de_json(raw, self)
            return raw
        except Exception as exc:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            logger.warning("Telegram: unreadable update %r skipped (%s)", update_id, exc)
            return {"update_id": update_id} if isinstance(update_id, int) else None


class TelegramChannel:
    def __init__(
        self,
        settings: TelegramSettings,
        conversation: ConversationService,
        store: StateStore,
        claims: StateClaims,
        rasa_ready: Ready,
    ) -> None:
        self.settings = settings
        self.conversation = conversation
        self.webhook_mode = bool(settings.webhook_url)
        # Without a configured secret the webhook still gets one: we register it ourselves at every start.
        self.secret = settings.webhook_secret or secrets.token_urlsafe(32)
        self.ready = asyncio.Event()
        self._buttons = ButtonPayloads(store)
        self._in_order = KeyedLocks()
        self._claims = claims
        self._bot_id = settings.token.partition(":")[0]
        self._seen_updates: OrderedDict[int, None] = OrderedDict()
        self.pending = PendingMessages(
            "telegram", store, claims, conversation, self._send_later, self._in_order, rasa_ready
        )
        self._task: asyncio.Task | None = None
        self.application = self._build()

    def _build(self) -> Application:
        api = self.settings.api_url
        bot = _TolerantBot(
            self.settings.token,
            base_url=f"{api}/bot",
            base_file_url=f"{api}/file/bot",
            request=HTTPXRequest(
                connection_pool_size=64, connect_timeout=5, read_timeout=15, write_timeout=15, pool_timeout=5
            ),
            # getUpdates adds its long-poll seconds to this read timeout.
            get_updates_request=HTTPXRequest(
                connection_pool_size=1, connect_timeout=5, read_timeout=10, write_timeout=10, pool_timeout=5
            ),
        )
        # One chat's turns are kept in order by its lock (_turn); chats need not wait for each other.
        builder = Application.builder().bot(bot).concurrent_updates(32)
        if self.webhook_mode:
            builder = builder.updater(None)
        application = builder.build()
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self._drop_duplicates), group=-1)
        application.add_handler(CommandHandler("start", self._on_start, filters=private))
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self._on_other))
        application.add_error_handler(self._on_error)
        return application

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Connects in the background: an unreachable Bot API is retried and never blocks the gateway."""
        self._task = asyncio.create_task(self._connect(), name="telegram-connect")
        self._task.add_done_callback(_log_failure)

    async def _connect(self) -> None:
        await self._retry("reach the Bot API (getMe)", self.application.initialize)
        if self.webhook_mode:
            await self._retry("register the webhook", self._set_webhook)
        await self.application.start()
        if not self.webhook_mode:
            await self._retry("start long polling", self._start_polling)
        self.ready.set()
        self.pending.start()
        logger.info(
            "Telegram channel ready as @%s (%s)",
            self.application.bot.username,
            "webhook" if self.webhook_mode else "long polling",
        )

    async def _set_webhook(self) -> None:
        await self.application.bot.set_webhook(
            self.settings.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
        )

    async def _start_polling(self) -> None:
        await self.application.updater.start_polling(timeout=10, allowed_updates=ALLOWED_UPDATES)

    async def _retry(self, what: str, step: Callable[[], Awaitable[object]]) -> None:
        delay = 1.0
        while True:
            try:
                await step()
                return
            except (TelegramError, OSError) as exc:
                logger.warning("Telegram: could not %s (%s); retrying in %.0f s", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def stop(self) -> None:
        await self.pending.stop()
        if self._task and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        # Harmless when initialize() never succeeded; it closes the HTTP clients either way.
        await app.shutdown()

    # --- webhook ---------------------------------------------------------------------------------------------

    async def receive(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return JSONResponse({"error": "secret token missing or wrong"}, status_code=403)
        if not self.ready.is_set():
            return JSONResponse({"error": "starting"}, status_code=503)  # Telegram delivers it again later
        try:
            data = parse_json(await request.body())
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            return JSONResponse({"error": "an update is a JSON object"}, status_code=400)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:
            # Telegram would redeliver a refused update for hours; one we cannot read is logged and dropped.
            logger.warning("Telegram: unreadable update %r dropped (%s)", data.get("update_id"), exc)
            return Response(status_code=200)
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    # --- handlers --------------------------------------------------------------------------------------------

    async def _drop_duplicates(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Telegram redelivers a webhook update it thinks was lost; the citizen must get one answer. No waiting
        # here: updates run concurrently, and one chat's must reach its lock (_turn) in the order they came.
        if update.update_id in self._seen_updates:
            logger.info("Telegram: duplicate update %s ignored", update.update_id)
            raise ApplicationHandlerStop
        self._seen_updates[update.update_id] = None
        while len(self._seen_updates) > UPDATE_IDS_KEPT:
            self._seen_updates.popitem(last=False)

    async def _first_delivery(self, update_id: int) -> bool:
        """False when any gateway, or this one before a restart, has taken this update already."""
        try:
            return await self._claims.afirst(f"telegram:{self._bot_id}:update:{update_id}", 1, UPDATE_SEEN_S)
        except Exception:
            logger.exception("Telegram: could not check update %s for a duplicate; answering it", update_id)
            return True

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._turn(update.update_id, update.effective_chat.id, MENU_COMMAND, command=True)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._turn(
            update.update_id, update.effective_chat.id, update.effective_message.text, name=_first_name(update)
        )

    async def _on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.send(update.effective_chat.id, [OutgoingMessage(notices.TEXT_ONLY)])

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
        payload = await self._buttons.resolve(str(chat_id), query.data or "")
        # Always answered, or the citizen's button keeps spinning.
        if payload is None:
            await query.answer(notices.BUTTON_EXPIRED)
            return
        answered = asyncio.create_task(self._courtesy(query.answer()))
        await self._turn(update.update_id, chat_id, payload, name=_first_name(update))
        await answered

    async def _turn(self, update_id: int, chat_id: int, text: str, command: bool = False, name: str = "") -> None:
        # Updates run concurrently; the chat's lock is taken before any network wait, so its questions are
        # asked and answered in the order they came.
        async with self._in_order(str(chat_id)):
            if not await self._first_delivery(update_id):
                logger.info("Telegram: update %s was answered already", update_id)
                return
            await self._courtesy(self.application.bot.send_chat_action(chat_id, ChatAction.TYPING))
            waiting = Waiting(str(chat_id), text, command)
            if await self.pending.queue_if_waiting(waiting):
                return  # answered after the messages kept before it
            try:
                reply = await self.conversation.handle(
                    IncomingMessage("telegram", str(chat_id), text, name), command=command
                )
                messages = reply.messages
            except RasaUnavailable:
                messages = await self.pending.keep_for_later(waiting)
            await self.send(chat_id, messages)

    async def _send_later(self, waiting: Waiting, messages: list[OutgoingMessage]) -> None:
        """The answer to a kept message, once the assistant is back."""
        await self.send(int(waiting.sender), messages)

    @staticmethod
    async def _courtesy(call: Awaitable[object]) -> None:
        """Typing indicator and callback answers: failing them must not lose the reply."""
        try:
            await call
        except TelegramError as exc:
            logger.info("Telegram: courtesy call failed (%s)", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("Telegram: error while handling an update", exc_info=context.error)

    # --- sending ---------------------------------------------------------------------------------------------

    async def send(self, chat_id: int, messages: list[OutgoingMessage]) -> None:
        for message in ride_on_answer(messages):
            chunks = split_text(message.text, MessageLimit.MAX_TEXT_LENGTH, _escaped_len)
            if not chunks and message.buttons:
                chunks = [EMPTY_TEXT_WITH_BUTTONS]
            for i, chunk in enumerate(chunks):
                last = i == len(chunks) - 1
                await self.application.bot.send_message(
                    chat_id,
                    telegram_html(html.escape(chunk, quote=False)),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    reply_markup=await self._keyboard(chat_id, message) if last else None,
                )

    async def _keyboard(self, chat_id: int, message: OutgoingMessage) -> InlineKeyboardMarkup | None:
        if not message.buttons:
            return None
        rows: list[list[InlineKeyboardButton]] = []
        previous = None
        for b in message.buttons:
            button = InlineKeyboardButton(b.title, callback_data=await self._buttons.issue(str(chat_id), b.payload))
            if is_feedback(b) and previous is not None and is_feedback(previous):
                rows[-1].append(button)  # 👍 and 👎 side by side under the answer's own buttons
            else:
                rows.append([button])
            previous = b
        return InlineKeyboardMarkup(rows)

    async def deliver(self, user_id: str, messages: list[OutgoingMessage]) -> None:
        """Outbox delivery of a staff reply to a chat."""
        if not self.ready.is_set():
            raise ChannelUnavailable("Telegram is not connected yet")
        try:
            async with self._in_order(user_id):  # not in the middle of an answer being sent
                await self.send(int(user_id), messages)
        except Forbidden as exc:
            raise ChannelUnavailable(f"the citizen blocked the bot or left ({exc})") from exc
        except (TelegramError, ValueError) as exc:
            raise ChannelUnavailable(f"Telegram refused the message ({exc})") from exc


def _first_name(update: Update) -> str:
    user = update.effective_user
    return (user.first_name or "")[:80] if user is not None else ""


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("Telegram channel stopped connecting; the gateway runs without it", exc_info=task.exception())


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request) -> Response:
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None or not channel.webhook_mode:
        return JSONResponse({"error": "Telegram webhook is not enabled"}, status_code=404)
    return await channel.receive(request)
