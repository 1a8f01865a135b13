"""The gateway's HTTP contract, which channels and outside checks rely on."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_health_names_every_component_when_ready(stack):
    reply = httpx.get(f"{stack.url}/health", timeout=10)
    assert reply.status_code == 200
    components = reply.json()["components"]
    assert {name: c["state"] for name, c in components.items()} == {
        "rasa": "ready",
        "action_server": "ready",
        "index": "ready",
    }


def test_chat_reply_has_the_documented_shape(stack):
    reply = httpx.post(f"{stack.url}/api/chat", json={"sender_id": "shape", "text": "xin chào"}, timeout=60)
    assert reply.status_code == 200
    messages = reply.json()["messages"]
    assert messages and all(isinstance(m["text"], str) and isinstance(m["buttons"], list) for m in messages)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "xin chào"}, "sender_id"),
        ({"sender_id": "x"}, "text"),
        ({"sender_id": 5, "text": "xin chào"}, "sender_id"),
        ({"sender_id": "x", "text": ["xin chào"]}, "text"),
        ({"sender_id": "x", "text": "   "}, "text"),
        ({"sender_id": "x", "text": "a" * 4001}, "text"),
    ],
)
def test_bad_chat_requests_get_a_json_error_naming_the_field(stack, body, field):
    reply = httpx.post(f"{stack.url}/api/chat", json=body, timeout=10)
    assert 400 <= reply.status_code < 500
    assert reply.json()["field"] == field
    assert reply.json()["error"]


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_non_json_bodies_are_rejected_without_a_500(stack, raw):
    reply = httpx.post(f"{stack.url}/api/chat", content=raw, headers={"content-type": "application/json"}, timeout=10)
    assert 400 <= reply.status_code < 500
    assert "error" in reply.json()


def test_text_of_exactly_4000_characters_is_accepted(stack):
    reply = httpx.post(f"{stack.url}/api/chat", json={"sender_id": "long", "text": "xây nhà " * 500}, timeout=60)
    assert reply.status_code == 200


def test_chat_page_is_served(stack):
    page = httpx.get(stack.url + "/", timeout=10)
    assert page.status_code == 200
    assert '<script src="/widget.js"' in page.text  # the chat page is the widget, so staff replies reach it
