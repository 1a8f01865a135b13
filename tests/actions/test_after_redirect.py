"""A bare follow-up right after a redirect to another agency ("nộp online được không", "phí?") is about that matter:
the citizen is told again whose it is, for what they asked, not answered with a department procedure asked before
the redirect, nor with "not found". Real knowledge base and search; the tracker as Rasa passes it."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aspects import ActionAnswerAspect
from actions.procedures import ActionAnswerProcedure, redirect

HOUSE_PERMIT = "1.013225"


@pytest.fixture(autouse=True)
def actions_search(kb, monkeypatch):
    monkeypatch.setattr("actions.deps.knowledge_base", lambda: kb)
    monkeypatch.setattr("actions.aspects.knowledge_base", lambda: kb)  # bound at import
    monkeypatch.setattr("actions.procedures.knowledge_base", lambda: kb)


def conversation(kb, first: str, then: str, intent: str, focus: str | None) -> Tracker:
    """The tracker after `first` was redirected (by the real redirect) and `then` was typed."""
    said = CollectingDispatcher()
    redirect(said, kb, kb.search(first).other_agency)
    bot = [{"event": "bot", "text": m.get("text"), "data": {"custom": m.get("custom")}} for m in said.messages]
    events = [{"event": "user", "text": first}, *bot, {"event": "user", "text": then}]
    return Tracker(
        "citizen",
        {"procedure_code": focus},
        {"intent": {"name": intent}, "entities": [], "text": then},
        events,
        False,
        None,
        {},
        "action_listen",
    )


def replies(action, tracker: Tracker) -> str:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


@pytest.mark.parametrize(
    "first, then, intent, agency",
    [
        (
            "bị tai nạn lao động ở công trường, hưởng chế độ bảo hiểm xã hội thế nào",
            "nộp online trên app dc ko",
            "ask_online_submission",
            "Bảo hiểm xã hội",
        ),
        ("bằng lái xe B2 sắp hết hạn thì đổi ở đâu", "phí bn", "ask_fee", "Công an"),
    ],
)
def test_an_aspect_asked_after_a_redirect_is_about_the_redirected_matter(kb, first, then, intent, agency):
    assert kb.search(first).other_agency is not None, "the first message must be another agency's matter"
    for action in (ActionAnswerAspect(), ActionAnswerProcedure()):
        text = replies(action, conversation(kb, first, then, intent, focus=HOUSE_PERMIT))
        assert agency.lower() in text.lower() and "không thuộc Sở Xây dựng" in text, text
        assert HOUSE_PERMIT not in text


def test_a_question_naming_a_procedure_after_a_redirect_is_that_procedure(kb):
    tracker = conversation(
        kb, "bằng lái xe B2 sắp hết hạn thì đổi ở đâu", "giấy phép xây dựng nhà ở phí bao nhiêu", "ask_fee", focus=None
    )
    assert HOUSE_PERMIT in replies(ActionAnswerAspect(), tracker)
