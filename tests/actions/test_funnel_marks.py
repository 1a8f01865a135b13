"""What the actions report for the online-filing funnel: an online-capable procedure answered, the
walkthrough started, each step by its kind (payment only with a fee due), finished only at the end, a
receipt code read with the procedure in focus."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps, guidance, online_guide, turns

FEE_DUE = "1.008891"  # chứng chỉ hành nghề kiến trúc: six steps, payment included
NO_FEE = "1.013225"  # giấy phép xây dựng nhà ở riêng lẻ: five steps


@pytest.fixture
def kb(fake_kb):
    return fake_kb  # here `kb` is the stand-in of the service (tests/conftest.py)


@pytest.fixture(autouse=True)
def patched(monkeypatch, kb):
    for module in (deps, online_guide, guidance):
        monkeypatch.setattr(module, "knowledge_base", lambda: kb)


def run(action, slots: dict, text: str = "") -> list[dict]:
    tracker = Tracker.from_dict(
        {
            "sender_id": "telegram:1",
            "slots": slots,
            "events": [],
            "latest_message": {"text": text, "intent": {}, "entities": []},
        }
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return [m["custom"]["funnel"] for m in dispatcher.messages if "funnel" in (m.get("custom") or {})]


def test_an_answer_about_an_online_procedure_is_asked_and_the_turn_report_stays_last(kb):
    dispatcher = CollectingDispatcher()
    turns.report_turn(dispatcher, "answered", FEE_DUE)
    assert dispatcher.messages[0]["custom"]["funnel"] == {"event": "asked", "procedure": FEE_DUE, "detail": None}
    assert "turn" in dispatcher.messages[-1]["custom"]
    for status, code in (("clarified", FEE_DUE), ("answered", None), ("answered", "9.999999")):
        dispatcher = CollectingDispatcher()
        turns.report_turn(dispatcher, status, code)
        assert len(dispatcher.messages) == 1


@pytest.mark.parametrize(
    "code, kinds",
    [
        (FEE_DUE, ["login", "find", "fill", "pay", "submit", "track"]),
        (NO_FEE, ["login", "find", "fill", "submit", "track"]),
    ],
)
def test_each_step_shown_is_reported_by_its_kind(code, kinds):
    # Starting is also an answer about the procedure (asked, counted once a day anyway).
    assert run(online_guide.ActionStartGuide(), {"procedure_code": code}) == [
        {"event": "started", "procedure": code, "detail": None},
        {"event": "asked", "procedure": code, "detail": None},
    ]
    shown = [
        run(online_guide.ActionAskGuideDone(), {"procedure_code": code, "guide_step": i})[0]["detail"]
        for i in range(len(kinds))
    ]
    assert shown == kinds


def test_finished_only_when_the_last_step_was_reached():
    last = {"procedure_code": FEE_DUE, "guide_step": 5}
    assert run(online_guide.ActionGuideFinished(), last) == [
        {"event": "finished", "procedure": FEE_DUE, "detail": None}
    ]
    assert run(online_guide.ActionGuideFinished(), {**last, "guide_step": 2}) == []


def test_a_receipt_code_read_by_the_status_lookup_names_the_procedure_in_focus():
    found = run(guidance.ActionStatusLookup(), {"procedure_code": FEE_DUE}, "mã hồ sơ 000.00.04.H22-251201-0007")
    assert found == [{"event": "receipt", "procedure": FEE_DUE, "detail": None}]
    assert run(guidance.ActionStatusLookup(), {}, "tra cứu hồ sơ ở đâu") == []
