"""Answer a procedure question from the knowledge base: the one answer, a choice, a redirect, or 'not found'."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.deps import knowledge_base

logger = logging.getLogger(__name__)
CHOICES = 3


def choose_payload(code: str) -> str:
    # An explicit entity makes the choice exact: the button never depends on re-running the search.
    return "/ask_procedure" + json.dumps({"procedure_code": code})


def report_turn(dispatcher: CollectingDispatcher, status: str, procedure: str | None = None,
                confidence: float | None = None, reason: str | None = None) -> None:
    """Tell the gateway how this turn went (it records it for staff); the gateway never shows it to users."""
    dispatcher.utter_message(json_message={"turn": {"status": status, "procedure": procedure,
                                                     "confidence": confidence, "reason": reason}})


def _entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


class ActionAnswerProcedure(Action):
    def name(self) -> str:
        return "action_answer_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        kb = knowledge_base()
        if not kb.ready:
            dispatcher.utter_message(response="utter_kb_unavailable")
            report_turn(dispatcher, "fallback", reason="knowledge base not ready")
            return []
        chosen = _entity(tracker, "procedure_code")
        if chosen and kb.get(chosen) is not None:
            return self._answer(dispatcher, kb, chosen, confidence=1.0)
        text = tracker.latest_message.get("text") or ""
        found = await asyncio.to_thread(kb.search, text, 5)
        if not found.results:
            dispatcher.utter_message(response="utter_procedure_not_found", portal=kb.department.national_portal)
            report_turn(dispatcher, "fallback", reason="no search result")
            return []
        top = found.results[0]
        if found.confident and not top.in_scope:
            dispatcher.utter_message(
                response="utter_procedure_other_agency", name=top.name, code=top.code,
                agency=top.agency or "cơ quan khác", url=getattr(top, "url", None) or kb.department.national_portal)
            report_turn(dispatcher, "out_of_scope", top.code, top.score, reason="another agency's procedure")
            return []
        if found.confident:
            return self._answer(dispatcher, kb, top.code, confidence=top.score)
        choices = [hit for hit in found.results if hit.in_scope][:CHOICES]
        if not choices:
            dispatcher.utter_message(response="utter_procedure_not_found", portal=kb.department.national_portal)
            report_turn(dispatcher, "fallback", None, top.score, reason="low confidence, no department procedure")
            return []
        dispatcher.utter_message(
            response="utter_procedure_unsure",
            buttons=[{"title": formatting.short_title(h.name), "payload": choose_payload(h.code)} for h in choices])
        report_turn(dispatcher, "clarified", choices[0].code, top.score, reason="low confidence")
        return []

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, kb, code: str, confidence: float | None) -> list[dict[str, Any]]:
        procedure = kb.get(code)
        department = kb.department
        dispatcher.utter_message(
            response="utter_procedure_summary",
            name=procedure.name,
            code=procedure.code,
            authority=formatting.authority_line(procedure, department.name),
            channels=formatting.channels_block(procedure),
            url=procedure.detail_url or department.national_portal,
        )
        report_turn(dispatcher, "answered", procedure.code, confidence)
        return [SlotSet("procedure_code", procedure.code)]
