"""The real actions' longest answers go out on Telegram, Zalo and the widget as the same messages, never
joined into something longer: a first answer stays ≤ 800 characters and a follow-up ≤ 600 on every channel."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import answering, procedures
from tests.channels.test_telegram_channel import CHAT, polling  # noqa: F401 - fixture
from tests.channels.test_zalo_channel import USER, gateway as zalo_gateway, post_event  # noqa: F401
from tests.fakes import rasa as fake_rasa_module
from tests.fakes.servers import eventually

LIMITS = {"summary": 800, "fee": 600}


def _rasa_messages(dispatcher: CollectingDispatcher) -> list[dict]:
    """What Rasa's REST channel returns for these action messages (custom turn reports included)."""
    return [
        {
            k: v
            for k, v in {"text": m.get("text"), "buttons": m.get("buttons") or None, "custom": m.get("custom")}.items()
            if v
        }
        for m in dispatcher.messages
    ]


@pytest.fixture(scope="module")
def answers(fake_kb) -> dict[str, list[dict]]:
    """The longest first answer and the longest fee answer over all procedures, as the actions send them."""
    kb = fake_kb
    found: dict[str, tuple[int, list[dict]]] = {}
    for procedure in kb.data.procedures.values():
        for kind in LIMITS:
            dispatcher = CollectingDispatcher()
            if kind == "summary":
                procedures.summary(dispatcher, kb, procedure.code, 1.0)
            else:
                answering.aspect(dispatcher, kb, procedure, "fee", None)
            size = sum(len(m.get("text") or "") for m in dispatcher.messages)
            if size > found.get(kind, (0, []))[0]:
                found[kind] = (size, _rasa_messages(dispatcher))
    return {kind: messages for kind, (_, messages) in found.items()}


@pytest.fixture
def scripted(monkeypatch, answers):
    """The fake Rasa answers "câu 1" with the longest summary and "câu 2" with the longest fee answer."""
    original = fake_rasa_module.scripted_reply
    by_text = {"câu 1": answers["summary"], "câu 2": answers["fee"]}
    monkeypatch.setattr(fake_rasa_module, "scripted_reply", lambda text: by_text.get(text) or original(text))
    return by_text


def _texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]


def _messenger(messages: list[dict]) -> list[dict]:
    """What Telegram and Zalo send: the 👍/👎 question rides on the answer's buttons (bot/gateway/channels/feedback.py),
    so its own text is not sent; nothing else changes."""
    return [
        m
        for i, m in enumerate(messages)
        if not (i and m.get("buttons") and all(b["payload"].startswith("/feedback") for b in m["buttons"]))
    ]


def _unlinked(texts: list[str]) -> list[str]:
    # Portal links are sent as the gateway's counted redirect (bot/gateway/console/links.py); the rest must be as is.
    # A counted link is followed by the portal's address it leads to (bot/gateway/channels/shown_links.py).
    return [re.sub(r"https?://\S+?(?=[.,;:!?]?(?:\s|$))( \([\w.-]+\.[a-z]{2,}\))?", "<link>", t) for t in texts]


def _telegram_plain(text: str) -> str:
    """Telegram's HTML back to the plain form the other channels send (the link's target, then its address)."""
    return html.unescape(re.sub(r'<a href="([^"]+)">([^<]+)</a>', r"\1 (\2)", text))


def _check(kind: str, expected: list[dict], sent: list[str]) -> None:
    assert _unlinked(sent) == _unlinked(_texts(expected)), "the channel changed, split or joined the messages"
    assert sum(len(t) for t in sent) <= LIMITS[kind]
    assert max(len(t) for t in sent) <= LIMITS[kind]


def test_widget_sends_the_same_short_messages(start_gateway, scripted):
    gateway = start_gateway()
    api = f"{gateway.url}/widget/api"
    token = httpx.post(f"{api}/session", timeout=5).json()["session"]
    for text, kind in (("câu 1", "summary"), ("câu 2", "fee")):
        reply = httpx.post(f"{api}/messages", json={"text": text}, headers={"X-Widget-Session": token}, timeout=10)
        entries = [e["text"] for e in reply.json()["entries"] if e.get("text")][1:]  # after the question
        _check(kind, scripted[text], entries)


def test_telegram_sends_the_same_short_messages(polling, telegram, scripted):  # noqa: F811
    telegram.push(telegram.text(CHAT, "câu 1"))
    expected = _texts(_messenger(scripted["câu 1"]))
    sent = eventually(lambda: len(telegram.sent(CHAT)) >= len(expected) and telegram.sent(CHAT))
    _check("summary", _messenger(scripted["câu 1"]), [_telegram_plain(m["text"]) for m in sent][: len(expected)])


def test_zalo_sends_the_same_short_messages(zalo_gateway, zalo_api, scripted):  # noqa: F811
    raw = zalo_api.event(USER, "câu 2", msg_id="m-fee")
    assert post_event(zalo_gateway, raw, zalo_api.signature(raw)).status_code == 200
    expected = _texts(_messenger(scripted["câu 2"]))
    sent = eventually(lambda: len(zalo_api.messages) >= len(expected) and zalo_api.messages, timeout=15)
    _check("fee", _messenger(scripted["câu 2"]), [m["message"]["text"] for m in sent][: len(expected)])
