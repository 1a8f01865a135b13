"""A reminder's "Tiếp tục" button opens the walkthrough at the step where the citizen stopped."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import online_guide
from tests.actions.test_funnel_marks import FEE_DUE, NO_FEE, kb, patched  # noqa: F401 (fixtures)


def start(code: str, offset: str | None) -> tuple[list[dict], list[str]]:
    entities = [{"entity": "offset", "value": offset}] if offset else []
    tracker = Tracker.from_dict(
        {
            "sender_id": "telegram:1",
            "slots": {"procedure_code": code},
            "events": [],
            "latest_message": {"text": "/start_guide", "intent": {"name": "start_guide"}, "entities": entities},
        }
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(online_guide.ActionStartGuide().run(dispatcher, tracker, {}))
    return events, [m.get("text") or "" for m in dispatcher.messages]


def step_of(events: list[dict]) -> float:
    return next(e["value"] for e in events if e.get("name") == "guide_step")


def test_the_continue_button_opens_the_step_where_the_citizen_stopped():
    assert step_of(start(NO_FEE, "find")[0]) == 1
    assert step_of(start(NO_FEE, "submit")[0]) == 3  # no payment step for this one
    assert step_of(start(FEE_DUE, "submit")[0]) == 4  # after the payment step


def test_without_a_known_step_the_walkthrough_starts_at_the_beginning():
    assert step_of(start(NO_FEE, None)[0]) == 0
    assert step_of(start(NO_FEE, "pay")[0]) == 0  # a step this procedure does not have
