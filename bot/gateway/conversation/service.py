"""ConversationService.handle(): the one path from any channel to Rasa and back."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.gateway.conversation import notices, replies
from bot.gateway.conversation.edge import clean_citizen_text
from bot.gateway.conversation.models import Button, IncomingMessage, OutgoingMessage, Reply, TurnInfo
from bot.gateway.conversation.rasa_pool import RasaPool
from bot.gateway.conversation.sanitise import sanitise
from bot.gateway.keyed_locks import KeyedLocks
from bot.gateway.limits import window
from bot.gateway.state import MemoryState

logger = logging.getLogger(__name__)
# Called after every turn with the message as Rasa saw it (sanitised, masked, typed commands defused), e.g. to
# record it for the staff console; a failing observer never loses the reply.
TurnObserver = Callable[[IncomingMessage, Reply], Awaitable[None]]
# Called with Rasa's reply before the citizen sees it (e.g. links rewritten to the gateway's counted redirect);
# returns the reply to send.
ReplyFilter = Callable[[IncomingMessage, Reply], Awaitable[Reply]]
# Called with the message as Rasa would see it (a typed "có" already read as the button it names), under the
# sender's lock; a Reply answers the turn without Rasa (e.g. "dừng nhắc", bot/gateway/reminders), None passes it on.
Interceptor = Callable[[IncomingMessage], Awaitable[Reply | None]]
ISSUED_PAYLOADS_KEPT = 50
OFFERS_KEPT_S = 7 * 24 * 3600
SENDERS_KEPT = 10_000
# Messages a sender may send within the window: the gateway passes SENDER_RATE_PER_MINUTE (bot/settings.py);
# this default serves services built without settings (tests, tools).
RATE_LIMIT = 15
RATE_WINDOW_S = 60.0
MAX_TEXT_CHARS = 4000
# The command a channel sends for its own "start" (Telegram /start): issued by our code, never typed.
MENU_COMMAND = "/show_menu"


@dataclass
class _Offers:
    """What the assistant offered one sender: `issued`, the payloads that may reach Rasa as "/intent" commands
    (kept across turns, so an older button still works); `latest`, the buttons of the latest reply, which a
    typed short answer ("ok", "trường hợp hai") refers to. Kept in the shared state store, so another gateway
    (or this one after a restart) reads a typed "ok" the same way."""

    issued: list[str] = field(default_factory=list)
    latest: list[Button] = field(default_factory=list)

    @classmethod
    def from_json(cls, value: dict | None) -> "_Offers":
        if not isinstance(value, dict):
            return cls()
        latest = [Button(title=str(t), payload=str(p)) for t, p in value.get("latest") or []]
        return cls([str(p) for p in value.get("issued") or []], latest)

    def to_json(self) -> dict:
        return {"issued": self.issued[-ISSUED_PAYLOADS_KEPT:], "latest": [[b.title, b.payload] for b in self.latest]}


class ConversationService:
    def __init__(
        self,
        rasa: RasaPool,
        observers: list[TurnObserver] | None = None,
        *,
        state=None,
        rate_limit: int = RATE_LIMIT,
        rate_window_s: float = RATE_WINDOW_S,
        max_text_chars: int = MAX_TEXT_CHARS,
        clock: Callable[[], float] = time.monotonic,
        redis=None,
    ) -> None:
        self._rasa = rasa
        self.observers: list[TurnObserver] = list(observers or [])
        self.reply_filters: list[ReplyFilter] = []
        self.interceptors: list[Interceptor] = []
        self.rate_limit = rate_limit
        self.rate_window_s = rate_window_s
        self.max_text_chars = max_text_chars
        self._clock = clock
        self._per_sender = window(
            rate_limit, rate_window_s, name="sender", redis=redis, keys_kept=SENDERS_KEPT, clock=clock
        )
        # When each sender was last told to slow down.
        self._warned: OrderedDict[str, float] = OrderedDict()
        # What this assistant offered each sender (see _Offers): a StateStore, or this process's memory.
        self._state = state if state is not None else MemoryState(SENDERS_KEPT)
        self._lock = KeyedLocks()

    async def handle(self, message: IncomingMessage, *, command: bool = False) -> Reply:
        """One turn. `command=True` only for commands written in our code (MENU_COMMAND), never for user text."""
        # Channel ids are plain already; cleaned anyway, since the id names the tracker Rasa stores.
        sender_id = sanitise(message.sender_id)
        sender = f"{message.channel}:{sender_id}"
        if len(message.text) > self.max_text_chars:
            # Checked before normalising: a huge text should cost us nothing.
            limit = f"{self.max_text_chars:,}".replace(",", ".")  # Vietnamese thousands separator
            return Reply([OutgoingMessage(notices.TOO_LONG.format(limit=limit))], TurnInfo(status="too_long"))
        if not await self._per_sender.ahit(sender):
            return self._slow_down(sender)
        self._warned.pop(sender, None)
        # The edge: from here on (Rasa, its tracker, the console's database, our logs) only the clean, masked
        # text exists. Nothing below may see message.text.
        masked = clean_citizen_text(message.text)
        if not masked.text:
            return Reply([OutgoingMessage(notices.TEXT_ONLY)], TurnInfo(status="empty"))
        # Past capacity the citizen hears "busy" now, before this turn waits for the sender's lock or the state
        # store; raises RasaBusy, which the channels answer like an unavailable assistant.
        self._rasa.admit()
        # One sender's turns run in order (Rasa's tracker is per sender); different senders run concurrently.
        async with self._lock(sender):
            stored = await self._state.aget(self._offers_key(sender))
            offers = _Offers.from_json(stored)
            text = masked.text if command else self._defuse(offers, masked.text)
            if not command:
                # A typed "ok", "tiếp theo" or "trường hợp hai" means the button it names among those just
                # offered: Rasa, and the record of the turn, get that button's payload as if it had been tapped.
                text = replies.resolve(text, offers.latest) or text
            seen = IncomingMessage(message.channel, sender_id, text, message.name)
            reply = None
            for intercept in self.interceptors:
                if (reply := await intercept(seen)) is not None:
                    break
            if reply is None:
                reply = await self._rasa.send(sender, text)
                if not reply.messages:
                    # Rasa answers with nothing when an action failed: the citizen must still hear something.
                    logger.error("empty reply from Rasa for %s", sender)
                    reply = Reply(
                        [OutgoingMessage(notices.NO_REPLY)], TurnInfo(status="fallback", reason="empty reply")
                    )
                for reply_filter in self.reply_filters:
                    reply = await reply_filter(seen, reply)
            await self._remember(sender, offers, reply.messages, stored)
        if masked.had_identity_number:
            reply = Reply([OutgoingMessage(notices.IDENTITY_NOT_KEPT), *reply.messages], reply.turn)
        for observer in self.observers:
            try:
                await observer(seen, reply)
            except Exception:
                logger.exception("turn observer %r failed", observer)
        return reply

    async def offer(self, channel: str, sender_id: str, buttons: list[Button]) -> None:
        """Buttons sent outside a turn (a reminder): tapping them, or typing "có", works like any reply's."""
        sender = f"{channel}:{sanitise(sender_id)}"
        async with self._lock(sender):
            stored = await self._state.aget(self._offers_key(sender))
            await self._remember(sender, _Offers.from_json(stored), [OutgoingMessage("", buttons)], stored)

    def _slow_down(self, sender: str) -> Reply:
        # Told once per window: a flooding client must not make us flood the channel with notices.
        now = self._clock()
        warned_at = self._warned.get(sender)
        if warned_at is not None and now - warned_at < self.rate_window_s:
            return Reply([], TurnInfo(status="rate_limited"))
        self._warned[sender] = now
        self._warned.move_to_end(sender)
        while len(self._warned) > SENDERS_KEPT:
            self._warned.popitem(last=False)
        return Reply([OutgoingMessage(notices.RATE_LIMITED)], TurnInfo(status="rate_limited"))

    @staticmethod
    def _defuse(offers: _Offers, text: str) -> str:
        if text.startswith("/") and text not in offers.issued:
            # Typed "/intent{...}" would let anyone drive the dialogue; treat it as ordinary words.
            return text.lstrip("/").strip() or "?"
        return text

    @staticmethod
    def _offers_key(sender: str) -> str:
        return f"offers:{sender}"[:200]

    async def _remember(
        self, sender: str, offers: _Offers, messages: list[OutgoingMessage], stored: dict | None
    ) -> None:
        offers.latest = [b for m in messages for b in m.buttons]
        offers.issued.extend(p for p in (b.payload for b in offers.latest) if p not in offers.issued)
        # Follow-ups often end with the same buttons: no write then (offers are kept a week from their last
        # change), which spares the shared database one write on such turns.
        value = offers.to_json()
        if value != stored:
            await self._state.aput(self._offers_key(sender), value, OFFERS_KEPT_S)
