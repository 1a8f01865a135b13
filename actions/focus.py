"""Which procedure a turn is about: a tapped choice, a procedure named in the text, or the one in focus."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge_base.understanding.reading import Reading, read
from knowledge_base.understanding.wording import (
    GENERIC_WORDS,
    VARIANT_WORDS,
    coverage,
    only_what_happened,
    own_words,
    tells_own_situation,
)
from knowledge_base.search import siblings as sib
from knowledge_base.store.models import Procedure
from knowledge_base.store.other_agencies import specific_words
from knowledge_base.service import KnowledgeBase, SearchHit, SearchResponse
from knowledge_base.text import fold, has_accents, words

# Another agency's procedure answers a question only when the match is clear: scored this high and holding
# nearly all the question's own words, or scored as an exact name. A weaker one never beats the procedure in
# focus nor an honest "did you mean...?".
CLEAR_OTHER_AGENCY = 0.7
CLEAR_OTHER_AGENCY_UNACCENTED = 0.8
CLEAR_COVERAGE = 0.75
CERTAIN_OTHER_AGENCY = 0.95
# A message whose own words the focus's name holds less than this, and that search does not relate to the focus,
# is about something else.
UNRELATED_COVERAGE = 0.5
# A detail moves the focus to a sibling only when the sibling fits the detail this much better; a message
# searched on its own moves it only when it fits another procedure this much better than the focus.
REFINE_MARGIN = 0.05
SWITCH_MARGIN = 0.08
_FAMILY_END = re.compile(r"\s(?:đối với|cho|của|trong|tại|thuộc)\s|\s?\(|:")


def entity(tracker: Tracker, name: str) -> str | None:
    for item in tracker.latest_message.get("entities", []):
        if item.get("entity") == name and item.get("value") not in (None, ""):
            return str(item["value"])
    return None


def family(procedure: Procedure) -> str:
    """The head of a procedure's name ("Cấp giấy phép xây dựng mới"): what a detail of the case refines."""
    return _head(procedure.name)


def siblings(name: str, other: str) -> bool:
    """Two procedures of one family, told apart only by variant or kind of work (new/repair, level III/I)."""
    key = lambda n: " ".join(w for w in words(fold(_head(n))) if w not in VARIANT_WORDS)  # noqa: E731
    return key(name) == key(other)


# A variant of the focus names (nearly) every word of the focus's object: a re-issue of the vehicle-inspection
# certificate, not the safety-inspection one whose head is the same ("Giấy chứng nhận đủ điều kiện hoạt động").
VARIANT_OBJECT_SHARE = 0.9


def variant_of(name: str, other: str) -> bool:
    """`other` is the same paper as `name` in another variant (re-issue, renewal, change...)."""
    # Up to a comma too: what follows it is a second paper or a list ("…, cấp Giấy phép xe tập lái").
    head = _FAMILY_END.split(name, maxsplit=1)[0].split(",", 1)[0]
    own = {w for w in words(fold(head)) if w not in VARIANT_WORDS}
    return bool(own) and len(own & set(words(fold(other)))) / len(own) >= VARIANT_OBJECT_SHARE


def family_for(name: str, text: str) -> str:
    """The family a message refines: without the focus's own variant ("Cấp mới …", "… tạm …") when the message
    names another one ("bị mất", "hết hạn", "lâu dài"), so the sibling it names is not outscored by the focus's
    own words."""
    head = _head(name)
    cues = sib.question_cues(text)
    if cues.actions - {sib.NEW}:
        head = sib.without_variant(head)
    if cues.duration == sib.PERMANENT:
        head = sib.without_temporary(head)
    return head


def _head(name: str) -> str:
    head = _FAMILY_END.split(name, maxsplit=1)[0]
    # The kind of work ("công trình cấp đặc biệt…") is what a detail may change, so it is not part of the family;
    # the variant (new, reissue, repair...) is, until the citizen says otherwise ("bị mất" → reissue).
    head = re.sub(r"^thủ tục\s+|\s+công trình\b.*$", "", head, flags=re.IGNORECASE)
    return " ".join(head.split()[:10])


