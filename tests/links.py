"""Counted links in replies (bot/gateway/console/links.py): where a gateway's /r/<token> link leads, for tests that
check an answer points to the national portal."""

from __future__ import annotations

import re

import httpx

COUNTED = re.compile(r"https?://[^\s/]+/r/[A-Za-z0-9_-]+")
# A link-preview agent: the gateway redirects it without counting a citizen opening the link.
CHECKER = {"User-Agent": "link-check-bot (tests)"}


def followed(text: str, gateway_url: str) -> str:
    """`text` with each of this gateway's counted links replaced by the address it redirects to."""

    def target(match: re.Match) -> str:
        if not match.group(0).startswith(gateway_url.rstrip("/") + "/r/"):
            return match.group(0)
        reply = httpx.get(match.group(0), headers=CHECKER, follow_redirects=False, timeout=10)
        assert reply.status_code == 302, f"{match.group(0)} answered {reply.status_code}"
        return reply.headers["location"]

    return COUNTED.sub(target, text)
