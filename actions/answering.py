"""Send what a citizen asked about one procedure: one aspect (documents, fee, time, where, online) or several
asked in one message ("nộp ở đâu và hết bao nhiêu tiền?"), each answered in the same reply.

Used by the follow-up action, by a first question that already names what it asks, and by "Xem thêm".
"""

from __future__ import annotations

import json

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, buttons, formatting, paging
from actions.texts import render, say
from knowledge_base.store.models import Procedure

PAGED_ASPECTS = ("fee", "time", "where", "online")


def guide_offer() -> list[dict]:
    return [
        {"title": "Hướng dẫn từng bước", "payload": buttons.payload("start_guide")},
        {"title": "Không, cảm ơn", "payload": buttons.payload("deny")},
    ]


def case_buttons(procedure: Procedure) -> list[dict]:
    return [
        {"title": formatting.case_title(g, i), "payload": buttons.payload("choose_case", case_index=str(i + 1))}
        for i, g in enumerate(procedure.documents)
    ]


def documents_page(dispatcher: CollectingDispatcher, procedure: Procedure, case: int, start: int) -> list:
    group = procedure.documents[case]
    case_label = f" – {formatting.short_title(group.case, 50)}" if group.case and len(procedure.documents) > 1 else ""
    header = render("documents_header", title=procedure.short_title, code=procedure.code, case=case_label)
    # Header and list are one turn on a phone: the list gets what the header leaves of a follow-up.
    lines, following = formatting.document_lines(
        group, start, budget=paging.FOLLOW_UP_MAX - paging.RESERVED - len(header)
    )
    page_buttons = []
    if following is not None:
        page_buttons.append(paging.more_button(following))
    page_buttons.append({"title": "Kiểm tra giấy tờ của tôi", "payload": buttons.payload("start_checklist")})
    dispatcher.utter_message(text=header)
    dispatcher.utter_message(text=lines, buttons=page_buttons)
    listing = json.dumps({"code": procedure.code, "case": case, "next": following})
    return [SlotSet("listing", listing), SlotSet("case", str(case + 1))]


def documents(dispatcher: CollectingDispatcher, kb, procedure: Procedure, case: int | None) -> list:
    groups = procedure.documents
    if not groups or not any(g.items for g in groups):
        say(
            dispatcher, "documents_none", code=procedure.code, url=procedure.detail_url or kb.department.national_portal
        )
        return []
    if len(groups) > 1 and (case is None or not 0 <= case < len(groups)):
        say(dispatcher, "documents_cases", code=procedure.code, buttons=case_buttons(procedure))
        return []
    return documents_page(dispatcher, procedure, case if len(groups) > 1 else 0, 0)


def aspect(dispatcher: CollectingDispatcher, kb, procedure: Procedure, asked: str, case: int | None) -> list:
    """One aspect: documents by case and page, the others a short first page with the rest behind "Xem thêm"."""
    if asked == "documents":
        return documents(dispatcher, kb, procedure, case)
    offer = guide_offer() if asked == "online" and procedure.has_online_channel else None
    return paging.send_page(
        dispatcher, procedure.code, asked, answers.parts(asked, procedure, kb.department), extra_buttons=offer
    )


def several(dispatcher: CollectingDispatcher, kb, procedure: Procedure, asked: list[str], case: int | None) -> list:
    """Every aspect a message asks, in one reply; one asked alone is answered as a follow-up would be."""
    answerable = [a for a in asked if a in ("documents", *PAGED_ASPECTS)]
    if len(asked) == 1 and answerable:
        return aspect(dispatcher, kb, procedure, answerable[0], case)
    offer = guide_offer() if "online" in asked and procedure.has_online_channel else []
    extra = offer + ([] if offer else buttons.aspects(procedure.has_online_channel))
    return paging.send_page(
        dispatcher,
        procedure.code,
        "asked",
        answers.parts("asked", procedure, kb.department, aspects=asked),
        extra_buttons=extra,
        remember={"aspects": asked},
    )
