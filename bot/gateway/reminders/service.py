"""Offering, accepting, stopping and sending reminders (bot/gateway/reminders/__init__.py).

Wired into the conversation service (bot/gateway/channels/startup.py):
- a reply filter follows the walkthrough through the funnel marks of each reply; when a citizen who was in it gets
  a reply without a step (they tapped "Xong" halfway, or asked something else) or finishes it, it offers once
  per procedure, unless the citizen is in the held-out share (REMINDER_HOLDOUT);
- an interceptor answers "có"/"không" to that offer, the stop button and a typed "dừng nhắc" without Rasa;
- a scheduler in every gateway sends what is due; the claim in bot/gateway/reminders/storage.py makes it one of them.
The clock is an attribute (`clock`), so tests move time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

from bot.gateway.background import BackgroundTask
from bot.gateway.channels.zalo import FREE_WINDOW_S as ZALO_WINDOW_S  # Zalo's window is defined once, by its channel
from bot.gateway.conversation.models import Button, IncomingMessage, OutgoingMessage, Reply, TurnInfo
from bot.gateway.reminders import texts, timing
from bot.gateway.reminders.storage import Due, ReminderStore
from knowledge_base.text import fold, words

logger = logging.getLogger("bot.gateway.reminders")
CHANNELS = ("telegram", "zalo")
YES_PAYLOAD = '/affirm{"reminder":"yes"}'
EVENING_PAYLOAD = '/affirm{"reminder":"evening"}'  # the citizen's own choice: this evening instead
NO_PAYLOAD = '/deny{"reminder":"no"}'
STOP_PAYLOAD = '/deny{"reminder":"stop"}'
RESUME = "/start_guide"
GUIDE_KEY = "reminder:guide:{channel}:{sender}"  # the walkthrough a citizen is in: procedure, step
OFFER_KEY = "reminder:offer:{channel}:{sender}"  # the offer awaiting an answer
STOPPED_KEY = "reminder:stopped:{channel}:{sender}"  # "dừng nhắc": no more offers either
STOPPED_KEPT_S = 180 * 24 * 3600
KEPT_S = 2 * 24 * 3600
IDLE_S = 30 * 60  # silent this long in the middle of a walkthrough: left it
STOP_PHRASES = (("dung", "nhac"), ("ngung", "nhac"), ("khong", "nhac", "nua"), ("thoi", "nhac"))
POLL_S = 5.0
PACE_S = 0.05  # between two reminders: far below Telegram's 30 messages per second
ZALO_WINDOW_MARGIN_S = 3600


class NotDelivered(Exception):
    """A channel did not deliver a reminder: `outcome` (blocked, window_closed, failed) and why, for staff;
    `retry_at` set when the channel said to try later (the reminder waits, it is not dropped)."""

    def __init__(self, outcome: str, reason: str, retry_at: datetime | None = None) -> None:
        super().__init__(f"{outcome}: {reason}")
        self.outcome, self.reason, self.retry_at = outcome, reason, retry_at


# Sends one reminder to one user of a channel; raises NotDelivered.
Send = Callable[[str, list[OutgoingMessage], datetime], Awaitable[None]]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def held_out(channel: str, sender_id: str, share: float) -> bool:
    """The same citizen is always in the same arm: a hash of who they are, uniform in [0, 1)."""
    digest = hashlib.blake2b(f"{channel}:{sender_id}".encode(), digest_size=8, person=b"reminder").digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def resume_payload(procedure: str, step: str) -> str:
    # offset: the step of the walkthrough to open (actions/online_guide.py ActionStartGuide).
    return RESUME + json.dumps(
        {"procedure_code": procedure, "offset": "submit" if step == "finished" else step}, ensure_ascii=False
    )


def _resumed(text: str) -> str | None:
    if not text.startswith(RESUME + "{"):
        return None
    try:
        entities = json.loads(text[len(RESUME) :])
    except ValueError:
        return None
    return str(entities.get("procedure_code") or "") if isinstance(entities, dict) and "offset" in entities else None


def asks_to_stop(text: str) -> bool:
    tokens = words(fold(text))
    if not tokens or len(tokens) > 8:
        return False  # a longer message is a question, not the command
    joined = f" {' '.join(tokens)} "
    return any(f" {' '.join(p)} " in joined for p in STOP_PHRASES)


class Reminders:
    def __init__(
        self,
        store: ReminderStore,
        state,
        conversation,
        *,
        enabled: bool = True,
        delay_s: float = 0.0,
        holdout: float = 0.2,
        names: Callable[[str], str] | None = None,
        claims=None,
    ) -> None:
        self.store = store
        self._state = state
        self._conversation = conversation
        self.enabled = enabled
        self.delay_s = delay_s
        self.holdout = holdout
        self.clock: Callable[[], datetime] = _utcnow  # replaceable in tests
        self.senders: dict[str, Send] = {}
        self._names = names or (lambda code: "")
        self._claims = claims  # bot/gateway/channels/state_claims.py: for offers to citizens who went silent
        self._loop = BackgroundTask(self._run, "reminders")

    # --- offer (reply filter) ------------------------------------------------------------------------------

    async def follow(self, incoming: IncomingMessage, reply: Reply) -> Reply:
        if not self.enabled or incoming.channel not in CHANNELS:
            return reply
        try:
            return await self._follow(incoming, reply)
        except Exception:
            logger.exception("reminders: could not follow the walkthrough of a turn")
            return reply

    async def _follow(self, incoming: IncomingMessage, reply: Reply) -> Reply:
        key = GUIDE_KEY.format(channel=incoming.channel, sender=incoming.sender_id)
        marks = reply.turn.funnel
        steps = [m for m in marks if m.event == "step" and m.detail]
        if steps:
            await self._state.aput(
                key,
                {"procedure": steps[-1].procedure or "", "step": steps[-1].detail, "at": self.clock().timestamp()},
                KEPT_S,
            )
            return reply
        finished = next((m for m in marks if m.event == "finished"), None)
        following = await self._state.aget(key)
        if not isinstance(following, dict):
            return reply
        await self._state.adelete(key)
        procedure = (finished.procedure if finished else None) or str(following.get("procedure") or "")
        step = "finished" if finished else str(following.get("step") or "")
        offer = await self._offer(incoming.channel, incoming.sender_id, procedure, step)
        return Reply([*reply.messages, offer], reply.turn) if offer is not None else reply

    async def _offer(self, channel: str, sender_id: str, procedure: str, step: str) -> OutgoingMessage | None:
        """The offer, once per citizen and procedure; None when not offered (already, stopped, held out...)."""
        if not procedure or not step:
            return None  # a walkthrough without a procedure: nothing to name in a reminder
        who = (channel, sender_id, procedure)
        if await self._state.aget(STOPPED_KEY.format(channel=channel, sender=sender_id)):
            return None
        if await asyncio.to_thread(self.store.offered_before, *who):
            return None
        if step == "finished" and await asyncio.to_thread(self.store.receipt_given, *who):
            return None
        now = self.clock()
        if held_out(channel, sender_id, self.holdout):
            await asyncio.to_thread(self.store.record_step, "reminder_held_out", *who, now)
            return None
        await asyncio.to_thread(self.store.record_step, "reminder_offered", *who, now)
        await self._state.aput(
            OFFER_KEY.format(channel=channel, sender=sender_id), {"procedure": procedure, "step": step}, KEPT_S
        )
        choices, hint = [Button(texts.YES, YES_PAYLOAD)], texts.OFFER_HINT
        if not self.delay_s and timing.evening(now) is not None:
            choices.append(Button(texts.EVENING, EVENING_PAYLOAD))
            hint = texts.OFFER_HINT_EVENING
        return OutgoingMessage(f"{texts.OFFER}\n{hint}", [*choices, Button(texts.NO, NO_PAYLOAD)])

    async def offer_to_the_silent(self, now: datetime) -> int:
        """A citizen who stopped answering in the middle of a walkthrough (the most common way to leave it) is
        offered after IDLE_S, once: the compare-and-set on their walkthrough record makes it one gateway."""
        if self._claims is None:
            return 0
        prefix, offered = GUIDE_KEY.split("{")[0], 0
        for key in await self._claims.akeys(prefix):
            channel, _, sender = key[len(prefix) :].partition(":")
            if channel not in self.senders:
                continue
            found = await self._claims.aread(key)
            if found is None:
                continue
            seen, doc = found
            if not isinstance(doc, dict) or now.timestamp() - float(doc.get("at") or 0) < IDLE_S:
                continue
            if await self._claims.areplace(key, seen, {**doc, "at": float("inf")}, 60) is None:
                continue  # another gateway took it, or the citizen came back
            await self._state.adelete(key)
            offer = await self._offer(channel, sender, str(doc.get("procedure") or ""), str(doc.get("step") or ""))
            if offer is None:
                continue
            try:
                await self._conversation.offer(channel, sender, offer.buttons)
                await self.senders[channel](sender, [offer], now)
                offered += 1
            except NotDelivered as exc:
                logger.info("reminders: offer to a silent %s citizen not sent (%s)", channel, exc)
            except Exception:
                logger.exception("reminders: offer to a silent %s citizen failed", channel)
        return offered

    # --- answers (interceptor) -----------------------------------------------------------------------------

    async def intercept(self, incoming: IncomingMessage) -> Reply | None:
        if incoming.channel not in CHANNELS:
            return None
        text = incoming.text
        if text in (YES_PAYLOAD, EVENING_PAYLOAD) and self.enabled:
            return await self._accept(incoming, evening=text == EVENING_PAYLOAD)
        if (
            self.enabled
            and " toi nay " in f" {' '.join(words(fold(text)))} "
            and len(text) < 40
            and await self._state.aget(OFFER_KEY.format(channel=incoming.channel, sender=incoming.sender_id))
        ):
            return await self._accept(incoming, evening=True)  # "tối nay" typed to the offer
        if text in (YES_PAYLOAD, EVENING_PAYLOAD, NO_PAYLOAD):
            await self._state.adelete(OFFER_KEY.format(channel=incoming.channel, sender=incoming.sender_id))
            return _said(texts.DECLINED)
        if text == STOP_PAYLOAD or asks_to_stop(text):
            await asyncio.to_thread(self.store.stop_all, incoming.channel, incoming.sender_id, self.clock())
            await self._state.aput(
                STOPPED_KEY.format(channel=incoming.channel, sender=incoming.sender_id), 1, STOPPED_KEPT_S
            )
            await self._state.adelete(OFFER_KEY.format(channel=incoming.channel, sender=incoming.sender_id))
            return _said(texts.STOPPED)
        if (procedure := _resumed(text)) and self.enabled:
            try:
                await asyncio.to_thread(
                    self.store.record_step,
                    "reminder_continued",
                    incoming.channel,
                    incoming.sender_id,
                    procedure,
                    self.clock(),
                )
            except Exception:
                logger.exception("reminders: could not count a continued walkthrough")
        return None

    async def _accept(self, incoming: IncomingMessage, evening: bool = False) -> Reply:
        key = OFFER_KEY.format(channel=incoming.channel, sender=incoming.sender_id)
        offer = await self._state.aget(key)
        if not isinstance(offer, dict):
            return _said(texts.EXPIRED)
        now = self.clock()
        due = (timing.evening(now) if evening else None) or timing.due_at(now, self.delay_s)
        moved = ""
        if incoming.channel == "zalo":
            # Zalo lets the OA write only within 48 h of the citizen's last message (this one).
            latest = now + timedelta(seconds=ZALO_WINDOW_S - ZALO_WINDOW_MARGIN_S)
            if due > latest:
                due, moved = latest, "dời sớm hơn cho nằm trong 48 giờ Zalo cho phép nhắn lại"
        scheduled = await asyncio.to_thread(
            self.store.schedule,
            channel=incoming.channel,
            sender_id=incoming.sender_id,
            name=incoming.name,
            procedure=str(offer["procedure"]),
            step=str(offer["step"]),
            due_at=due,
            now=now,
            note=moved,
        )
        await self._state.adelete(key)
        if moved:
            logger.info("reminders: a Zalo reminder for %s %s", offer["procedure"], moved)
        if not scheduled:
            return _said(texts.ACCEPTED.format(when="như đã hẹn"))
        return _said(texts.ACCEPTED.format(when=timing.spoken(now, due)))

    # --- sending -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                await self.tick()
            except Exception:
                logger.exception("reminders: sending due reminders failed; retrying")

    async def tick(self) -> int:
        """Send what is due now (by `clock`) on the channels this gateway runs; how many were sent."""
        if not self.senders:
            return 0
        now = self.clock()
        await self.offer_to_the_silent(now)
        await asyncio.to_thread(self.store.interrupted, now)
        sent = 0
        for due in await asyncio.to_thread(self.store.due, now, tuple(self.senders)):
            if not await asyncio.to_thread(self.store.claim, due.id, now):
                continue  # another gateway has it
            if await self._send(due, now):
                sent += 1
            await asyncio.sleep(PACE_S)
        return sent

    def compose(self, due: Due) -> OutgoingMessage:
        title = self._names(due.procedure) or f"mã {due.procedure}"
        greeting = texts.GREETING.format(name=due.name) if due.name else texts.GREETING_PLAIN
        if due.step == "finished":
            body = texts.REMINDER_FINISHED.format(procedure=title)
        else:
            body = texts.REMINDER_STEP.format(procedure=title, step=texts.STEP_NAMES.get(due.step, due.step))
        return OutgoingMessage(
            greeting + body,
            [Button(texts.CONTINUE, resume_payload(due.procedure, due.step)), Button(texts.STOP, STOP_PAYLOAD)],
        )

    async def _send(self, due: Due, now: datetime) -> bool:
        message = self.compose(due)
        try:
            # The buttons work like any reply's: tapped, or answered by typing ("có", "tiếp tục", "không").
            await self._conversation.offer(due.channel, due.sender_id, message.buttons)
            await self.senders[due.channel](due.sender_id, [message], now)
        except NotDelivered as exc:
            if exc.retry_at is not None:
                await asyncio.to_thread(self.store.postpone, due, exc.retry_at)
                return False
            logger.warning("reminders: %s reminder not sent (%s: %s)", due.channel, exc.outcome, exc.reason)
            await asyncio.to_thread(self.store.finish, due, exc.outcome, exc.reason, now)
            return False
        except Exception as exc:
            # Perhaps delivered after all: dropped rather than risk sending it twice.
            logger.exception("reminders: %s reminder failed; dropped", due.channel)
            await asyncio.to_thread(self.store.finish, due, "failed", f"{exc.__class__.__name__}: {exc}", now)
            return False
        await asyncio.to_thread(self.store.finish, due, "sent", "", now)
        return True


def _said(text: str) -> Reply:
    return Reply([OutgoingMessage(text)], TurnInfo(status="chat", reason="reminder"))
