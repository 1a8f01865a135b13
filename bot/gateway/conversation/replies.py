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

from bot.gateway.conversation.models import Button
from knowledge_base.search.choices import first_holding, match_title, navigation, ordinal, variant_choice, yes_no
from knowledge_base.text import fold, words

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
    if nav_buttons and (nav := navigation(tokens)) in nav_buttons:
        return nav_buttons[nav].payload
    by_intent: dict[str, Button] = {}
    for button, intent, _entities in parsed:
        by_intent.setdefault(intent, button)
    yes_button = nav_buttons.get("next") or next((by_intent[i] for i in YES_INTENTS if i in by_intent), None)
    no_button = by_intent.get("deny") or nav_buttons.get("done")
    if yes_button is not None or no_button is not None:
        yes_words = set(words(fold(yes_button.title))) if yes_button is not None else set()
        answer = yes_no(tokens, yes_words)
        if answer is True and yes_button is not None:
            return yes_button.payload
        if answer is False and no_button is not None:
            return no_button.payload
    choosable = [(button, intent) for button, intent, _entities in parsed if intent in CHOICE_INTENTS]
    choices = [button for button, _intent in choosable]
    if choices:
        index = ordinal(text, len(choices))
        if index is None and all(intent == "ask_procedure" for _b, intent in choosable):  # ranked by search
            index = variant_choice(text, [b.title for b in choices])
            if index is None:
                index = first_holding(text, [b.title for b in choices])
        if index is None:
            index = match_title(text, [b.title for b in choices], reply_coverage=0.5)
        if index is not None:
            return choices[index].payload
    return None
