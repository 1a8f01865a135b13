"""ConversationService.handle(): the one path from any channel to Rasa and back."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

from bot.conversation.models import IncomingMessage, OutgoingMessage, Reply
from bot.conversation.rasa_client import RasaClient
from knowledge_base.text import nfc

logger = logging.getLogger(__name__)
# Called after every turn, e.g. to record it for the staff console; a failing observer never loses the reply.
TurnObserver = Callable[[IncomingMessage, Reply], Awaitable[None]]
ISSUED_PAYLOADS_KEPT = 50
SENDERS_KEPT = 10_000


class ConversationService:
    def __init__(self, rasa: RasaClient, observers: list[TurnObserver] | None = None) -> None:
        self._rasa = rasa
        self.observers: list[TurnObserver] = list(observers or [])
        # Payloads this assistant offered each sender: only those may reach Rasa as "/intent" commands.
        self._issued: OrderedDict[str, deque[str]] = OrderedDict()
        self._locks: OrderedDict[str, asyncio.Lock] = OrderedDict()

    async def handle(self, message: IncomingMessage) -> Reply:
        sender = f"{message.channel}:{message.sender_id}"
        text = self._sanitise(sender, nfc(message.text))
        # One sender's turns run in order (Rasa's tracker is per sender); different senders run concurrently.
        async with self._lock(sender):
            reply = await self._rasa.send(sender, text)
        self._remember(sender, reply.messages)
        for observer in self.observers:
            try:
                await observer(message, reply)
            except Exception:
                logger.exception("turn observer %r failed", observer)
        return reply

    def _sanitise(self, sender: str, text: str) -> str:
        if text.startswith("/") and text not in self._issued.get(sender, ()):
            # Typed "/intent{...}" would let anyone drive the dialogue; treat it as ordinary words.
            return text.lstrip("/").strip() or "?"
        return text

    def _remember(self, sender: str, replies: list[OutgoingMessage]) -> None:
        payloads = [b.payload for r in replies for b in r.buttons]
        if not payloads:
            return
        issued = self._issued.setdefault(sender, deque(maxlen=ISSUED_PAYLOADS_KEPT))
        issued.extend(payloads)
        self._issued.move_to_end(sender)
        while len(self._issued) > SENDERS_KEPT:
            self._issued.popitem(last=False)

    def _lock(self, sender: str) -> asyncio.Lock:
        lock = self._locks.get(sender)
        if lock is None:
            lock = self._locks[sender] = asyncio.Lock()
            while len(self._locks) > SENDERS_KEPT:
                oldest, old_lock = next(iter(self._locks.items()))
                if old_lock.locked():
                    break
                del self._locks[oldest]
        self._locks.move_to_end(sender)
        return lock
