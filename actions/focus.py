"""Which procedure a turn is about: a tapped choice, a procedure named in the text, or the one in focus."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge_base.models import Procedure
from knowledge_base.question import reduce_question
from knowledge_base.service import KnowledgeBase, SearchHit, SearchResponse
from knowledge_base.text import fold, nfc, words

# Words that only say *what* is asked about a procedure (fee, time, papers, place, online...). A question made
# of these alone ("phí bao nhiêu?") is a follow-up about the procedure in focus, not a new search.
ASPECT_WORDS = set("""
can giay to gi ho so hs gom nhung phai nop nao mang theo chuan bi thanh phan mau don co ban sao cong chung may bo
phi le bao nhieu bn tien mat ton chi mien khong ko k dc duoc the la tham dinh tra
lau thi ket qua ngay xong thoi gian giai quyet han xu ly trong gio nhan
o dau tai den de lam co quan ai cap noi tiep nhan dia chi hay xa so ubnd
online truc tuyen qua mang dich vu cong dang nhap vneid buu dien buu chinh
toi minh em anh chi oi a a vay nhi nhe voi cho hoi xin va cua nay do thu tuc
huong dan cach sao nhu buoc tung giup biet muon ra cu the con neu
""".split())
HA_GIANG = re.compile(r"\bha giang\b")
# Places of the merged province a citizen names to say where they live: a detail of the question, never a
# topic of its own ("tôi ở Đồng Văn, Hà Giang thì nộp ở đâu").
PLACES = re.compile(r"\b(?:ha giang|tuyen quang|dong van|meo vac|yen minh|quan ba|bac me|hoang su phi|xin man|"
                    r"vi xuyen|bac quang|quang binh|na hang|lam binh|chiem hoa|ham yen|yen son|son duong|"
                    r"(?:xa|phuong|thon|huyen|tinh|thi tran|thanh pho|tp|to dan pho|ban)(?= |$))\b")
# What happened to a paper: made of aspect words ("mất" as in "mất bao lâu"), yet a detail that picks a sibling
# (reissue, renewal, adjustment).
SITUATION = re.compile(r"\b(?:bi mat|lam mat|danh mat|mat roi|bi hong|hu hong|bi rach|het han|qua han|sap het han|"
                       r"sai thong tin|ghi sai|thay doi|doi ten|chuyen doi)\b")
# Another agency's procedure answers a question only when the match is this clear (an exact or near-exact
# name); a weaker one never beats the procedure in focus nor an honest "did you mean...?".
CLEAR_OTHER_AGENCY = 0.8
# A detail moves the focus to a sibling only when the sibling fits the detail this much better; a message
# searched on its own moves it only when it fits another procedure this much better than the focus.
REFINE_MARGIN = 0.08
SWITCH_MARGIN = 0.08
_VARIANT_WORDS = set("cap moi lai gia han dieu chinh doi chuyen sua chua cai tao di doi".split())
_FAMILY_END = re.compile(r"\s(?:đối với|cho|của|trong|tại|thuộc)\s|\s?\(|:")
def entity(tracker: Tracker, name: str) -> str | None:
    for item in tracker.latest_message.get("entities", []):
        if item.get("entity") == name and item.get("value") not in (None, ""):
            return str(item["value"])
    return None


def without_places(text: str) -> str:
    """The text with place names cut out; fold() keeps one character per character, so spans line up."""
    text = nfc(text)
    for match in reversed(list(PLACES.finditer(fold(text)))):
        text = text[:match.start()] + " " + text[match.end():]
    return nfc(text)


def topic_words(text: str) -> list[str]:
    """The words of a message that may name a procedure: not the asks, not places, not numbers."""
    folded = fold(without_places(reduce_question(text).story))
    return [w for w in words(folded) if w not in ASPECT_WORDS and not w.isdigit()]


def names_something(text: str, at_least: int = 2) -> bool:
    """True when the text says more than which aspect is asked, i.e. it may name a procedure or a detail."""
    return bool(SITUATION.search(fold(text))) or len(topic_words(text)) >= at_least


def mentions_ha_giang(text: str) -> bool:
    return bool(HA_GIANG.search(fold(text)))


def family(procedure: Procedure) -> str:
    """The head of a procedure's name ("Cấp giấy phép xây dựng mới"): what a detail of the case refines."""
    return _head(procedure.name)


