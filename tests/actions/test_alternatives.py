"""A question search is not sure of: answered at once when its first candidate leads clearly, with the
runners-up offered beside the answer; asked about only when candidates are close. Real search, real actions."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import procedures
from actions.aspects import ActionAnswerAspect
from actions.texts import render

# From the baseline batch of issue 26 (new_kinds_2026_12_07, now in tests/e2e/conversations/
# stories_in_citizens_words.yml and first_questions_answered_at_once.yml): a situation that names no procedure
# (one candidate far ahead), and a question whose first two candidates are close (a first registration and a
# re-registration of the same craft).
LEADING = ("công nhân lương thấp muốn đăng ký mua nhà ở xã hội thì làm thủ tục gì", "1.014632")
ALONE = ("cây xà cừ trước cửa nhà nghiêng sắp đổ, muốn chặt thì xin ở đâu", "1.002693")  # no runner-up near it
CLOSE = "khu du lịch mua mấy chiếc mô tô nước cho khách chơi, đăng ký thế nào"


@pytest.fixture(autouse=True)
def actions_search(kb, monkeypatch):
    monkeypatch.setattr("actions.deps.knowledge_base", lambda: kb)
    monkeypatch.setattr("actions.aspects.knowledge_base", lambda: kb)  # bound at import


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


def test_a_question_asked_on_past_a_choice_is_answered_for_the_likeliest_candidate(kb):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(procedures.answer_from_search(dispatcher, kb, CLOSE))
    first = next(m for m in dispatcher.messages if m.get("text") == render("procedure_unsure"))["buttons"][0]
    focus = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}.get("procedure_code")
    assert focus and focus in first["payload"]
    follow_up = Tracker(
        "citizen",
        {"procedure_code": focus},
        {"intent": {"name": "ask_where_to_submit"}, "entities": [], "text": "nộp ở đâu vậy"},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerAspect().run(dispatcher, follow_up, {}))
    said = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert focus in said and render("ask_which_procedure") not in said


def test_two_procedures_joined_in_one_sentence_answer_one_and_offer_the_other(kb):
    messages = reply(kb, "cho mình hỏi thủ tục gia hạn phù hiệu xe tải và chặt hạ cây xanh trên vỉa hè")
    said = "\n".join(m.get("text") or "" for m in messages)
    answered = next(code for code in ("2.002288", "1.002693") if f"Mã thủ tục: {code}" in said)
    offer = next(m for m in messages if "Bạn còn hỏi thủ tục" in (m.get("text") or ""))
    other = ({"2.002288", "1.002693"} - {answered}).pop()
    assert other in offer["text"] and len(offer["buttons"]) == 1
    assert render("procedure_alternatives") not in said  # the other ask, not the runners-up


def test_a_story_of_several_sentences_offers_no_second_procedure(kb):
    messages = reply(
        kb,
        "Nhà tôi ở phường, đã có giấy phép xây dựng và móng đã đổ xong. Giờ muốn sửa lại thiết kế "
        "thêm một tầng thì làm sao?",
    )
    assert not any("Bạn còn hỏi thủ tục" in (m.get("text") or "") for m in messages)
