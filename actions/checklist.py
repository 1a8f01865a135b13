"""The document checklist, a Rasa form: "bạn đã có ... chưa?" for each document of the procedure in focus
(of the chosen case), then what is still missing."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answering, buttons, cases, formatting
from actions.deps import knowledge_base
from actions.focus import entity
from actions.texts import say
from actions.turns import report_turn


def _group(tracker: Tracker):
    """The document group to check, or None when there is no procedure in focus or its case is not chosen."""
    kb = knowledge_base()
    code = tracker.get_slot("procedure_code")
    procedure = kb.get(code) if code and kb.ready else None
    if procedure is None or not procedure.documents:
        return procedure, None
    if len(procedure.documents) == 1:
        return procedure, procedure.documents[0]
    index = cases.current(tracker, procedure)
    return procedure, procedure.documents[index] if index is not None else None


class ActionStartChecklist(Action):
    def name(self) -> str:
        return "action_start_checklist"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        procedure, group = _group(tracker)
        ready = group is not None and bool(group.items)
        # Without a document list the form ends at once and action_checklist_finished says why.
        return [
            SlotSet("checklist_index", 0),
            SlotSet("checklist_missing", []),
            SlotSet("checklist_done", None if ready else False),
        ]


class ValidateChecklistForm(Action):
    def name(self) -> str:
        return "validate_checklist_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        stop = intent == "guide_nav" and entity(tracker, "nav") == "done"
        if intent not in ("affirm", "deny") and not stop:
            return []  # another question: the form rejects and the dialogue answers it
        _procedure, group = _group(tracker)
        if group is None:
            return [SlotSet("checklist_done", False)]
        if stop:  # "dừng": what is missing so far is still worth saying
            return [SlotSet("checklist_done", True)]
        index = int(tracker.get_slot("checklist_index") or 0)
        missing = list(tracker.get_slot("checklist_missing") or [])
        if intent == "deny" and index < len(group.items):
            missing.append(index)
        index += 1
        events = [SlotSet("checklist_index", index), SlotSet("checklist_missing", missing)]
        if index >= len(group.items):
            events.append(SlotSet("checklist_done", True))
        return events


class ActionAskChecklistDone(Action):
    def name(self) -> str:
        return "action_ask_checklist_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        _procedure, group = _group(tracker)
        index = int(tracker.get_slot("checklist_index") or 0)
        if group is None or index >= len(group.items):
            return []
        say(
            dispatcher,
            "checklist_question",
            index=index + 1,
            total=len(group.items),
            document=formatting.short_title(group.items[index].name, 160),
            buttons=[
                {"title": "Đã có", "payload": buttons.payload("affirm")},
                {"title": "Chưa có", "payload": buttons.payload("deny")},
                {"title": "Dừng", "payload": buttons.payload("guide_nav", nav="done")},
            ],
        )
        return []


class ActionChecklistFinished(Action):
    def name(self) -> str:
        return "action_checklist_finished"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        procedure, group = _group(tracker)
        reset = [SlotSet("checklist_done", None), SlotSet("checklist_index", 0)]
        if procedure is None:
            say(dispatcher, "ask_which_procedure", buttons=buttons.help_options())
            report_turn(dispatcher, "clarified", reason="checklist without a procedure in focus")
            return reset
        if group is None:
            # Several cases, none chosen yet: the documents answer offers them as buttons.
            say(dispatcher, "documents_cases", code=procedure.code, buttons=answering.case_buttons(procedure))
            report_turn(dispatcher, "clarified", procedure.code, reason="checklist needs a case")
            return reset
        missing = [group.items[i] for i in tracker.get_slot("checklist_missing") or [] if i < len(group.items)]
        if missing:
            lines = "\n".join(
                f"• {formatting.short_title(item.name, 160)}" + (f" – {item.copies}" if item.copies else "")
                for item in missing
            )
            say(dispatcher, "checklist_missing", count=len(missing), code=procedure.code, missing=lines)
        else:
            say(dispatcher, "checklist_complete", total=len(group.items), code=procedure.code)
        report_turn(dispatcher, "answered", procedure.code, reason="checklist")
        return reset
