"""Every first question of the conversation suite that search and the actions decide (a department procedure, or
another agency's matter), replayed in-process in seconds: the same checks as on the real stack, without Rasa
(issue 26, item 7). The real-stack suite (tests/e2e/test_conversation_suite.py) still plays each conversation
whole; this catches a change to search or to the answer decision before a stack is started."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import procedures
from tests.e2e.conversation_suite import check_turn, listed, load


def decided_by_search(turn: dict) -> bool:
    """A typed first question that must cite a department procedure, or must name another agency and cite none."""
    if "say" not in turn:
        return False
    return bool(turn.get("code")) or bool(turn.get("any") and any("Mã thủ tục" in x for x in listed(turn.get("lacks"))))


FIRST_TURNS = [(c["name"], c["turns"][0]) for c in load() if not c.get("known") and decided_by_search(c["turns"][0])]


def test_most_of_the_suite_is_replayed_here():
    assert len(FIRST_TURNS) >= 200


@pytest.mark.parametrize("turn", [t for _, t in FIRST_TURNS], ids=[n for n, _ in FIRST_TURNS])
def test_first_question(kb, turn):
    dispatcher = CollectingDispatcher()
    if procedures.opening(dispatcher, kb, turn["say"]):
        asyncio.run(procedures.answer_from_search(dispatcher, kb, turn["say"]))
    problems = check_turn(turn, dispatcher.messages)
    assert not problems, f"{problems} — got: {' | '.join((m.get('text') or '')[:160] for m in dispatcher.messages)}"
