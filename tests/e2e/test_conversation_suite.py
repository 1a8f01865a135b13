"""The conversation suite (tests/e2e/conversations/*.yml) through POST /api/chat on the real stack."""

from __future__ import annotations

import pytest
from conversation_suite import load, run

pytestmark = pytest.mark.e2e
CONVERSATIONS = load()


def test_the_suite_is_large_enough_to_mean_something():
    assert len(CONVERSATIONS) >= 60


@pytest.mark.parametrize(
    "conversation",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=c["known"], strict=True)) if c.get("known") else c
        for c in CONVERSATIONS
    ],
    ids=[c["name"] for c in CONVERSATIONS],
)
def test_conversation(stack, conversation):
    failures = run(stack.chat, conversation)
    assert not failures, "\n".join(failures)
