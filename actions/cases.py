"""Which document case of a procedure a turn is about: tapped, typed ("trường hợp hai", "nhà ở riêng lẻ"),
kept from earlier, or inferred from what the citizen already said about the procedure in focus.

The one case parser for the documents answer, the checklist and the walkthrough.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.focus import entity
from knowledge_base.search.choices import match_title, ordinal
from knowledge_base.store.models import Procedure


def titles(procedure: Procedure) -> list[str]:
    return [group.case or f"Trường hợp {i + 1}" for i, group in enumerate(procedure.documents)]


def parse(procedure: Procedure, value: str | None) -> int | None:
    """0-based case from a button's number, a typed number or ordinal, or the words of a case title."""
    count = len(procedure.documents)
    if value in (None, "") or count == 0:
        return None
    value = str(value).strip()
    try:
        number = int(float(value))
        return number - 1 if 1 <= number <= count else None
    except ValueError:
        pass
    index = ordinal(value, count)
    if index is None:
        index = ordinal(f"trường hợp {value}", count)
    return index if index is not None else match_title(value, titles(procedure))


def said_about(tracker: Tracker, code: str) -> list[str]:
    """What the citizen typed since the procedure `code` came into focus (the message that brought it included)."""
    typed: list[str] = []
    start, focus = 0, None
    for event in tracker.events:
        if event.get("event") == "user":
            typed.append(event.get("text") or "")
        elif event.get("event") == "slot" and event.get("name") == "procedure_code":
            if event.get("value") == code and focus != code:
                start = max(0, len(typed) - 1)
            focus = event.get("value")
    if focus != code:  # the focus moves to `code` in this very turn
        start = max(0, len(typed) - 1)
    return [text for text in typed[start:] if text and not text.startswith("/")]


def inferred(procedure: Procedure, texts: list[str]) -> int | None:
    """The case the citizen's own words point to, latest message first; None unless exactly one fits."""
    if len(procedure.documents) < 2:
        return None
    for text in reversed(texts):
        index = match_title(text, titles(procedure))
        if index is not None:
            return index
    return None


def current(tracker: Tracker, procedure: Procedure, *, keep_slot: bool = True) -> int | None:
    """The case of this turn: the one named now, else the one kept in the `case` slot, else the inferred one."""
    if len(procedure.documents) == 1:
        return 0
    index = parse(procedure, entity(tracker, "case_index"))
    if index is None and keep_slot:
        index = parse(procedure, tracker.get_slot("case"))
    if index is None:
        index = inferred(procedure, said_about(tracker, procedure.code))
    return index
