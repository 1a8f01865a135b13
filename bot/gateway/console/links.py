"""Counted links: the portal links of every reply go through the gateway's /r/<token> redirect, so a citizen
opening the procedure's national page counts (funnel step link_opened) on every channel.

Only addresses that were in a reply get a token (random, no personal data); an unknown token is a 404, never
a redirect to an address given in the request. Rewriting never makes a reply longer than its channel limit
(first answer ≤ 800 characters, follow-up ≤ 600): a national page shrinks (81 → ~35 characters), and a link
that would grow (the bare portal address) is rewritten only while the reply stays within its limit.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import replace
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.conversation.models import IncomingMessage, OutgoingMessage, Reply
from bot.gateway.db import funnel

logger = logging.getLogger(__name__)
URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+")
TRAILING = ".,;:!?"  # sentence punctuation after a link is not part of it
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,32}")
FIRST_ANSWER, FOLLOW_UP = 800, 600
TOKENS_CACHED = 20_000
# Link previews fetched by a messenger's servers are not a citizen opening the link.
# (Not "Zalo": that is also the in-app browser citizens open links with.)
PREVIEW_AGENTS = re.compile(r"bot|crawl|spider|preview|facebookexternalhit|whatsapp|slurp|curl|wget", re.IGNORECASE)
router = APIRouter()


def _limit(length: int) -> int:
    """The channel limit this reply was written for (follow-ups are the shorter ones)."""
    return FOLLOW_UP if length <= FOLLOW_UP else max(FIRST_ANSWER, length)


class LinkRewriter:
    """The reply filter (ConversationService.reply_filters) that puts counted links into replies."""

    def __init__(self, sessions: sessionmaker[Session], base_url: str, hosts: tuple[str, ...]) -> None:
        self._sessions = sessions
        self.base = base_url.rstrip("/") + "/r/"
        self.hosts = tuple(h.lower() for h in hosts)
        # Tokens this gateway issued or read, so a conversation's later replies need no database: a token never
        # changes once stored, and another gateway's cache misses only cost it one lookup.
        self._tokens: OrderedDict[tuple[str, str, str, str], str] = OrderedDict()
        self._tokens_lock = threading.Lock()

    async def __call__(self, incoming: IncomingMessage, reply: Reply) -> Reply:
        if not any(self.counted(u) for m in reply.messages for u in URL.findall(m.text)):
            return reply  # most replies: no database, no worker thread
        try:
            # A conversation's later replies carry links whose tokens this gateway already holds: no worker
            # thread then. A token still to be read or issued is a database call, made on a worker thread.
            return self.rewrite(incoming, reply, cached_only=True) or await asyncio.to_thread(
                self.rewrite, incoming, reply
            )
        except Exception:  # a counting failure must never cost the citizen the answer
            logger.exception("links not rewritten for %s:%s", incoming.channel, incoming.sender_id)
            return reply

    def counted(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.hosts)

    def rewrite(self, incoming: IncomingMessage, reply: Reply, cached_only: bool = False) -> Reply | None:
        """The reply with counted links; None when `cached_only` and a token is not in this gateway's cache."""
        urls = {u.rstrip(TRAILING) for m in reply.messages for u in URL.findall(m.text)}
        urls = sorted((u for u in urls if self.counted(u)), key=len, reverse=True)
        if not urls:
            return reply
        turn = reply.turn
        procedure = turn.procedure or next((m.procedure for m in turn.funnel if m.procedure), None)
        keys = {u: (incoming.channel, incoming.sender_id, procedure or "", u) for u in urls}
        with self._tokens_lock:
            tokens = {u: self._tokens[k] for u, k in keys.items() if k in self._tokens}
        if len(tokens) < len(urls):
            if cached_only:
                return None
            with self._sessions() as db:
                issued = {
                    u: funnel.token_for(
                        db, url=u, channel=incoming.channel, sender_id=incoming.sender_id, procedure=procedure
                    )
                    for u in urls
                    if u not in tokens
                }
                db.commit()
            tokens.update(issued)
            with self._tokens_lock:
                for u in issued:
                    self._tokens[keys[u]] = issued[u]
                while len(self._tokens) > TOKENS_CACHED:
                    self._tokens.popitem(last=False)
        # The portal's address beside the counted link: citizens see where it goes
        # (bot/gateway/channels/shown_links.py).
        short = {u: f"{self.base}{tokens[u]} ({_host(u)})" for u in urls}
        length = sum(len(m.text) for m in reply.messages)
        budget = _limit(length) - length
        # Shrinking links first, then growing ones while they fit.
        chosen = {}
        for url in sorted(short, key=lambda u: len(short[u]) - len(u)):
            growth = (len(short[url]) - len(url)) * sum(_count(m.text, url) for m in reply.messages)
            if growth <= budget:
                chosen[url], budget = short[url], budget - growth
        messages = [OutgoingMessage(_replace(m.text, chosen), m.buttons) for m in reply.messages]
        return replace(reply, messages=messages)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _links(text: str):
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        yield match.start(), match.start() + len(url), url


def _count(text: str, url: str) -> int:
    return sum(1 for _, _, u in _links(text) if u == url)


def _replace(text: str, chosen: dict[str, str]) -> str:
    """Whole links only: a page address that starts with the portal's is not the portal."""
    out, last = [], 0
    for start, end, url in _links(text):
        if url in chosen:
            out += [text[last:start], chosen[url]]
            last = end
    return "".join(out) + text[last:]


@router.get("/r/{token}", include_in_schema=False)
async def follow(token: str, request: Request) -> Response:
    if not TOKEN.fullmatch(token):
        return _not_found()
    sessions = request.app.state.db_sessions
    agent = request.headers.get("user-agent", "")
    url = await run_in_threadpool(_open, sessions, token, not PREVIEW_AGENTS.search(agent))
    if url is None:
        return _not_found()
    # no-referrer: the portal need not learn the token; no-store: every open reaches us to be counted.
    return RedirectResponse(
        url, status_code=302, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


def _open(sessions: sessionmaker[Session], token: str, count: bool) -> str | None:
    with sessions() as db:
        link = funnel.link(db, token)
        if link is None:
            return None
        if count:
            funnel.record_step(
                db, step="link_opened", channel=link.channel, sender_id=link.sender_id, procedure=link.procedure
            )
            db.commit()
        return link.url


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "unknown link"}, status_code=404)
