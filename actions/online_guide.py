"""The online filing walkthrough, a Rasa form: one short step per message with next / back / done buttons.

The form's one required slot (guide_done) stays empty until the citizen finishes; each message only moves
guide_step, so the form keeps asking (action_ask_guide_done renders the current step).
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import buttons, cases, formatting
from actions.deps import knowledge_base
from actions.texts import render, say
from actions.focus import entity
from actions.procedures import aspect_answer
from knowledge_base.understanding.reading import read
from actions.turns import report_funnel, report_turn

NEXT, BACK, DONE = "next", "back", "done"
NOT_STARTED = -1  # guide_step of a walkthrough asked for a procedure that cannot be filed online


def _document_count(procedure, case: str | None) -> int | str:
    groups = procedure.documents
    if len(groups) == 1:
        return len(groups[0].items) or "các"
    index = cases.parse(procedure, case)
    return len(groups[index].items) if index is not None else "các"


# The agency to choose on the portal is the level that handles the procedure: a commune procedure filed
# with a provincial agency is returned.
_AGENCY_TEXT = {
    "commune": "guide_agency_commune",
    "province": "guide_agency_province",
    "province_and_commune": "guide_agency_both",
}


def steps(procedure, kb, case: str | None = None) -> list[tuple[str, dict]]:
    """(response, variables) of each step; the payment step only when the online channel charges a fee
    (not when it is free, unknown or set by the province without a verified amount)."""
    portal = kb.department.national_portal
    found = [("guide_login", {"portal": portal})]
    if procedure is not None:
        agency = render(_AGENCY_TEXT.get(procedure.handled_at, "guide_agency_other"))
        found.append(
            (
                "guide_find",
                {
                    "title": procedure.short_title,
                    "code": procedure.code,
                    "url": procedure.detail_url or portal,
                    "agency": agency,
                },
            )
        )
        found.append(("guide_fill", {"documents": _document_count(procedure, case)}))
        fee = formatting.online_fee_applies(procedure)
        if fee is not None and fee.status == "doubtful":
            found.append(("guide_pay_portal", {"paygov": kb.department.paygov}))  # never the doubtful figure
        elif fee is not None:
            found.append(("guide_pay", {"fee": fee.short, "paygov": kb.department.paygov}))
    else:
        found.append(("guide_find_generic", {}))
        found.append(("guide_fill", {"documents": "các"}))
        found.append(("guide_pay", {"fee": "nếu thủ tục có thu", "paygov": kb.department.paygov}))
    found.append(("guide_submit", {}))
    found.append(("guide_track", {"portal": portal}))
    return found


def _procedure(tracker: Tracker):
    kb = knowledge_base()
    code = tracker.get_slot("procedure_code")
    return kb, (kb.get(code) if code and kb.ready else None)


def step_kind(response: str) -> str:
    """The funnel's name of a step: guide_pay and guide_pay_portal are both "pay", guide_find_generic "find"."""
    return response.removeprefix("guide_").split("_")[0]


def resume_at(procedure, kb, tracker: Tracker) -> int:
    """The step a reminder's "Tiếp tục" button opens (its `offset` names the step: "fill", "submit"...); 0 else."""
    wanted = entity(tracker, "offset")
    if not wanted:
        return 0
    kinds = [step_kind(response) for response, _ in steps(procedure, kb, tracker.get_slot("case"))]
    return kinds.index(wanted) if wanted in kinds else 0


