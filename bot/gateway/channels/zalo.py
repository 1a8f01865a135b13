"""Zalo Official Account bridge: signed webhook events in at POST /zalo/webhook, customer-service messages out."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.gateway.channels.buttons import ButtonPayloads
from bot.gateway.channels.feedback import ride_on_answer
from bot.gateway.channels.shown_links import open_buttons
from bot.gateway.keyed_locks import KeyedLocks
from bot.gateway.channels.pending import PendingMessages, Ready, Waiting
from bot.gateway.channels.settings import ZaloSettings
from bot.gateway.channels.state_claims import StateClaims
from bot.gateway.channels.text import split_text
from bot.gateway.channels.zalo_client import REFRESH_MARGIN_S, WINDOW_ERRORS, ZaloApiError, ZaloClient
from bot.gateway.channels.zalo_tokens import Tokens, TokenStore
from bot.gateway.conversation import notices
from bot.gateway.conversation.models import IncomingMessage, OutgoingMessage
from bot.gateway.conversation.outbox import ChannelUnavailable
from bot.gateway.conversation.rasa_client import RasaUnavailable
from bot.gateway.conversation.service import ConversationService
from bot.gateway.json_body import parse_json
from bot.gateway.state import StateStore

logger = logging.getLogger("bot.gateway.channels.zalo")
router = APIRouter()
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_CHARS = 2000
MAX_BUTTONS = 5  # per message; more go into a follow-up message
BUTTON_TITLE_MAX = 100
MAX_EVENT_BYTES = 64 * 1024
TIMESTAMP_TOLERANCE_S = 300
FREE_WINDOW_S = 48 * 3600  # OA messages to a user are free for 48 h after the user's last message
# Both in the shared database: a staff reply may be pushed by another gateway, or after a restart; a delivery
# Zalo repeats may reach another gateway.
WINDOW_KEY = "zalo:window:{user_id}"
MSG_SEEN_S = 24 * 3600
MORE_CHOICES = "Thêm lựa chọn:"


class ZaloChannel:
    def __init__(
        self,
        settings: ZaloSettings,
        conversation: ConversationService,
        store: StateStore,
        claims: StateClaims,
        rasa_ready: Ready,
        client: ZaloClient | None = None,
    ) -> None:
        self.settings = settings
        self.conversation = conversation
        self.client = client or ZaloClient(
            api_url=settings.api_url,
            oauth_url=settings.oauth_url,
            app_id=settings.app_id,
            app_secret=settings.app_secret,
            store=TokenStore(settings.token_file, Tokens(settings.access_token, settings.refresh_token)),
        )
        self.clock = time.time  # replaceable in tests
        self._buttons = ButtonPayloads(store, prefix="#")
        self._in_order = KeyedLocks()
        self._store = store
        self._claims = claims
        self.pending = PendingMessages(
            "zalo", store, claims, conversation, self._send_later, self._in_order, rasa_ready
        )
        self._tasks: set[asyncio.Task] = set()
        self._refresher: asyncio.Task | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.pending.start()
        if self.client.can_refresh:
            self._refresher = asyncio.create_task(self._keep_token_fresh(), name="zalo-token-refresh")
        elif not self.client.tokens.access_token:
            logger.error(
                "Zalo: no access token and no way to refresh one (set ZALO_REFRESH_TOKEN and "
                "ZALO_APP_SECRET); replies will fail"
            )

    async def stop(self) -> None:
        await self.pending.stop()
        tasks = [t for t in (self._refresher, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.aclose()

    async def _keep_token_fresh(self) -> None:
        """Refresh ahead of expiry; an unreachable OAuth server is retried with backoff, never fatal."""
        failures = 0
        while True:
            if self.client.needs_refresh():
                try:
                    await self.client.refresh()
                    failures = 0
                except ZaloApiError as exc:
                    failures += 1
                    delay = min(30.0 * 2 ** (failures - 1), 900.0)
                    # Repeated failures are usually a spent or revoked refresh token: only a person can fix it.
                    log = logger.error if failures >= 3 else logger.warning
                    log(
                        "Zalo: token refresh failed (%s); retrying in %.0f s%s",
                        exc,
                        delay,
                        "; if this persists, authorise the OA again and set ZALO_REFRESH_TOKEN"
                        if failures >= 3
                        else "",
                    )
                    await asyncio.sleep(delay)
                    continue
            wait = self.client.tokens.expires_at - REFRESH_MARGIN_S - time.time()
            await asyncio.sleep(min(max(wait, 1.0), 3600.0))

    # --- webhook ---------------------------------------------------------------------------------------------

    async def receive(self, request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_EVENT_BYTES:
            return JSONResponse({"error": "event too large"}, status_code=413)
        try:
            event = parse_json(raw)
        except (ValueError, UnicodeDecodeError):
            event = None
        if not isinstance(event, dict):
            return JSONResponse({"error": "an event is a JSON object"}, status_code=400)
        timestamp = str(event.get("timestamp") or "")
        if not self._signed(raw, timestamp, request.headers.get(SIGNATURE_HEADER, "")):
            logger.warning("Zalo: event with a missing or wrong signature refused")
            return JSONResponse({"error": "bad signature"}, status_code=401)
        if not self._fresh(timestamp):
            logger.warning("Zalo: stale event refused (timestamp %s)", timestamp)
            return JSONResponse({"error": "stale timestamp"}, status_code=401)
        self._dispatch(event)
        # Zalo wants an answer within 2 s; the turn itself runs in the background.
        return JSONResponse({"error": 0})

    def _signed(self, raw: bytes, timestamp: str, given: str) -> bool:
        given = given.strip()
        if given.lower().startswith("mac="):
            given = given[4:].strip()
        signed = self.settings.app_id.encode() + raw + timestamp.encode() + self.settings.oa_secret_key.encode()
        expected = hashlib.sha256(signed).hexdigest()
        return bool(given) and hmac.compare_digest(given.lower().encode(), expected.encode())

    def _fresh(self, timestamp: str) -> bool:
        try:
            sent_at = int(timestamp) / 1000.0
        except ValueError:
            return False
        return abs(self.clock() - sent_at) <= TIMESTAMP_TOLERANCE_S

    def _dispatch(self, event: dict) -> None:
        name = str(event.get("event_name") or "")
        if not name.startswith("user_send_"):
            return  # follow, seen, OA's own messages ...: nothing to answer
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        user_id, msg_id = str(sender.get("id") or ""), str(message.get("msg_id") or "")
        if not user_id or not msg_id:
            logger.warning("Zalo: %s event without sender or msg_id ignored", name)
            return
        received_at = self.clock()
        text = message.get("text") if name == "user_send_text" else None
        # Created without waiting on anything: one user's tasks queue on the user's lock in the order events came.
        task = asyncio.create_task(self._turn(user_id, msg_id, text if isinstance(text, str) else None, received_at))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _turn(self, user_id: str, msg_id: str, text: str | None, received_at: float) -> None:
        # Taken before any wait: one user's replies go out in the order their messages came.
        async with self._in_order(user_id):
            if await self._first_delivery(user_id, msg_id, received_at):
                await self._answer(user_id, msg_id, text)

    async def _first_delivery(self, user_id: str, msg_id: str, received_at: float) -> bool:
        """Records the message (its id, the user's free window); False when any gateway had it already."""
        try:
            if not await self._claims.afirst(f"zalo:msg:{msg_id}", 1, MSG_SEEN_S):
                logger.info("Zalo: duplicate delivery of %s ignored", msg_id)
                return False
            await self._store.aput(WINDOW_KEY.format(user_id=user_id), received_at, ttl_s=FREE_WINDOW_S + 3600)
        except Exception:
            # Answering matters more than the record: at worst a repeat is answered twice or a staff reply waits.
            logger.exception("Zalo: could not record message %s in the database", msg_id)
        return True

    async def _answer(self, user_id: str, msg_id: str, text: str | None) -> None:
        try:
            if text is None or not text.strip():
                messages = [OutgoingMessage(notices.TEXT_ONLY)]
            else:
                # A tapped button arrives as its hidden "#id" text; anything else is what the citizen typed.
                payload = await self._buttons.resolve(user_id, text.strip()) if text.startswith("#") else None
                waiting = Waiting(user_id, payload or text, extra={"msg_id": msg_id})
                if await self.pending.queue_if_waiting(waiting):
                    return  # answered after the messages kept before it
                try:
                    reply = await self.conversation.handle(IncomingMessage("zalo", user_id, waiting.text))
                    messages = reply.messages
                except RasaUnavailable:
                    messages = await self.pending.keep_for_later(waiting)
            await self.send({"message_id": msg_id}, user_id, messages)
        except ZaloApiError as exc:
            logger.error("Zalo: reply to %s not delivered: %s", user_id, exc)
        except Exception:
            logger.exception("Zalo: turn of %s failed", user_id)

    async def _send_later(self, waiting: Waiting, messages: list[OutgoingMessage]) -> None:
        """The answer to a kept message, once the assistant is back: as a reply to that message."""
        await self.send({"message_id": str(waiting.extra.get("msg_id") or "")}, waiting.sender, messages)

    # --- sending ---------------------------------------------------------------------------------------------

    async def send(self, recipient: dict, user_id: str, messages: list[OutgoingMessage]) -> None:
        for message in ride_on_answer(messages):
            for body in await self._render(user_id, message):
                await self.client.send(recipient, body)

    async def _render(self, user_id: str, message: OutgoingMessage) -> list[dict]:
        chunks = split_text(message.text, MAX_CHARS)
        groups = [message.buttons[i : i + MAX_BUTTONS] for i in range(0, len(message.buttons), MAX_BUTTONS)]
        if not chunks and groups:
            chunks = [MORE_CHOICES]
        bodies = [{"text": chunk} for chunk in chunks]
        # A counted link also as an "open URL" button titled with the portal's name
        # (bot/gateway/channels/shown_links.py).
        links = [
            {"title": title[:BUTTON_TITLE_MAX], "type": "oa.open.url", "payload": {"url": url}}
            for title, url in open_buttons(message.text)
        ][:MAX_BUTTONS]
        if links and not groups:
            bodies[-1]["attachment"] = {"type": "template", "payload": {"buttons": links}}
        for i, group in enumerate(groups):
            if i > 0:
                bodies.append({"text": MORE_CHOICES})
            bodies[-1]["attachment"] = {
                "type": "template",
                "payload": {
                    "buttons": [
                        # query.hide: the tap comes back as a message with this payload, not shown in the chat.
                        {
                            "title": b.title[:BUTTON_TITLE_MAX],
                            "type": "oa.query.hide",
                            "payload": await self._buttons.issue(user_id, b.payload),
                        }
                        for b in group
                    ]
                },
            }
        if links and groups:
            first = next(b for b in bodies if "attachment" in b)["attachment"]["payload"]["buttons"]
            room = max(0, MAX_BUTTONS - len(first))
            first[:0] = links[:room]
            if len(links) > room:
                bodies.append(
                    {"text": MORE_CHOICES, "attachment": {"type": "template", "payload": {"buttons": links[room:]}}}
                )
        return bodies

    async def deliver(self, user_id: str, messages: list[OutgoingMessage]) -> None:
        """Outbox delivery of a staff reply: only inside the free window after the citizen's last message."""
        last = await self._store.aget(WINDOW_KEY.format(user_id=user_id))
        if not isinstance(last, (int, float)) or self.clock() - last > FREE_WINDOW_S:
            raise ChannelUnavailable("the citizen has not written on Zalo in the last 48 hours")
        try:
            async with self._in_order(user_id):  # not in the middle of an answer being sent
                await self.send({"user_id": user_id}, user_id, messages)
        except ZaloApiError as exc:
            if exc.code in WINDOW_ERRORS:
                raise ChannelUnavailable(f"Zalo refused: outside the messaging window ({exc.code})") from exc
            raise ChannelUnavailable(str(exc)) from exc


@router.post("/zalo/webhook", include_in_schema=False)
async def zalo_webhook(request: Request) -> JSONResponse:
    channel: ZaloChannel | None = getattr(request.app.state, "zalo", None)
    if channel is None:
        return JSONResponse({"error": "Zalo is not enabled"}, status_code=404)
    return await channel.receive(request)
