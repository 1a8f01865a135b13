"""Follow-ups about one aspect of a procedure: documents (by case, paged), fee, time, place, online filing."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, buttons, cases, formatting, paging
from actions.deps import knowledge_base
from actions.texts import render, say
from actions.focus import entity, names_something, resolve
from actions.procedures import answer_from_search, opening, redirect
from actions.turns import report_turn
from knowledge_base.models import Procedure

ASPECT_OF_INTENT = {"ask_documents": "documents", "choose_case": "documents", "ask_fee": "fee",
                    "ask_processing_time": "time", "ask_where_to_submit": "where",
                    "ask_online_submission": "online"}


def documents_page(dispatcher: CollectingDispatcher, procedure: Procedure, case: int, start: int) -> list:
    group = procedure.documents[case]
    case_label = f" – {formatting.short_title(group.case, 50)}" if group.case and len(procedure.documents) > 1 else ""
    header = render("documents_header", title=procedure.short_title, code=procedure.code, case=case_label)
    # Header and list are one turn on a phone: the list gets what the header leaves of a follow-up.
    lines, following = formatting.document_lines(group, start,
                                                 budget=paging.FOLLOW_UP_MAX - paging.RESERVED - len(header))
    page_buttons = []
    if following is not None:
        page_buttons.append(paging.more_button(following))
    page_buttons.append({"title": "Kiểm tra giấy tờ của tôi", "payload": buttons.payload("start_checklist")})
    dispatcher.utter_message(text=header)
    dispatcher.utter_message(text=lines, buttons=page_buttons)
    listing = json.dumps({"code": procedure.code, "case": case, "next": following})
    return [SlotSet("listing", listing), SlotSet("case", str(case + 1))]


class ActionAnswerAspect(Action):
    def name(self) -> str:
        return "action_answer_aspect"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        kb = knowledge_base()
        text = tracker.latest_message.get("text") or ""
        if not opening(dispatcher, kb, text):
            return []
        found = await resolve(kb, tracker, dispatcher, lambda d, hit: redirect(d, kb, hit))
        if found.handled:
            return []
        if found.procedure is None and names_something(text, at_least=1):
            # No procedure in focus, but the words may still name one ("giấy phép"): search as for a question.
            return await answer_from_search(dispatcher, kb, text)
        if found.procedure is None:
            say(dispatcher, "ask_which_procedure", buttons=buttons.help_options())
            report_turn(dispatcher, "clarified", reason="follow-up without a procedure in focus")
            return []
        procedure = found.procedure
        events: list[dict[str, Any]] = [SlotSet("procedure_code", procedure.code)]
        if found.changed:
            events.append(SlotSet("case", None))
        aspect = ASPECT_OF_INTENT.get(tracker.latest_message.get("intent", {}).get("name"), "documents")
        case = cases.current(tracker, procedure, keep_slot=not found.changed)
        events += getattr(self, f"_{aspect}")(dispatcher, kb, procedure, case)
        say(dispatcher, "ask_feedback", buttons=buttons.feedback())
        report_turn(dispatcher, "answered", procedure.code, found.confidence, reason=aspect)
        return events

    @staticmethod
    def _documents(dispatcher, kb, procedure: Procedure, case: int | None) -> list:
        groups = procedure.documents
        if not groups or not any(g.items for g in groups):
            say(dispatcher, "documents_none", code=procedure.code,
                                     url=procedure.detail_url or kb.department.national_portal)
            return []
        if len(groups) > 1 and (case is None or not 0 <= case < len(groups)):
            say(
                dispatcher, "documents_cases", code=procedure.code,
                buttons=[{"title": formatting.case_title(g, i),
                          "payload": buttons.payload("choose_case", case_index=str(i + 1))}
                         for i, g in enumerate(groups)])
            return []
        return documents_page(dispatcher, procedure, case if len(groups) > 1 else 0, 0)

    # Fee, time, place and online answers: short first page, the rest behind "Xem thêm" (actions/answers.py).
    @staticmethod
    def _fee(dispatcher, kb, procedure: Procedure, _case) -> list:
        return paging.send_page(dispatcher, procedure.code, "fee", answers.fee(procedure, kb.department))

    @staticmethod
    def _time(dispatcher, kb, procedure: Procedure, _case) -> list:
        return paging.send_page(dispatcher, procedure.code, "time", answers.time(procedure, kb.department))

    @staticmethod
    def _where(dispatcher, kb, procedure: Procedure, _case) -> list:
        return paging.send_page(dispatcher, procedure.code, "where", answers.where(procedure, kb.department))

    @staticmethod
    def _online(dispatcher, kb, procedure: Procedure, _case) -> list:
        guide = [{"title": "Hướng dẫn từng bước", "payload": buttons.payload("start_guide")},
                 {"title": "Không, cảm ơn", "payload": buttons.payload("deny")}]
        return paging.send_page(dispatcher, procedure.code, "online", answers.online(procedure, kb.department),
                                extra_buttons=guide if procedure.has_online_channel else None)


class ActionMore(Action):
    def name(self) -> str:
        return "action_more"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        kb = knowledge_base()
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
            return paging.send_page(dispatcher, procedure.code, listing["text"],
                                    answers.parts(listing["text"], procedure, kb.department, listing.get("faq")),
                                    page=start, remember={"faq": listing["faq"]} if "faq" in listing else None)
        return documents_page(dispatcher, procedure, listing["case"], start)
