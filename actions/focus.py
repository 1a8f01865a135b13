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
from knowledge_base.text import fold, has_accents, nfc, words

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
ASPECT_WORDS_ACCENTED = set("""
cần giấy tờ gì hồ sơ gồm những phải nộp nào mang theo chuẩn bị thành phần mẫu đơn có bản sao công chứng mấy bộ
phí lệ bao nhiêu tiền mất tốn chi miễn không được thế là thẩm định trả lâu thì kết quả ngày xong thời gian giải
quyết hạn xử lý trong giờ nhận ở đâu tại đến để làm cơ quan ai cấp nơi tiếp địa chỉ hay xã sở trực tuyến qua mạng
dịch vụ đăng nhập bưu điện chính tôi mình em anh chị ơi à ạ vậy nhỉ nhé với cho hỏi xin và của này đó thủ tục
hướng dẫn cách sao như bước từng giúp biết muốn ra cụ thể còn nếu
""".split()) | {w for w in ASPECT_WORDS if not any(c.isalpha() and ord(c) > 127 for c in w)}
HA_GIANG = re.compile(r"\bha giang\b")
# Places of the merged province a citizen names to say where they live: a detail of the question, never a
# topic of its own ("tôi ở Đồng Văn, Hà Giang thì nộp ở đâu").
PLACES = re.compile(r"\b(?:ha giang|tuyen quang|dong van|meo vac|yen minh|quan ba|bac me|hoang su phi|xin man|"
                    r"vi xuyen|bac quang|quang binh|na hang|lam binh|chiem hoa|ham yen|yen son|son duong|"
                    r"(?:xa|phuong|thon|huyen|tinh|thi tran|thanh pho|tp|to dan pho|ban)(?= |$))\b")
# Around what is named: "còn … thì sao", "thế còn", and the office a where-question names ("văn phòng nộp ở
# đâu" asks where, it does not name a notary office).
FRAME = re.compile(r"^\s*(?:(?:the|vay|the|con|a|ua|oi|hoi|cho hoi)\s+)+|(?:\s+(?:thi|thi sao|sao|vay|nhi|a|nhe))+\s*$|"
                   r"\b(?:van phong|bo phan|tru so|phong ban|noi nop|cho nao)\b")
# What happened to a paper: made of aspect words ("mất" as in "mất bao lâu"), yet a detail that picks a sibling
# (reissue, renewal, adjustment).
SITUATION = re.compile(r"\b(?:bi mat|lam mat|danh mat|mat roi|bi hong|hu hong|bi rach|het han|qua han|sap het han|"
                       r"sai thong tin|ghi sai|thay doi|doi ten|chuyen doi)\b")
# Another agency's procedure answers a question only when the match is clear: scored this high and holding
# nearly all the question's own words, or scored as an exact name. A weaker one never beats the procedure in
# focus nor an honest "did you mean...?".
CLEAR_OTHER_AGENCY = 0.7
CLEAR_OTHER_AGENCY_UNACCENTED = 0.8
CLEAR_COVERAGE = 0.75
CERTAIN_OTHER_AGENCY = 0.95
# Verbs, fillers and who is asking: words every question may have; they say nothing about which procedure.
GENERIC_WORDS = set("""lam xin cap dang ky thu tuc muon con thi sao the nao viec cua minh toi duoc di doi
doanh nghiep cong ty ca nhan ho gia dinh to chuc nho lon moi cu la nguoi""".split())
# A message whose own words the focus's name holds less than this, and that search does not relate to the focus,
# is about something else.
UNRELATED_COVERAGE = 0.5
# A detail moves the focus to a sibling only when the sibling fits the detail this much better; a message
# searched on its own moves it only when it fits another procedure this much better than the focus.
REFINE_MARGIN = 0.05
SWITCH_MARGIN = 0.08
_VARIANT_WORDS = set("cap moi lai gia han dieu chinh doi chuyen sua chua cai tao di doi".split())
_FAMILY_END = re.compile(r"\s(?:đối với|cho|của|trong|tại|thuộc)\s|\s?\(|:")
def entity(tracker: Tracker, name: str) -> str | None:
    for item in tracker.latest_message.get("entities", []):
        if item.get("entity") == name and item.get("value") not in (None, ""):
            return str(item["value"])
    return None


