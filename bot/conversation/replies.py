"""A typed reply read in the light of the buttons the assistant just offered.

Citizens answer "Tôi hướng dẫn từng bước nhé?" with "ok hướng dẫn tôi", a walkthrough step with "tiếp theo", a
"which case?" with "trường hợp hai" or "nhà ở riêng lẻ". Such a reply means the button it names; sending that
button's payload makes Rasa do exactly what a tap does, on every channel. A reply that names no offered button
(a new question) goes to Rasa unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from bot.conversation.models import Button
from knowledge_base.choices import match_title, ordinal
from knowledge_base.text import fold, words

YES = {"ok", "oke", "okay", "okie", "oki", "okela", "uh", "u", "um", "uhm", "ung", "co", "vang", "da", "duoc", "dc",
       "yes", "y", "muon", "roi", "chuan", "nhat", "tat", "nhien", "chac", "chan", "dong", "yy", "yep"}
NO = {"khong", "ko", "k", "kg", "hong", "hok", "khg", "thoi", "chua", "khoi", "no", "nope", "sau"}
# Words around a yes or a no that change nothing: "ừ, hướng dẫn tôi đi", "dạ thôi ạ", "không cần đâu".
FILLER = {"toi", "minh", "em", "anh", "chi", "ban", "a", "ah", "nhe", "nha", "di", "voi", "giup", "cho", "oi",
          "vay", "the", "ha", "luon", "ngay", "can", "cam", "on", "dau", "de", "lam", "xem", "nao", "thanks",
          "thank", "cac", "nhe", "ak", "nua", "lai", "bay", "gio", "hi", "hihi", "vs"}
NAV = {
    "next": {"tiep", "tiep theo", "tiep tuc", "buoc tiep", "buoc tiep theo", "buoc sau", "buoc ke", "next",
             "sang buoc tiep", "qua buoc tiep", "tiep nao", "roi tiep", "xong buoc nay"},
    "back": {"quay lai", "lai buoc truoc", "buoc truoc", "tro lai", "lui", "lui lai", "back", "xem lai buoc truoc",
             "quay lai buoc truoc", "buoc truoc do", "tro ve", "quay ve"},
    "done": {"xong", "dung", "dung lai", "thoat", "ket thuc", "thoi", "stop", "huy", "du roi", "khong can nua",
             "thoat ra", "ket thuc huong dan", "dung huong dan", "thoi khong can", "het"},
}
# "ok tiếp", "tiếp đi", "xong rồi": words a nav phrase may carry.
NAV_FILLER = {"ok", "oke", "da", "vang", "u", "roi", "di", "a", "nhe", "nha", "toi", "minh", "em", "oi", "nao"}
# A yes picks, in this order, the button that acts on the offer.
YES_INTENTS = ("affirm", "start_guide", "start_checklist", "more")
CHOICE_INTENTS = ("choose_case", "ask_procedure")
_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.S)


def _parse(payload: str) -> tuple[str, dict]:
    match = _PAYLOAD.match(payload)
    if match is None:
        return "", {}
    try:
        entities = json.loads(match.group(2)) if match.group(2) else {}
    except ValueError:
        entities = {}
    return match.group(1), entities if isinstance(entities, dict) else {}


def _plain(text: str) -> str:
    return " ".join(words(fold(text)))


def _nav(tokens: list[str]) -> str | None:
    """The one way a reply moves ("thôi dừng lại" = done twice over), or None when it says anything else."""
    rest = " ".join(t for t in tokens if t not in NAV_FILLER) or " ".join(tokens)
    found = set()
    for nav, phrase in sorted(((n, p) for n, ps in NAV.items() for p in ps), key=lambda item: -len(item[1])):
        pattern = re.compile(rf"(?:^| ){re.escape(phrase)}(?= |$)")
        if pattern.search(rest):
            found.add(nav)
            rest = pattern.sub(" ", rest).strip()
    return found.pop() if len(found) == 1 and not rest else None


def _yes_no(tokens: list[str], yes_words: set[str]) -> bool | None:
    """True for a yes, False for a no, None when the reply says more than either."""
    if not tokens or any(t not in YES | NO | FILLER | yes_words for t in tokens):
        return None
    if any(t in NO for t in tokens):
        return False
    return True


def resolve(text: str, offered: Sequence[Button] | None) -> str | None:
    """The payload of the offered button a typed reply means, or None (then the text goes to Rasa as typed)."""
    if not offered or text.startswith("/"):
        return None
    tokens = words(fold(text))
    if not tokens or len(tokens) > 12:
        return None
    parsed = [(button, *_parse(button.payload)) for button in offered]
    plain = _plain(text)
    for button, _intent, _entities in parsed:
        if plain and plain == _plain(button.title):
            return button.payload
    nav_buttons = {entities.get("nav"): button for button, intent, entities in parsed if intent == "guide_nav"}
    if nav_buttons and (nav := _nav(tokens)) in nav_buttons:
        return nav_buttons[nav].payload
    by_intent: dict[str, Button] = {}
    for button, intent, _entities in parsed:
        by_intent.setdefault(intent, button)
    yes_button = nav_buttons.get("next") or next((by_intent[i] for i in YES_INTENTS if i in by_intent), None)
    no_button = by_intent.get("deny") or nav_buttons.get("done")
    if yes_button is not None or no_button is not None:
        yes_words = set(words(fold(yes_button.title))) if yes_button is not None else set()
        answer = _yes_no(tokens, yes_words)
        if answer is True and yes_button is not None:
            return yes_button.payload
        if answer is False and no_button is not None:
            return no_button.payload
    choices = [button for button, intent, _entities in parsed if intent in CHOICE_INTENTS]
    if choices:
        index = ordinal(text, len(choices))
        if index is None:
            index = match_title(text, [b.title for b in choices], reply_coverage=0.5)
        if index is not None:
            return choices[index].payload
    return None
