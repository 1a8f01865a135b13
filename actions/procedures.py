"""Answer a procedure question: the one answer, a choice between close candidates, a redirect, or 'not found'."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, buttons, paging
from actions.deps import knowledge_base
from actions.faq import matching_faq
from actions.texts import say
from actions.focus import entity, mentions_ha_giang
from actions.turns import report_turn

CHOICES = 3
# Below this hybrid score the candidates of an unsure search are noise (gibberish scores ~0.2, chit-chat
# ~0.25, a bare "chứng chỉ" ~0.38): offering them as choices would only mislead.
CLARIFY_MIN_SCORE = 0.3


def merger_note(dispatcher: CollectingDispatcher, kb) -> None:
    """Citizens still say "Sở Xây dựng Hà Giang": explain the 2025 merger from the department profile."""
    department = kb.department
    say(dispatcher, "merger_note", merged_on=department.merged_on.strftime("%d/%m/%Y"),
                             former_name=(department.former_names or ["Sở Xây dựng tỉnh Hà Giang"])[0],
                             name=department.name)


def redirect(dispatcher: CollectingDispatcher, kb, hit) -> None:
    say(dispatcher, "procedure_other_agency", name=hit.name, code=hit.code,
                             agency=hit.agency or "cơ quan khác",
                             url=getattr(hit, "url", None) or kb.department.national_portal)
    report_turn(dispatcher, "out_of_scope", hit.code, hit.score, reason="another agency's procedure")


def not_found(dispatcher: CollectingDispatcher, kb, reason: str, confidence: float | None = None) -> None:
    say(dispatcher, "procedure_not_found", portal=kb.department.national_portal,
                             buttons=buttons.help_options())
    report_turn(dispatcher, "fallback", None, confidence, reason=reason)


def summary(dispatcher: CollectingDispatcher, kb, code: str, confidence: float | None,
            question: str = "") -> list[dict[str, Any]]:
    procedure = kb.get(code)
    department = kb.department
    faq = matching_faq(procedure, question) if question else None
    # Short title first, the full national name once at the end; long summaries continue with "Xem thêm".
    # A staff answer to this very question comes first, on the same pages (so within the same limits).
    faq_index = procedure.faqs.index(faq) if faq is not None else None
    listing = paging.send_page(dispatcher, procedure.code, "summary",
                               answers.summary(procedure, department, faq=faq_index),
                               extra_buttons=buttons.aspects(procedure.has_online_channel),
                               remember={"faq": faq_index} if faq is not None else None)
    say(dispatcher, "ask_feedback", buttons=buttons.feedback())
    report_turn(dispatcher, "answered", procedure.code, confidence)
    return [SlotSet("procedure_code", procedure.code), SlotSet("case", None), *listing]


def opening(dispatcher: CollectingDispatcher, kb, text: str) -> bool:
    """What every procedure answer starts with; False when the knowledge base cannot answer yet."""
    if not kb.ready:
        say(dispatcher, "kb_unavailable")
        report_turn(dispatcher, "fallback", reason="knowledge base not ready")
        return False
    if mentions_ha_giang(text):
        merger_note(dispatcher, kb)
    return True


async def answer_from_search(dispatcher: CollectingDispatcher, kb, text: str) -> list[dict[str, Any]]:
    """The answer to a question naming a procedure: it, a choice between close candidates, or a redirect."""
    found = await asyncio.to_thread(kb.search, text, 5)
    if not found.results:
        not_found(dispatcher, kb, "no search result")
        return []
    top = found.results[0]
    if found.confident and not top.in_scope:
        redirect(dispatcher, kb, top)
        return []
    if found.confident:
        return summary(dispatcher, kb, top.code, top.score, text)
    choices = [hit for hit in found.results if hit.in_scope and hit.score >= CLARIFY_MIN_SCORE][:CHOICES]
    if not choices:
        not_found(dispatcher, kb, "low confidence, no department procedure", top.score)
        return []
    say(dispatcher, "procedure_unsure", buttons=[buttons.choose_procedure(h.code, h.name) for h in choices])
    report_turn(dispatcher, "clarified", choices[0].code, top.score, reason="close candidates")
    return []


class ActionAnswerProcedure(Action):
    def name(self) -> str:
        return "action_answer_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        kb = knowledge_base()
        text = tracker.latest_message.get("text") or ""
        if not opening(dispatcher, kb, text):
            return []
        chosen = entity(tracker, "procedure_code")
        if chosen and kb.get(chosen) is not None:
            return summary(dispatcher, kb, chosen, 1.0)
        return await answer_from_search(dispatcher, kb, text)
