"""A question search is not sure of: answered at once when its first candidate leads clearly, with the
runners-up offered beside the answer; asked about only when candidates are close. Real search, real actions."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import procedures
from actions.texts import render

# From the baseline batch of issue 26 (tests/e2e/conversations/new_kinds_2026_12_07.yml): a situation that
# names no procedure (one candidate far ahead), and a question whose first two candidates are close (a first
# registration and a re-registration of the same craft).
LEADING = ("công nhân lương thấp muốn đăng ký mua nhà ở xã hội thì làm thủ tục gì", "1.014632")
ALONE = ("cây xà cừ trước cửa nhà nghiêng sắp đổ, muốn chặt thì xin ở đâu", "1.002693")  # no runner-up near it
CLOSE = "khu du lịch mua mấy chiếc mô tô nước cho khách chơi, đăng ký thế nào"


@pytest.fixture(autouse=True)
def actions_search(kb, monkeypatch):
    monkeypatch.setattr("actions.deps.knowledge_base", lambda: kb)


def reply(kb, text):
    dispatcher = CollectingDispatcher()
    asyncio.run(procedures.answer_from_search(dispatcher, kb, text))
    return dispatcher.messages


def test_a_clear_lead_is_answered_with_the_runners_up_offered(kb):
    question, code = LEADING
    found = kb.search(question)
    assert not found.confident and found.leads, found.to_dict()
    messages = reply(kb, question)
    said = "\n".join(m.get("text") or "" for m in messages)
    assert f"Mã thủ tục: {code}" in said
    offer = next(m for m in messages if m.get("text") == render("procedure_alternatives"))
    offered = [b["payload"] for b in offer["buttons"]]
    assert len(offered) == 2 and not any(code in p for p in offered)
    assert render("procedure_unsure") not in said


def test_a_lead_without_plausible_runners_up_is_answered_alone(kb):
    question, code = ALONE
    assert kb.search(question).leads
    messages = reply(kb, question)
    said = "\n".join(m.get("text") or "" for m in messages)
    assert code in said and "chặt hạ" in said
    assert render("procedure_alternatives") not in said and render("procedure_unsure") not in said


def test_close_candidates_are_still_a_choice(kb):
    found = kb.search(CLOSE)
    assert not found.confident and not found.leads, found.to_dict()
    messages = reply(kb, CLOSE)
    choice = next(m for m in messages if m.get("text") == render("procedure_unsure"))
    assert len(choice["buttons"]) >= 2
    assert "Mã thủ tục:" not in "\n".join(m.get("text") or "" for m in messages)