def clearly_other_agency(found: SearchResponse, text: str, generic: frozenset[str]) -> SearchHit | None:
    """The top hit when it is another agency's procedure that the question names (nearly all its words are in
    that procedure's name, and search scores it high, on a word that is not `generic`), else None."""
    if not (found.confident and found.results) or tells_own_situation(text):
        # "công ty tôi mới thành lập", "xe tôi bị mất đăng kiểm": the citizen's case, asking for nothing, is not
        # a request for the other agency's procedure its words match.
        return None
    if not specific_words(found.matched_words, generic):
        # "xét duyệt trong bao lâu" after the expressway's traffic plan: an administrative verb matches many
        # agencies' names; it names no matter of theirs (issue 26: no redirect on a generic word alone).
        return None
    top = found.results[0]
    # Typed without accents, words collide ("tang": tầng / tặng), so the words are weaker evidence.
    if top.in_scope or top.score < (CLEAR_OTHER_AGENCY if has_accents(text) else CLEAR_OTHER_AGENCY_UNACCENTED):
        return None
    return top if top.score >= CERTAIN_OTHER_AGENCY or coverage(text, top.name) >= CLEAR_COVERAGE else None


def _moved(
    own: SearchResponse, refined: SearchResponse, focus: str, new_topic: bool = True, focus_name: str = ""
) -> SearchHit | None:
    """The department procedure a message moves the focus to, or None to stay; with `new_topic` False (the
    message points back at the focus) only to a sibling of the focus."""
    o = own.results[0] if own.results else None
    r = refined.results[0] if refined.results else None
    sibling = r if (r is not None and refined.confident and r.in_scope and r.code != focus) else None
    focus_score = next((h.score for h in own.results if h.code == focus), None)
    # With the focus's name added, a detail of the citizen's case still ranks the focus first ("nhà 3 tầng ở
    # xã" → the house permit over its repair sibling); a new topic does not.
    detail_fits_focus = r is not None and r.code == focus and o is not None and siblings(o.name, r.name)
    # A sibling of the focus, read with the focus's name added, scoring clearly above what the message finds
    # alone: the message picks a variant of the focus ("nếu bị mất thì cấp lại" after a certificate → its
    # re-issue), however sure search is of those few words alone (another family's re-issue). The focus itself
    # ranking first there says nothing: its name's words lift it whatever the message names.
    refines_focus = (
        r is not None
        and o is not None
        and r.in_scope
        and r.code != focus
        and bool(focus_name)
        and r.score - o.score >= SWITCH_MARGIN
        and siblings(focus_name, r.name)
    )
    if (
        new_topic
        and own.confident
        and o is not None
        and o.in_scope
        and o.code != focus
        and not detail_fits_focus
        and not refines_focus
        and (focus_score is None or o.score - focus_score >= SWITCH_MARGIN)
    ):
        # A new topic of its own ("còn phù hiệu xe tải thì sao"), unless a sibling of the focus fits better; only
        # a sibling of that topic too, since the focus's words in the refined search lift its family's scores
        # whatever the message names.
        related = sibling is not None and sibling.code != o.code and siblings(o.name, sibling.name)
        return sibling if related and sibling.score > o.score else o
    if sibling is not None:
        # A detail of the citizen's case ("công trình cấp II của công ty") that points to a sibling.
        staying = next((h.score for h in refined.results if h.code == focus), 0.0)
        if sibling.score - staying >= REFINE_MARGIN:
            return sibling
    return None


# "còn miễn nhiệm thì sao" after the appointment of an assessor: a few words the focus's name lacks, which name
# another act on the same object. The relative shares this much of the focus's name and holds all those words.
RELATIVE_MAX_WORDS = 3
RELATIVE_SHARED = 0.6


async def relative(kb: KnowledgeBase, asked: str, focused: Procedure) -> SearchHit | None:
    """The department procedure on the focus's object that a short follow-up names by its act, or None."""
    # As a phrase: "miễn nhiệm" is not in "Bổ nhiệm …" although each of its words may be.
    phrase = " ".join(w for w in words(fold(asked)) if w not in GENERIC_WORDS)
    # Its words must name something beyond the asks; a variant ("gia hạn") does, though made of aspect words.
    names = own_words(asked, False) or sib.question_cues(asked).actions - {sib.NEW}
    if not names or len(phrase.split()) > RELATIVE_MAX_WORDS or f" {phrase} " in f" {fold(focused.name)} ":
        return None
    found = await asyncio.to_thread(kb.search, f"{asked} {focused.name}", 5)
    focus_words = set(words(fold(focused.name)))
    for hit in found.results:
        # In the head of its name, where the act is ("Miễn nhiệm …"), not in a list of kinds of works.
        if (
            hit.in_scope
            and hit.code != focused.code
            and f" {phrase} " in f" {' '.join(words(fold(_head(hit.name))))} "
            and len(focus_words & set(words(fold(hit.name)))) >= RELATIVE_SHARED * len(focus_words)
        ):
            return hit
    return None


