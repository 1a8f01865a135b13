"""Turn metadata for the gateway (it records every turn for staff); never shown to citizens."""

from __future__ import annotations

import logging

from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)


def report_turn(
    dispatcher: CollectingDispatcher,
    status: str,
    procedure: str | None = None,
    confidence: float | None = None,
    reason: str | None = None,
) -> None:
    """status: answered | clarified | fallback | out_of_scope | handed_over | feedback | chat."""
    if status == "answered" and procedure and _files_online(procedure):
        # Funnel step 1: the citizen got an answer about a procedure that can be filed online.
        report_funnel(dispatcher, "asked", procedure)
    dispatcher.utter_message(
        json_message={"turn": {"status": status, "procedure": procedure, "confidence": confidence, "reason": reason}}
    )


def report_search(dispatcher: CollectingDispatcher, found, candidates: int = 3) -> None:
    """What search made of the message, for the console's "why this answer": the first candidates with their
    scores and the message's words found in the first one's texts (staff see what an alias must outweigh)."""
    dispatcher.utter_message(
        json_message={
            "why": {
                "confident": bool(found.confident),
                "candidates": [
                    {"code": h.code, "name": h.name, "score": round(float(h.score), 3), "in_scope": h.in_scope}
                    for h in found.results[:candidates]
                ],
                "words": list(getattr(found, "matched_words", []))[:12],
            }
        }
    )


def report_funnel(
    dispatcher: CollectingDispatcher, event: str, procedure: str | None = None, detail: str | None = None
) -> None:
    """A step of the online-filing funnel (asked, started, step, finished, receipt) for the gateway's record;
    the gateway adds what it sees itself (walkthrough offered, link opened, receipt code typed)."""
    dispatcher.utter_message(json_message={"funnel": {"event": event, "procedure": procedure, "detail": detail}})


def _files_online(code: str) -> bool:
    from actions.deps import knowledge_base  # late: deps builds the knowledge base on first use

    try:
        kb = knowledge_base()
        procedure = kb.get(code) if kb.ready else None
    except Exception:  # the record must never cost the citizen an answer
        logger.exception("funnel: cannot look up %s", code)
        return False
    return procedure is not None and procedure.has_online_channel
