"""Turn metadata for the gateway (it records every turn for staff); never shown to citizens."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher


def report_turn(dispatcher: CollectingDispatcher, status: str, procedure: str | None = None,
                confidence: float | None = None, reason: str | None = None) -> None:
    """status: answered | clarified | fallback | out_of_scope | handed_over | feedback | chat."""
    dispatcher.utter_message(json_message={"turn": {"status": status, "procedure": procedure,
                                                     "confidence": confidence, "reason": reason}})
