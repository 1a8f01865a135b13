"""What bot.rasa_plugins.server changes in Rasa: a faster model load that predicts the same, and the same checks on
action replies. Both run in the session's one process of Rasa's environment (tests/rasa/conftest.py
`rasa_checks`): the model loaded with bot.rasa_plugins.server's changes, then with Rasa's own code."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

CONVERSATION_TURNS = 12


def test_fast_load_direct_calls_and_rules_first_predict_what_rasa_predicts(rasa_checks):
    ours, theirs = rasa_checks["ours"], rasa_checks["rasa"]
    assert len(ours["parsed"]) == 22
    # The intents must be real predictions, not the near-uniform output of untrained weights.
    assert max(conf for _, conf in ours["parsed"][0][1]) > 0.5
    assert ours["parsed"] == theirs["parsed"]
    assert len(ours["chosen"]) > CONVERSATION_TURNS
    assert {policy for _, policy, _ in ours["chosen"]} >= {"RulePolicy"}
    assert ours["chosen"] == theirs["chosen"]
    # Rules decided some of the actions, so TED's network ran less often than in Rasa's own run.
    assert ours["ted_runs"] < theirs["ted_runs"]


def test_action_replies_are_still_checked_against_rasas_response_schema(rasa_checks):
    # Run in Rasa's environment: the prepared validator must accept what Rasa accepts and reject the rest.
    assert rasa_checks["validator"] == [True, "rejected", "rejected"]
