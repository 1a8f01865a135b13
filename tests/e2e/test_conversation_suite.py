"""The conversation suite (tests/e2e/conversations/*.yml) through POST /api/chat on the real stack.

The conversations are played by three citizens at once, as they arrive on the real service: the stack's two Rasa
servers and its action server then share the machine's cores instead of waiting on one another's turn, which
takes minutes off the run; each conversation is still its own test, with its own verdict."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from conversation_suite import load, run

pytestmark = pytest.mark.e2e
CONVERSATIONS = load()
CITIZENS_AT_ONCE = 3


def test_the_suite_is_large_enough_to_mean_something():
    assert len(CONVERSATIONS) >= 60


@pytest.fixture(scope="module")
def played(stack) -> list[list[str]]:
    """Every conversation's failures, in the suite's order."""

    def play(conversation: dict) -> list[str]:
        try:
            return run(stack.chat, conversation)
        except Exception as error:  # one broken conversation must not take the others' verdicts with it
            return [f"{type(error).__name__}: {error}"]

    with ThreadPoolExecutor(CITIZENS_AT_ONCE) as pool:
        return list(pool.map(play, CONVERSATIONS))


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=c["known"], strict=True)) if c.get("known") else n
        for n, c in enumerate(CONVERSATIONS)
    ],
    ids=[c["name"] for c in CONVERSATIONS],
)
def test_conversation(played, number):
    failures = played[number]
    assert not failures, "\n".join(failures)
