"""Which funnel steps a turn reached, recorded with the turn (TurnRecorder.record, off the reply path).

The actions report what only they know (an online-capable procedure answered, walkthrough started, each step
shown, finished, a receipt code read by the status lookup); the gateway adds what it sees in every reply and
message: the walkthrough offered (a "Hướng dẫn từng bước" button) and a receipt code typed, whatever the
classifier made of the message. Links opened are counted by the redirect (bot/gateway/console/links.py).
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.gateway.conversation.models import IncomingMessage, Reply
from bot.gateway.db import funnel

# Receipt code of a one-stop file, as the masking keeps it (bot/gateway/conversation/masking.py).
RECEIPT_CODE = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}\b", re.IGNORECASE)
START_GUIDE = "/start_guide"
ACTION_STEPS = {"asked": "asked", "started": "started", "finished": "finished"}


def steps_of(incoming: IncomingMessage, reply: Reply) -> list[tuple[str, str | None]]:
    """(step, procedure) reached in this turn; a receipt code's procedure is settled by record()."""
    turn, found = reply.turn, []
    for mark in turn.funnel:
        if mark.event in ACTION_STEPS:
            found.append((ACTION_STEPS[mark.event], mark.procedure))
        elif mark.event == "step" and mark.detail:
            found.append(("payment" if mark.detail == "pay" else f"step_{mark.detail}", mark.procedure))
    if any(b.payload.startswith(START_GUIDE) for m in reply.messages for b in m.buttons):
        found.append(("offered", turn.procedure))
    return found


def receipt_procedure(incoming: IncomingMessage, reply: Reply) -> tuple[bool, str | None]:
    """(a receipt code was typed, the procedure in focus when it was, as far as the turn tells)."""
    reported = [m for m in reply.turn.funnel if m.event == "receipt"]
    if not reported and not RECEIPT_CODE.search(incoming.text):
        return False, None
    focus = next((m.procedure for m in reported if m.procedure), None)
    focus = focus or reply.turn.procedure or next((m.procedure for m in reply.turn.funnel if m.procedure), None)
    return True, focus


def record(db: Session, incoming: IncomingMessage, reply: Reply) -> None:
    """Add this turn's funnel steps to the session (the caller commits)."""
    who = {"channel": incoming.channel, "sender_id": incoming.sender_id}
    for step, procedure in steps_of(incoming, reply):
        funnel.record_step(db, step=step, procedure=procedure, **who)
    typed, procedure = receipt_procedure(incoming, reply)
    if typed:
        # No procedure in focus: the walkthrough this citizen started last, on whatever day.
        procedure = procedure or funnel.last_started(db, **who)
        funnel.record_step(db, step="receipt", procedure=procedure, **who)