def settled_by_focus(found: SearchResponse, focused: Procedure | None) -> SearchHit | None:
    """Of siblings a question leaves open, the one of the focus's grade ("sắp hết hạn" after the level II works
    permit: its extension, not the house's), when that leaves exactly one."""
    grade = sib.procedure_grade(focused.name) if focused is not None else ""
    if not grade or len(found.ambiguous_between) < 2:
        return None
    same = [h for h in found.results if h.code in found.ambiguous_between and sib.procedure_grade(h.name) == grade]
    return same[0] if len(same) == 1 else None


def focus_history(tracker: Tracker) -> list[str | None]:
    """The procedure codes this conversation had in focus, oldest first (None where the focus was cleared)."""
    return [e.get("value") for e in tracker.events if e.get("event") == "slot" and e.get("name") == "procedure_code"]


def earlier_sibling(kb: KnowledgeBase, tracker: Tracker, procedure: Procedure, reading: Reading) -> Procedure | None:
    """ "về lại giấy phép xây dựng": the one of that family the conversation was on before (the level I works
    permit), not whichever sibling the few words fit best."""
    if not reading.goes_back:
        return None
    before = focus_history(tracker)
    for code in reversed(before[:-1] if before and before[-1] == tracker.get_slot("procedure_code") else before):
        earlier = kb.get(code) if code else None
        if earlier is not None and (earlier.code == procedure.code or siblings(earlier.name, procedure.name)):
            return earlier
    return None


# How far down a search of a going-back message an earlier focus is still taken for what it names: "vụ thuyền"
# shares no word with the boat registration's name, which search still ranks among the first ten.
GOING_BACK_DEPTH = 30


async def went_back(kb: KnowledgeBase, tracker: Tracker, reading: Reading) -> Procedure | None:
    """ "quay lại vụ thuyền lúc nãy": of the procedures this conversation was on, the one search ranks first for
    what the message names, however low; None when it names nothing or none of them."""
    if not (reading.goes_back and reading.names_something):
        return None
    earlier = set(filter(None, focus_history(tracker)))
    if not earlier:
        return None
    found = await asyncio.to_thread(kb.search, reading.story, GOING_BACK_DEPTH)
    code = next((h.code for h in found.results if h.code in earlier), None)
    if code is None:
        # A few generic words ("cái giấy phép cho htx") rank hundreds of records first; among the procedures the
        # conversation was on, the one they name best is still meant.
        code = await asyncio.to_thread(kb.closest_of, reading.story, sorted(earlier))
    return kb.get(code) if code else None


def _variant_keeping_grade(refined: SearchResponse, focused: Procedure) -> SearchHit | None:
    """The variant of the focus that the focus's family name plus what happened finds first (None when search
    puts no variant first); of its variants, the one of the focus's own grade of works ("sửa chữa lại" after the
    house permit is the house's repair permit, not the level I works' one the words alone may rank above it)."""

    def is_variant(hit: SearchHit) -> bool:
        return hit.in_scope and hit.code != focused.code and variant_of(focused.name, hit.name)

    if not refined.results or not is_variant(top := refined.results[0]):
        return None
    grade = sib.procedure_grade(focused.name)
    if not grade or sib.procedure_grade(top.name) == grade:
        return top
    return next((h for h in refined.results if is_variant(h) and sib.procedure_grade(h.name) == grade), top)


def permanent_of_temporary(name: str, text: str) -> bool:
    """A question of the permanent kind ("lâu dài") about a temporary procedure ("… tạm …")."""
    return sib.procedure_temporary(name) and sib.question_cues(text).duration == sib.PERMANENT


@dataclass
class Resolution:
    procedure: Procedure | None = None
    confidence: float | None = None
    handled: bool = False  # the actions already answered (e.g. another agency's procedure)
    changed: bool = False  # the focus moved to a new procedure