class ActionStartGuide(Action):
    def name(self) -> str:
        return "action_start_guide"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb, procedure = _procedure(tracker)
        events: list[dict[str, Any]] = []
        if (named := await _named(kb, tracker)) is not None and (procedure is None or named.code != procedure.code):
            # "hướng dẫn nộp trực tuyến chứng chỉ hành nghề kiến trúc": the walk-through of the procedure the
            # message names, which becomes the focus, not of whatever was in focus before.
            procedure = named
            events += [SlotSet("procedure_code", named.code), SlotSet("case", None)]
        if procedure is None:
            # Nothing named and nothing in focus: a walk-through of no procedure would cite none.
            say(dispatcher, "ask_which_procedure", buttons=buttons.help_options())
            report_turn(dispatcher, "clarified", reason="online guide asked without a procedure")
            return [SlotSet("guide_done", True), SlotSet("guide_step", NOT_STARTED)]
        if not procedure.has_online_channel:
            # No walkthrough for a procedure that cannot be filed online: how it is filed instead. The form the
            # rule starts next finds its slot filled and ends at once; guide_step -1 keeps its end silent.
            events += aspect_answer(dispatcher, kb, procedure, "online", reason="online guide asked, no online filing")
            return [*events, SlotSet("guide_done", True), SlotSet("guide_step", NOT_STARTED)]
        say(dispatcher, "guide_intro", title=procedure.short_title, code=procedure.code)
        report_funnel(dispatcher, "started", procedure.code)
        report_turn(dispatcher, "answered", procedure.code, reason="online guide")
        return [*events, SlotSet("guide_step", resume_at(procedure, kb, tracker)), SlotSet("guide_done", None)]


async def _named(kb, tracker: Tracker):
    """The procedure the typed message itself names with confidence, if any (a tapped button names none)."""
    text = tracker.latest_message.get("text") or ""
    if not kb.ready or not text or text.startswith("/") or not read(text).names_something:
        return None
    found = await asyncio.to_thread(kb.search, text, 3)
    top = found.results[0] if found.results else None
    return kb.get(top.code) if found.confident and top is not None and top.in_scope else None


class ValidateOnlineGuideForm(Action):
    def name(self) -> str:
        return "validate_online_guide_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        nav = entity(tracker, "nav") or {"affirm": NEXT, "deny": DONE}.get(intent)
        if intent not in ("guide_nav", "affirm", "deny") or nav not in (NEXT, BACK, DONE):
            return []  # not about the guide: the form rejects and the dialogue answers the new question
        kb, procedure = _procedure(tracker)
        total = len(steps(procedure, kb, tracker.get_slot("case")))
        step = int(tracker.get_slot("guide_step") or 0)
        if nav == DONE or (nav == NEXT and step + 1 >= total):
            return [SlotSet("guide_done", True)]
        return [SlotSet("guide_step", max(0, step + (1 if nav == NEXT else -1)))]


class ActionAskGuideDone(Action):
    def name(self) -> str:
        return "action_ask_guide_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb, procedure = _procedure(tracker)
        all_steps = steps(procedure, kb, tracker.get_slot("case"))
        step = min(int(tracker.get_slot("guide_step") or 0), len(all_steps) - 1)
        response, variables = all_steps[step]
        nav = [{"title": "Tiếp ▶", "payload": buttons.payload("guide_nav", nav=NEXT)}]
        if step > 0:
            nav.insert(0, {"title": "◀ Quay lại", "payload": buttons.payload("guide_nav", nav=BACK)})
        nav.append({"title": "Xong", "payload": buttons.payload("guide_nav", nav=DONE)})
        say(dispatcher, response, step=step + 1, total=len(all_steps), buttons=nav, **variables)
        report_funnel(dispatcher, "step", tracker.get_slot("procedure_code"), step_kind(response))
        return []


class ActionGuideFinished(Action):
    def name(self) -> str:
        return "action_guide_finished"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if int(tracker.get_slot("guide_step") or 0) == NOT_STARTED:
            return [SlotSet("guide_done", None), SlotSet("guide_step", 0)]
        say(dispatcher, "guide_finished")
        say(dispatcher, "ask_feedback", buttons=buttons.feedback())
        kb, procedure = _procedure(tracker)
        if int(tracker.get_slot("guide_step") or 0) + 1 >= len(steps(procedure, kb, tracker.get_slot("case"))):
            # Finished means the last step was read; "Xong" tapped halfway is a walkthrough left, not finished.
            report_funnel(dispatcher, "finished", tracker.get_slot("procedure_code"))
        return [SlotSet("guide_done", None), SlotSet("guide_step", 0)]
