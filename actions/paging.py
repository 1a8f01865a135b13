"""Long answers on a phone: cut into pages at line and sentence boundaries, continued with "Xem thêm".

The one "Xem thêm" mechanism: the ``listing`` slot remembers what is being paged and where the next page
starts, the button's payload (``/more{"offset": …}``) carries the same position, and ActionMore renders that
page again from the knowledge base (nothing long is stored in the tracker). Document lists page by items
(``{"code", "case", "next"}``); any other answer pages by text (``{"code", "text": <answer kind>, "next"}``).
"""

from __future__ import annotations

import json
import re

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import buttons

FIRST_MAX = 800  # a first answer (procedure summary): the whole turn, every message counted
FOLLOW_UP_MAX = 600  # a follow-up (fee, time, where, documents, online) or a "Xem thêm" page
# Room left in a turn for what follows the page ("Câu trả lời có hữu ích không?").
RESERVED = 40
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")
# A part equal to this starts a new page: what follows is detail, only shown when asked for ("Xem thêm").
BREAK = "\f"
# Kinds that answer a first question (a procedure named for the first time), not a follow-up.
FIRST_ANSWERS = ("summary", "asked")


def more_button(position: int) -> dict:
    return {"title": "Xem thêm", "payload": buttons.payload("more", offset=str(position))}


def _pieces(text: str, limit: int) -> list[str]:
    """Lines of ``text``, a line longer than ``limit`` cut at sentences, then words, then characters."""
    found: list[str] = []
    for line in text.split("\n"):
        if len(line) <= limit:
            found.append(line)
            continue
        current = ""
        for sentence in _SENTENCE_END.split(line):
            for word in sentence.split(" ") if len(sentence) > limit else [sentence]:
                while len(word) > limit:
                    found.append(word[:limit])
                    word = word[limit:]
                joiner = " " if current else ""
                if len(current) + len(joiner) + len(word) <= limit:
                    current += joiner + word
                else:
                    found.append(current)
                    current = word
        if current:
            found.append(current)
    return found


def split_pages(parts: list[str], first_limit: int, rest_limit: int) -> list[str]:
    """Pages of ``parts`` (each part starts on a new line); the first at most ``first_limit``, the others at
    most ``rest_limit`` characters. Parts are kept whole on a page when they fit."""
    pages: list[str] = []
    current, limit = "", first_limit
    for part in (p for p in parts if p and (p == BREAK or p.strip())):
        if part == BREAK:
            if current:
                pages.append(current)
                current, limit = "", rest_limit
            continue
        whole = f"{current}\n{part}" if current else part
        if len(whole) <= limit:
            current = whole
            continue
        if current:  # a part that does not fit starts the next page, not in the leftover of this one
            pages.append(current)
            current, limit = "", rest_limit
            if len(part) <= limit:
                current = part
                continue
        for piece in _pieces(part, min(limit, rest_limit)):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                pages.append(current)
                current, limit = piece, rest_limit
    if current:
        pages.append(current)
    return pages or [""]


def send_page(
    dispatcher: CollectingDispatcher,
    code: str,
    kind: str,
    parts: list[str],
    page: int = 0,
    extra_buttons: list[dict] | None = None,
    remember: dict | None = None,
) -> list[dict]:
    """Send page ``page`` of an answer, with "Xem thêm" when more follows; returns the ``listing`` event.
    The summary is a first answer (longer first page); every other page is a follow-up. ``remember``: what
    else the answer's parts depend on (kept in the slot, given back to :func:`answers.parts`)."""
    first_limit = FIRST_MAX if kind in FIRST_ANSWERS else FOLLOW_UP_MAX
    pages = split_pages(parts, first_limit - RESERVED, FOLLOW_UP_MAX - RESERVED)
    page = max(0, min(page, len(pages) - 1))
    following = page + 1 if page + 1 < len(pages) else None
    page_buttons = ([more_button(following)] if following is not None else []) + list(extra_buttons or [])
    dispatcher.utter_message(text=pages[page], buttons=page_buttons)
    return [SlotSet("listing", json.dumps({"code": code, "text": kind, "next": following, **(remember or {})}))]
