"""Messages that arrived on Telegram or Zalo while the assistant (Rasa) was down: kept in the shared database and
answered, in order, once it is back.

These channels are asynchronous: the citizen is told once that the answer will follow, not asked to type the
question again. A message is deleted only after its reply was sent; before answering it, a gateway claims it
(compare-and-set on `claimed_until`), so two gateways never answer the same message.
Keys: pending:<channel>:<sender>:<sequence>, the sequence being the arrival time in ns (ordered as text).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.gateway.background import BackgroundTask
from bot.gateway.keyed_locks import KeyedLocks
from bot.gateway.channels.state_claims import StateClaims
from bot.gateway.conversation import notices
from bot.gateway.conversation.edge import clean_citizen_text
from bot.gateway.conversation.models import IncomingMessage, OutgoingMessage
from bot.gateway.conversation.rasa_client import RasaUnavailable
from bot.gateway.conversation.service import ConversationService
from bot.gateway.state import StateStore

logger = logging.getLogger("bot.gateway.channels.pending")
KEPT_S = 3 * 24 * 3600  # an answer days late helps nobody; the citizen will have asked elsewhere
CLAIM_S = 120.0  # longer than a Rasa turn (30 s timeout) and the sending; a crashed claimer's lapses
POLL_S = 2.0
BACKOFF_MAX_S = 15.0
ATTEMPTS_MAX = 5  # failures other than Rasa being down (e.g. the citizen blocked the bot)
RATE_LIMITED_WAIT_S = 10.0
SENDERS_AT_ONCE = 8


@dataclass(frozen=True)
class Waiting:
    sender: str
    text: str
    command: bool = False
    extra: dict = field(default_factory=dict)  # what the channel needs to reply (Zalo: msg_id)


# Sends a reply through the channel's normal path.
Send = Callable[[Waiting, list[OutgoingMessage]], Awaitable[None]]
# Whether the assistant answers again (a status probe): while it does not, kept messages are not even tried, so
# the attempts do not use up the sender's message allowance in the conversation service.
Ready = Callable[[], Awaitable[bool]]


class PendingMessages:
    def __init__(
        self,
        channel: str,
        store: StateStore,
        claims: StateClaims,
        conversation: ConversationService,
        send: Send,
        locks: KeyedLocks,
        ready: Ready,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.channel = channel
        self._store = store
        self._claims = claims
        self._conversation = conversation
        self._send = send
        self._ready = ready
        self._locks = locks  # the channel's per-sender locks: a live turn never overtakes a kept one
        self._clock = clock
        self._loop = BackgroundTask(self._run, f"{self.channel}-pending")

    def _prefix(self, sender: str = "") -> str:
        return f"pending:{self.channel}:{sender}:" if sender else f"pending:{self.channel}:"

    # --- on arrival (called by the channel under the sender's lock) ----------------------------------------

    async def queue_if_waiting(self, waiting: Waiting) -> bool:
        """Keep this message too when the sender has messages waiting, so it is answered after them."""
        try:
            if not await self._claims.akeys(self._prefix(waiting.sender)):
                return False
            await self._keep(waiting)
            return True
        except Exception:
            logger.exception("%s: could not check or keep waiting messages; answering directly", self.channel)
            return False

    async def keep_for_later(self, waiting: Waiting) -> list[OutgoingMessage]:
        """Rasa is down: keep the message; what to tell the citizen (once, not for every message kept)."""
        try:
            first = not await self._claims.akeys(self._prefix(waiting.sender))
            await self._keep(waiting)
        except Exception:
            logger.exception("%s: could not keep a message for later", self.channel)
            return [OutgoingMessage(notices.UNAVAILABLE)]
        return [OutgoingMessage(notices.ANSWER_LATER)] if first else []

    async def _keep(self, waiting: Waiting) -> None:
        key = f"{self._prefix(waiting.sender)}{time.time_ns():020d}"
        # Masked before it is stored: no identity number reaches the database, even for a while
        # (docs/gateway-api.md, "What the gateway does with every channel's text"). Masking again when it is
        # answered changes nothing, so the notice that a number was hidden is remembered here and sent with the
        # answer, as the conversation service would have.
        masked = clean_citizen_text(waiting.text)
        await self._store.aput(
            key,
            {
                "sender": waiting.sender,
                "text": masked.text,
                "command": waiting.command,
                "identity_hidden": masked.had_identity_number,
                "extra": waiting.extra,
                "claimed_until": 0,
                "attempts": 0,
            },
            ttl_s=KEPT_S,
        )
        logger.info("%s: message kept until the assistant is back (%s)", self.channel, key)

    # --- background answering ------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self) -> None:
        delay = POLL_S
        while True:
            await asyncio.sleep(delay)
            try:
                delay = POLL_S if await self.drain() else min(delay * 2, BACKOFF_MAX_S)
            except Exception:
                logger.exception("%s: answering kept messages failed; retrying", self.channel)
                delay = min(delay * 2, BACKOFF_MAX_S)

    async def drain(self) -> bool:
        """Answer what is waiting, each sender's messages in order; False while the assistant is still down."""
        by_sender: dict[str, list[str]] = {}
        prefix = self._prefix()
        for key in await self._claims.akeys(prefix):
            sender, _, _ = key[len(prefix) :].rpartition(":")
            by_sender.setdefault(sender, []).append(key)
        if not by_sender:
            return True
        if not await self._ready():
            return False
        limit = asyncio.Semaphore(SENDERS_AT_ONCE)

        async def one_sender(sender: str, keys: list[str]) -> bool:
            async with limit:
                for key in keys:  # text order of the zero-padded sequence: arrival order
                    outcome = await self._answer_one(sender, key)
                    if outcome == "down":
                        return False
                    if outcome == "busy":
                        return True  # later messages wait: they must not overtake this one
            return True

        results = await asyncio.gather(*(one_sender(s, k) for s, k in by_sender.items()))
        return all(results)

    async def _answer_one(self, sender: str, key: str) -> str:
        """ "done" (answered, or gone already), "busy" (claimed elsewhere or to retry later), "down" (Rasa)."""
        found = await self._claims.aread(key)
        if found is None:
            return "done"
        seen, doc = found
        now = self._clock()
        if float(doc.get("claimed_until") or 0) > now:
            return "busy"
        claimed = {**doc, "claimed_until": now + CLAIM_S}
        mine = await self._claims.areplace(key, seen, claimed, KEPT_S)
        if mine is None:
            return "busy"  # another gateway claimed it between our read and write
        waiting = Waiting(sender, str(doc.get("text") or ""), bool(doc.get("command")), dict(doc.get("extra") or {}))
        async with self._locks(sender):
            try:
                reply = await self._conversation.handle(
                    IncomingMessage(self.channel, sender, waiting.text), command=waiting.command
                )
                if reply.turn.status == "rate_limited":
                    # Not answered: it waits until the sender's allowance allows it, and is not dropped.
                    await self._claims.areplace(key, mine, {**doc, "claimed_until": now + RATE_LIMITED_WAIT_S}, KEPT_S)
                    return "busy"
                messages = reply.messages
                if doc.get("identity_hidden"):
                    messages = [OutgoingMessage(notices.IDENTITY_NOT_KEPT), *messages]
                await self._send(waiting, messages)
            except RasaUnavailable:
                await self._claims.areplace(key, mine, {**doc, "claimed_until": 0}, KEPT_S)
                return "down"
            except Exception as exc:
                attempts = int(doc.get("attempts") or 0) + 1
                if attempts >= ATTEMPTS_MAX:
                    logger.error(
                        "%s: kept message %s dropped after %d failed attempts (%s)", self.channel, key, attempts, exc
                    )
                    await self._store.adelete(key)
                    return "done"
                logger.warning("%s: kept message %s not answered (%s); retrying later", self.channel, key, exc)
                await self._claims.areplace(
                    key, mine, {**doc, "attempts": attempts, "claimed_until": now + POLL_S * 5 * attempts}, KEPT_S
                )
                return "busy"
            await self._store.adelete(key)
        logger.info("%s: kept message answered (%s)", self.channel, key)
        return "done"
