"""The edge's small parts: text clean-up, the one rate limiter, the client address behind trusted proxies."""

from __future__ import annotations

from types import SimpleNamespace

from bot.gateway.client_address import client_address
from bot.gateway.conversation.sanitise import sanitise
from bot.gateway.limits import SlidingWindow


def test_sanitise_removes_what_nothing_can_encode_or_display_honestly():
    assert sanitise("a\ud800b\x00c\u202ed\ufffe e\n\tf") == "abcd e f"
    assert sanitise("Xa\u0302y du\u031b\u0323ng") == "Xây dựng"  # NFC
    assert sanitise("🏗️ \U0010fffd 𝔵 \U000e0001") == "🏗️ \U0010fffd 𝔵 \U000e0001"  # other planes stay
    assert sanitise("a\U0010ffff\ufdd0b") == "ab"  # noncharacters do not
    assert sanitise("\ud800\x01") == ""
    sanitise("x" * 4000).encode("utf-8")


def test_sliding_window_counts_admitted_hits_only_and_forgets_old_ones():
    now = [0.0]
    limiter = SlidingWindow(2, 60.0, keys_kept=2, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [True, True, False]
    now[0] = 60.0
    assert limiter.hit("a")
    limiter.hit("b"), limiter.hit("c")  # "a" is the least recently seen: forgotten
    assert limiter.hit("a") and limiter.hit("a")


def _request(peer: str, forwarded: str | None = None):
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers)


def test_forwarded_for_is_believed_only_from_trusted_proxies():
    assert client_address(_request("203.0.113.5", "1.2.3.4")) == "203.0.113.5"
    trusted = ("10.0.0.0/8",)
    assert client_address(_request("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.3"), trusted) == "198.51.100.7"
    assert client_address(_request("10.0.0.2", "not-an-ip"), trusted) == "10.0.0.2"
    assert client_address(_request("198.51.100.9", "1.2.3.4"), trusted) == "198.51.100.9"
