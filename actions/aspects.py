"""Follow-ups about one aspect of a procedure: documents (by case, paged), fee, time, place, online filing."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answering, answers, buttons, cases, paging
from actions.base import MessageAction
from actions.deps import knowledge_base
from actions.texts import say
from actions.focus import entity, resolve
from knowledge_base.understanding.wording import names_something
from actions.procedures import answer_after_redirect, answer_from_search, opening, redirect
from actions.turns import report_turn
from knowledge_base.search.question import reduce_question

ASPECT_OF_INTENT = {
    "ask_documents": "documents",
    "choose_case": "documents",
    "ask_fee": "fee",
    "ask_processing_time": "time",
    "ask_where_to_submit": "where",
    "ask_online_submission": "online",
}


class ActionAnswerAspect(Action):
    def name(self) -> str:
        return "action_answer_aspect"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = knowledge_base()
        text = tracker.latest_message.get("text") or ""
        if not opening(dispatcher, kb, text):
            return []
        if await answer_after_redirect(dispatcher, kb, tracker, text):
            return []
        found = await resolve(kb, tracker, dispatcher, lambda d, hit: redirect(d, kb, hit))
        if found.handled:
            return []
        aspect = ASPECT_OF_INTENT.get(tracker.latest_message.get("intent", {}).get("name"), "documents")
        if found.procedure is None and names_something(text, at_least=1):
            # No procedure in focus, but the words may still name one ("giấy phép"): search as for a question.
            return await answer_from_search(dispatcher, kb, text, asked=aspect)
        if found.procedure is None:
            say(dispatcher, "ask_which_procedure", buttons=buttons.help_options())
            report_turn(dispatcher, "clarified", reason="follow-up without a procedure in focus")
            return []
        procedure = found.procedure
        events: list[dict[str, Any]] = [SlotSet("procedure_code", procedure.code)]
        if found.changed:
            events.append(SlotSet("case", None))
        case = cases.current(tracker, procedure, keep_slot=not found.changed)
        asked = [a for a in reduce_question(text).aspects if a != "permit_needed"]
        if len(asked) > 1:  # "phí bao nhiêu, mất mấy ngày": both in one reply
            events += answering.several(dispatcher, kb, procedure, asked, case)
        else:
            events += answering.aspect(dispatcher, kb, procedure, aspect, case)
        say(dispatcher, "ask_feedback", buttons=buttons.feedback())
        report_turn(dispatcher, "answered", procedure.code, found.confidence, reason="+".join(asked) or aspect)
        return events


class ActionMore(MessageAction):
    """More of a listing. "còn gia hạn thì sao" read as "xem thêm": a typed message that names a procedure is that
    question (the override of MessageAction)."""

    def name(self) -> str:
        return "action_more"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        try:
            listing = json.loads(tracker.get_slot("listing") or "null")
        except ValueError:
            listing = None
        offset = entity(tracker, "offset")
        start = int(offset) if offset and offset.isdigit() else (listing or {}).get("next")
        # kb.get needs a loaded knowledge base, so readiness is checked first.
        procedure = kb.get(listing["code"]) if listing and kb.ready else None
        if procedure is None or start is None:
            say(dispatcher, "no_more")
            return []
        if listing.get("text") in answers.KINDS:
            kept = {key: listing[key] for key in ("faq", "aspects") if key in listing}
            return paging.send_page(
                dispatcher,
                procedure.code,
                listing["text"],
                answers.parts(
                    listing["text"], procedure, kb.department, listing.get("faq"), aspects=listing.get("aspects")
                ),
                page=start,
                remember=kept or None,
            )
        return answering.documents_page(dispatcher, procedure, listing["case"], start)
