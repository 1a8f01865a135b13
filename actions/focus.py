"""Which procedure a turn is about: a tapped choice, a procedure named in the text, or the one in focus."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge_base.models import Procedure
from knowledge_base.service import KnowledgeBase
from knowledge_base.text import fold, words

# Words that only say *what* is asked about a procedure (fee, time, papers, place, online...). A question made
# of these alone ("phí bao nhiêu?") is a follow-up about the procedure in focus, not a new search.
ASPECT_WORDS = set("""
can giay to gi ho so hs gom nhung phai nop nao mang theo chuan bi thanh phan mau don co ban sao cong chung may bo
phi le bao nhieu bn tien mat ton chi mien khong ko k dc duoc the la tham dinh tra
lau thi ket qua ngay xong thoi gian giai quyet han xu ly trong gio nhan
o dau tai den de lam co quan ai cap noi tiep nhan dia chi hay xa so ubnd
online truc tuyen qua mang dich vu cong dang nhap vneid buu dien buu chinh
toi minh em anh chi oi a a vay nhi nhe voi cho hoi xin va cua nay do thu tuc
""".split())
HA_GIANG = re.compile(r"\bha giang\b")


def entity(tracker: Tracker, name: str) -> str | None:
    for item in tracker.latest_message.get("entities", []):
        if item.get("entity") == name and item.get("value") not in (None, ""):
            return str(item["value"])
    return None


def names_something(text: str, at_least: int = 2) -> bool:
    """True when the text says more than which aspect is asked, i.e. it may name a procedure."""
    return len([w for w in words(fold(text)) if w not in ASPECT_WORDS and not w.isdigit()]) >= at_least


def mentions_ha_giang(text: str) -> bool:
    return bool(HA_GIANG.search(fold(text)))


@dataclass
class Resolution:
    procedure: Procedure | None = None
    confidence: float | None = None
    handled: bool = False  # the actions already answered (e.g. another agency's procedure)
    changed: bool = False  # the focus moved to a new procedure


async def resolve(kb: KnowledgeBase, tracker: Tracker, dispatcher: CollectingDispatcher,
                  redirect) -> Resolution:
    """The procedure a follow-up is about. `redirect(dispatcher, hit)` answers another agency's procedure."""
    focus = tracker.get_slot("procedure_code")
    chosen = entity(tracker, "procedure_code")
    if chosen and (procedure := kb.get(chosen)) is not None:
        return Resolution(procedure, 1.0, changed=chosen != focus)
    text = tracker.latest_message.get("text") or ""
    if names_something(text):
        found = await asyncio.to_thread(kb.search, text, 5)
        if found.confident and found.results:
            top = found.results[0]
            if not top.in_scope:
                redirect(dispatcher, top)
                return Resolution(handled=True)
            if (procedure := kb.get(top.code)) is not None:
                return Resolution(procedure, top.score, changed=top.code != focus)
    if focus and (procedure := kb.get(focus)) is not None:
        return Resolution(procedure)
    return Resolution()
