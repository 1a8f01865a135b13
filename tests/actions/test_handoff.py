"""Hand-over to staff promises a staff reply only on channels where one can arrive."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import guidance


@pytest.fixture(autouse=True)
def kb(fake_kb, monkeypatch):
    kb = fake_kb
    monkeypatch.setattr(guidance, "knowledge_base", lambda: kb)
    monkeypatch.setattr("actions.deps.knowledge_base", lambda: kb)  # what MessageAction reads
    return kb


def handoff(sender_id: str) -> str:
    tracker = Tracker.from_dict({"sender_id": sender_id, "slots": {}, "latest_message": {}, "events": []})
    dispatcher = CollectingDispatcher()
    asyncio.run(guidance.ActionHandoff().run(dispatcher, tracker, {}))
    return "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))


@pytest.mark.parametrize("channel", ["widget", "telegram", "zalo"])
def test_channels_staff_can_reply_to_are_told_to_wait_here(channel):
    assert "cán bộ sẽ trả lời tại đây" in handoff(f"{channel}:12345")


def test_the_api_channel_is_told_how_to_reach_the_department_instead(kb):
    text = handoff("api:3f2a")
    assert "trả lời tại đây" not in text
    assert "không trả lời trực tiếp" in text and kb.department.national_portal in text
