"""The turn observer: records every turn the ConversationService handles, for the console and dashboard."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.console import funnel
from bot.gateway.conversation.models import IncomingMessage, Reply
from bot.gateway.db import repositories as repo
from bot.gateway.db.models import BUTTON, FEEDBACK, QUESTION
from bot.gateway.json_body import parse_json

logger = logging.getLogger(__name__)
FEEDBACK_PAYLOAD = "/feedback"
# Button payloads and action reasons that mean "the citizen opened the online-filing walkthrough".
ONLINE_GUIDE_PAYLOADS = ("/start_guide", "/ask_online_submission")
ONLINE_GUIDE_REASON = "online guide"


def feedback_value(text: str, reply: Reply) -> str | None:
    """'good' / 'bad' when this turn is a 👍/👎, else None."""
    if text.startswith(FEEDBACK_PAYLOAD):
        try:
            value = parse_json(text[len(FEEDBACK_PAYLOAD) :] or "{}").get("value")
        except (ValueError, AttributeError):
            value = None
        if value in ("good", "bad"):
            return value
    if reply.turn.status == "feedback" and reply.turn.reason in ("good", "bad"):
        return reply.turn.reason  # typed feedback ("sai rồi") recognised by the dialogue
    return None


def turn_kind(text: str) -> str:
    # Button payloads ("/intent{...}") are choices among what the assistant offered, not questions.
    return BUTTON if text.startswith("/") else QUESTION


class TurnRecorder:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def __call__(self, incoming: IncomingMessage, reply: Reply) -> None:
        # The database call must not hold up the event loop that serves every citizen.
        await asyncio.to_thread(self.record, incoming, reply)

    def record(self, incoming: IncomingMessage, reply: Reply) -> None:
        self.record_all([(incoming, reply)])

    def record_all(self, turns: list[tuple[IncomingMessage, Reply]]) -> None:
        """Several turns in one transaction: all are stored, or none."""
        with self._sessions() as db:
            for incoming, reply in turns:
                self._add(db, incoming, reply)
            db.commit()

    @staticmethod
    def _add(db: Session, incoming: IncomingMessage, reply: Reply) -> None:
        text, turn = incoming.text.strip(), reply.turn
        value = feedback_value(text, reply)
        if value is not None:
            rated = repo.record_feedback(db, channel=incoming.channel, sender_id=incoming.sender_id, value=value)
            repo.add_turn(
                db,
                channel=incoming.channel,
                sender_id=incoming.sender_id,
                text=text,
                kind=FEEDBACK,
                status="feedback",
                procedure=rated.procedure if rated else None,
                reason=value,
            )
        else:
            online = text.startswith(ONLINE_GUIDE_PAYLOADS) or turn.reason == ONLINE_GUIDE_REASON
            repo.add_turn(
                db,
                channel=incoming.channel,
                sender_id=incoming.sender_id,
                text=text,
                kind=turn_kind(text),
                status=turn.status,
                procedure=turn.procedure,
                confidence=turn.confidence,
                reason=turn.reason,
                online_guide=online,
                why=turn.why,
            )
        funnel.record(db, incoming, reply)
