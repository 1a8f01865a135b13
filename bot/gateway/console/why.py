"""Why a turn got its answer, in staff's words: the decision, the candidates search weighed, the deciding words.

The decision is read from what the turn record holds (the text the dialogue saw, the status and procedure the
action reported, the procedure of the sender's previous turn); candidates and words are those the action
reported from search (actions/turns.py report_search), so a turn that never searched has none.
"""

from __future__ import annotations

import json

from bot.gateway.db.models import Turn

DECISIONS = {
    "offer": "Trả lời lựa chọn trợ lý vừa đưa ra",
    "focus": "Tiếp tục thủ tục đang nói đến",
    "new": "Thủ tục mới",
    "other_agency": "Thủ tục của cơ quan khác",
    "chat": "Trò chuyện, chào hỏi",
    "fallback": "Không trả lời được",
    "handed_over": "Chuyển cho cán bộ",
    "feedback": "Đánh giá của người dân",
}


def decision(turn: Turn, previous_procedure: str | None) -> str:
    if turn.text.startswith("/"):
        return "offer"  # a tapped button, or a typed reply the gateway matched to one
    if turn.status == "out_of_scope":
        # A matter of the directory may have no national code (social insurance in general): the action's
        # reason still names another agency.
        other = turn.procedure or (turn.reason or "").startswith("another agency")
        return "other_agency" if other else "chat"
    if turn.status in ("fallback", "handed_over", "feedback", "chat"):
        return turn.status
    if turn.procedure and turn.procedure == previous_procedure:
        return "focus"
    return "new"


def explain(turn: Turn, previous_procedure: str | None) -> dict:
    reported = {}
    if turn.why:
        try:
            reported = json.loads(turn.why)
        except ValueError:
            reported = {}
    kind = decision(turn, previous_procedure)
    return {
        "decision": kind,
        "label": DECISIONS[kind],
        "reason": turn.reason,
        "candidates": reported.get("candidates") or [],
        "words": reported.get("words") or [],
        "confident": reported.get("confident"),
    }