def _cut(text: str, pattern: re.Pattern) -> str:
    # fold() keeps one character per character, so spans found in the folded text line up with the original.
    text = nfc(text)
    for match in reversed(list(pattern.finditer(fold(text)))):
        text = text[:match.start()] + " " + text[match.end():]
    return nfc(text)


def without_places(text: str) -> str:
    return _cut(text, PLACES)


def story(text: str) -> str:
    """What a message says about the procedure: no asks, places, offices or the "còn … thì sao" around it."""
    return _cut(without_places(reduce_question(text).story), FRAME)


def topic_words(text: str) -> list[str]:
    """The words of a message that may name a procedure: not the asks, not places, not numbers."""
    tokens = words(story(text).lower())
    return [fold(w) for w in tokens if not w.isdigit() and not _aspect_word(w)]


def _aspect_word(token: str) -> bool:
    # With its accents a syllable is told apart ("hộ" chiếu is not "hồ" sơ); without, only folded.
    return token in ASPECT_WORDS_ACCENTED if has_accents(token) else token in ASPECT_WORDS


def names_something(text: str, at_least: int = 2) -> bool:
    """True when the text says more than which aspect is asked, i.e. it may name a procedure or a detail."""
    return bool(SITUATION.search(fold(text))) or len(topic_words(text)) >= at_least


def mentions_place(text: str) -> bool:
    return bool(PLACES.search(fold(text)))


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


def _own_words(text: str, accented: bool) -> list[str]:
    tokens = words(nfc(text).lower()) if accented else words(fold(text))
    return [t for t in tokens if fold(t) not in ASPECT_WORDS | GENERIC_WORDS and not t.isdigit()]


def coverage(question: str, name: str) -> float:
    """Share of the question's own words that a procedure's name holds. Accents count when the citizen typed
    them: folded, "tầng" would be "tặng" and a house question would match an award."""
    accented = has_accents(question)
    asked = set(_own_words(question, accented))
    named = set(words(nfc(name).lower()) if accented else words(fold(name)))
    return len(asked & named) / len(asked) if asked else 0.0


def clearly_other_agency(found: SearchResponse, text: str) -> SearchHit | None:
    """The top hit when it is another agency's procedure that the question names (nearly all its words are in
    that procedure's name, and search scores it high), else None."""
    if not (found.confident and found.results):
        return None
    top = found.results[0]
    # Typed without accents, words collide ("tang": tầng / tặng), so the words are weaker evidence.
    if top.in_scope or top.score < (CLEAR_OTHER_AGENCY if has_accents(text) else CLEAR_OTHER_AGENCY_UNACCENTED):
        return None
    return top if top.score >= CERTAIN_OTHER_AGENCY or coverage(text, top.name) >= CLEAR_COVERAGE else None


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
    if text.startswith("/") or not names_something(text):  # a tapped button names nothing to search
        return Resolution(focused)
    # Searched without the asks and the places ("còn làm hộ chiếu thì ở đâu" → "làm hộ chiếu"): they only
    # blur the score of what is named.
    asked = story(text)
    own = await asyncio.to_thread(kb.search, asked, 5)
    if focused is None:
        top = own.results[0] if own.results else None
        if own.confident and top is not None and top.in_scope and (procedure := kb.get(top.code)) is not None:
            return Resolution(procedure, top.score, changed=True)
    else:
        refined = await asyncio.to_thread(kb.search, f"{family(focused)} {asked}", 5)
        moved = _moved(own, refined, focused.code)
        if moved is not None and (procedure := kb.get(moved.code)) is not None:
            return Resolution(procedure, moved.score, changed=True)
    if (other := clearly_other_agency(own, asked)) is not None:
        redirect(dispatcher, other)
        return Resolution(handled=True)
    if (focused is not None and all(h.code != focused.code for h in own.results)
            and _own_words(asked, has_accents(asked)) and coverage(asked, focused.name) < UNRELATED_COVERAGE):
        # It names something the focus is not ("còn đổi hộ chiếu thì sao"): searched as a question of its own,
        # never answered for the focus.
        return Resolution()
    return Resolution(focused)
