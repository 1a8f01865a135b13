"""Follow-ups about one aspect of a procedure: documents (by case, paged), fee, time, place, online filing."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import buttons, formatting
from actions.deps import knowledge_base
from actions.texts import say
from actions.focus import entity, names_something, resolve
from actions.procedures import answer_from_search, opening, redirect
from actions.turns import report_turn
from knowledge_base.models import Procedure

ASPECT_OF_INTENT = {"ask_documents": "documents", "choose_case": "documents", "ask_fee": "fee",
                    "ask_processing_time": "time", "ask_where_to_submit": "where",
                    "ask_online_submission": "online"}


def _index(value: str | None) -> int | None:
    try:
        return int(float(value)) - 1 if value not in (None, "") else None
    except ValueError:
        return None


def documents_page(dispatcher: CollectingDispatcher, procedure: Procedure, case: int, start: int) -> list:
    group = procedure.documents[case]
    lines, following = formatting.document_lines(group, start)
    case_label = f" – {group.case}" if group.case and len(procedure.documents) > 1 else ""
    page_buttons = []
    if following is not None:
        page_buttons.append({"title": "Xem thêm", "payload": buttons.payload("more", offset=str(following))})
    page_buttons.append({"title": "Kiểm tra giấy tờ của tôi", "payload": buttons.payload("start_checklist")})
    say(dispatcher, "documents_header", name=procedure.name, code=procedure.code,
                             case=case_label)
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
        case = _index(entity(tracker, "case_index")) if aspect == "documents" else None
        if case is None and not found.changed:
            case = _index(tracker.get_slot("case"))
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

    @staticmethod
    def _fee(dispatcher, kb, procedure: Procedure, _case) -> list:
        say(dispatcher, "fee", name=procedure.name, code=procedure.code,
                                 fees=formatting.fees_block(procedure))
        if (formatting.fee_set_by_province(procedure) and not procedure.local_fees
                and not kb.department.provincial_fee_resolutions):
            say(dispatcher, "fee_local_unknown", portal=kb.department.national_portal)
        return []

    @staticmethod
    def _time(dispatcher, kb, procedure: Procedure, _case) -> list:
        say(dispatcher, "processing_time", name=procedure.name, code=procedure.code,
                                 times=formatting.times_block(procedure))
        return []

    @staticmethod
    def _where(dispatcher, kb, procedure: Procedure, _case) -> list:
        department = kb.department
        say(dispatcher, "where", name=procedure.name, code=procedure.code,
                                 authority=formatting.authority_line(procedure, department.name))
        if procedure.handled_at in ("province", "province_and_commune", "other"):
            if department.service_centre_address:
                hours = f" ({department.opening_hours})" if department.opening_hours else ""
                say(dispatcher, "address", address=department.service_centre_address,
                                         hours=hours)
            else:
                say(dispatcher, "address_unknown", portal=department.national_portal)
        return []

    @staticmethod
    def _online(dispatcher, kb, procedure: Procedure, _case) -> list:
        online = next((c for c in procedure.channels if c.kind == "online"), None)
        if online is None:
            say(dispatcher, "online_no", code=procedure.code,
                                     channels=formatting.channels_block(procedure))
            return []
        say(
            dispatcher, "online_yes", code=procedure.code, time=formatting.channel_time(online),
            buttons=[{"title": "Hướng dẫn từng bước", "payload": buttons.payload("start_guide")},
                     {"title": "Không, cảm ơn", "payload": buttons.payload("deny")}])
        return []


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
        return documents_page(dispatcher, procedure, listing["case"], start)