def siblings(name: str, other: str) -> bool:
    """Two procedures of one family, told apart only by variant or kind of work (new/repair, level III/I)."""
    key = lambda n: " ".join(w for w in words(fold(_head(n))) if w not in _VARIANT_WORDS)  # noqa: E731
    return key(name) == key(other)


def _head(name: str) -> str:
    head = _FAMILY_END.split(name, maxsplit=1)[0]
    # The kind of work ("công trình cấp đặc biệt…") is what a detail may change, so it is not part of the family;
    # the variant (new, reissue, repair...) is, until the citizen says otherwise ("bị mất" → reissue).
    head = re.sub(r"^thủ tục\s+|\s+công trình\b.*$", "", head, flags=re.IGNORECASE)
    return " ".join(head.split()[:10])


def clearly_other_agency(found: SearchResponse) -> SearchHit | None:
    """The top hit when it is another agency's procedure matched by (nearly) its own name, else None."""
    if not (found.confident and found.results):
        return None
    top = found.results[0]
    return top if not top.in_scope and top.score >= CLEAR_OTHER_AGENCY else None


def _moved(own: SearchResponse, refined: SearchResponse, focus: str) -> SearchHit | None:
    """The department procedure a message moves the focus to, or None to stay."""
    o = own.results[0] if own.results else None
    r = refined.results[0] if refined.results else None
    sibling = r if (r is not None and refined.confident and r.in_scope and r.code != focus) else None
    focus_score = next((h.score for h in own.results if h.code == focus), None)
    # With the focus's name added, a detail of the citizen's case still ranks the focus first ("nhà 3 tầng ở
    # xã" → the house permit over its repair sibling); a new topic does not.
    detail_fits_focus = r is not None and r.code == focus and o is not None and siblings(o.name, r.name)
    if (own.confident and o is not None and o.in_scope and o.code != focus and not detail_fits_focus
            and (focus_score is None or o.score - focus_score >= SWITCH_MARGIN)):
        # A new topic of its own ("còn phù hiệu xe tải thì sao"), unless a sibling of the focus fits better.
        return sibling if sibling is not None and sibling.code != o.code and sibling.score > o.score else o
    if sibling is not None:
        # A detail of the citizen's case ("công trình cấp II của công ty") that points to a sibling.
        staying = next((h.score for h in refined.results if h.code == focus), 0.0)
        if sibling.score - staying >= REFINE_MARGIN:
            return sibling
    return None


@dataclass
class Resolution:
    procedure: Procedure | None = None
    confidence: float | None = None
    handled: bool = False  # the actions already answered (e.g. another agency's procedure)
    changed: bool = False  # the focus moved to a new procedure


async def resolve(kb: KnowledgeBase, tracker: Tracker, dispatcher: CollectingDispatcher,
                  redirect) -> Resolution:
    """The procedure a turn is about. `redirect(dispatcher, hit)` answers another agency's procedure."""
    focus = tracker.get_slot("procedure_code")
    chosen = entity(tracker, "procedure_code")
    if chosen and (procedure := kb.get(chosen)) is not None:
        return Resolution(procedure, 1.0, changed=chosen != focus)
    text = tracker.latest_message.get("text") or ""
    focused = kb.get(focus) if focus else None
    if not names_something(text):
        return Resolution(focused)
    own = await asyncio.to_thread(kb.search, text, 5)
    if focused is None:
        top = own.results[0] if own.results else None
        if own.confident and top is not None and top.in_scope and (procedure := kb.get(top.code)) is not None:
            return Resolution(procedure, top.score, changed=True)
    else:
        story = without_places(reduce_question(text).story)
        refined = await asyncio.to_thread(kb.search, f"{family(focused)} {story}", 5)
        moved = _moved(own, refined, focused.code)
        if moved is not None and (procedure := kb.get(moved.code)) is not None:
            return Resolution(procedure, moved.score, changed=True)
    if (other := clearly_other_agency(own)) is not None:
        redirect(dispatcher, other)
        return Resolution(handled=True)
    return Resolution(focused)