async def resolve(kb: KnowledgeBase, tracker: Tracker, dispatcher: CollectingDispatcher, redirect) -> Resolution:
    """The procedure a turn is about. `redirect(dispatcher, hit)` answers another agency's procedure."""
    focus = tracker.get_slot("procedure_code")
    chosen = entity(tracker, "procedure_code")
    if chosen and (procedure := kb.get(chosen)) is not None:
        return Resolution(procedure, 1.0, changed=chosen != focus)
    text = tracker.latest_message.get("text") or ""
    focused = kb.get(focus) if focus else None
    if text.startswith("/"):  # a tapped button names nothing to search
        return Resolution(focused)
    reading = read(text)
    if (back := await went_back(kb, tracker, reading)) is not None:
        return Resolution(back, changed=back.code != focus)
    # Searched without the asks and the places ("còn làm hộ chiếu thì ở đâu" → "làm hộ chiếu"): they only
    # blur the score of what is named.
    asked = reading.story
    # "mất giấy đó thì sao": the paper in focus, whatever else its few words resemble.
    pointing = focused is not None and reading.points_back
    # Another agency's matter named by the directory ("còn sổ đỏ thì làm ở đâu"), before the few-words reading
    # below takes the message for a detail of the focus; the directory keeps it on the focus when what else it
    # says shares a word of its own with the focus ("đất chưa có sổ đỏ thì sao" after the house permit).
    if not pointing and (matter := await asyncio.to_thread(kb.other_agency, asked, focus)) is not None:
        redirect(dispatcher, matter)
        return Resolution(handled=True)
    if not reading.names_something:
        near = await relative(kb, reading.story, focused) if focused is not None else None
        procedure = kb.get(near.code) if near is not None else None
        return Resolution(procedure, near.score, changed=True) if procedure is not None else Resolution(focused)
    own = await asyncio.to_thread(kb.search, asked, 5)
    if focused is None:
        top = own.results[0] if own.results else None
        if own.confident and top is not None and top.in_scope and (procedure := kb.get(top.code)) is not None:
            return Resolution(procedure, top.score, changed=True)
    else:
        # Read with the focus's name: its own object named with what happened is no other object.
        happened = only_what_happened(text, focused.name, kb.name_words())
        if not pointing and not happened and coverage(asked, focused.name) == 1.0:
            # "phê duyệt mất bao lâu" after the expressway's traffic plan ("Phê duyệt phương án…"): every word it
            # names is the focus's own, so it names nothing else, whichever other name those words fit better.
            return Resolution(focused)
        refined = await asyncio.to_thread(kb.search, f"{family_for(focused.name, asked)} {asked}", 5)
        if happened:
            # Focus first: what happened to a paper, with no word naming another object than the focus's ("bị
            # hỏng thì sao", "bị mất giấy phép thì sao"), picks a variant of the focus or stays on it, however
            # sure search is of those words alone (another family's re-issue or renewal).
            r = _variant_keeping_grade(refined, focused)
            if r is not None and (procedure := kb.get(r.code)) is not None:
                return Resolution(earlier_sibling(kb, tracker, procedure, reading) or procedure, r.score, changed=True)
            return Resolution(focused)
        moved = _moved(own, refined, focused.code, new_topic=not pointing, focus_name=focused.name)
        if moved is None and not pointing and not (own.confident and own.results and own.results[0].in_scope):
            moved = await relative(kb, asked, focused)
        if moved is not None and (procedure := kb.get(moved.code)) is not None:
            return Resolution(earlier_sibling(kb, tracker, procedure, reading) or procedure, moved.score, changed=True)
    if (
        not (pointing or reading.tells_own_situation)
        and (other := clearly_other_agency(own, asked, kb.generic_words())) is not None
    ):
        redirect(dispatcher, other)
        return Resolution(handled=True)
    if focused is not None and (
        permanent_of_temporary(focused.name, asked)
        or (
            not pointing
            and prefers_elsewhere(own, focused)
            and own_words(asked, has_accents(asked))
            and coverage(asked, focused.name) < UNRELATED_COVERAGE
        )
    ):
        # It names something the focus is not ("còn đổi hộ chiếu thì sao", "còn đấu nối lâu dài" after the
        # temporary permit): searched as a question of its own, never answered for the focus.
        return Resolution()
    return Resolution(focused)


def prefers_elsewhere(own: SearchResponse, focused: Procedure) -> bool:
    """Search of the message alone puts something other than the focus first, and clearly (confident, or
    leading the rest): only then does a follow-up leave the focus (issue 26, item 3). Words search cannot place
    ("cần chuẩn bị tài liệu gì", "hay phải về Hà Nội") are the citizen's way of asking about the focus."""
    return bool(own.results) and (own.confident or own.leads) and all(h.code != focused.code for h in own.results)
