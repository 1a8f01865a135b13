"""What a typed reply picks among offered options ("trường hợp hai", "cái thứ 3", "nhà ở riêng lẻ"), and the
yes, no and walkthrough words of a short reply ("ừ", "thôi", "tiếp theo"), with or without accents.

One parser for every place a citizen chooses (a document case, one of several procedures, a button): the
gateway uses it on the titles of the buttons it just sent, the actions on a procedure's case titles.
"""

from __future__ import annotations

import re

from knowledge_base.search import siblings as sib
from knowledge_base.text import fold, has_accents, nfc, words

# Spelled-out numbers citizens type for an option. "sáu" folds to "sau" (= "after"), so spelled numbers only
# count after a marker ("trường hợp sáu", "cái thứ sáu"); digits count alone.
NUMBER_WORDS = {
    "mot": 1,
    "nhat": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}
_MARKER = r"(?:truong hop|th|cai|thu|so|loai|muc|lua chon|phuong an|y|option)"
_MARKED = re.compile(rf"\b{_MARKER}(?:\s+(?:thu|so))?\s*(\d{{1,2}}|{'|'.join(NUMBER_WORDS)})\b")
_FIRST = re.compile(rf"\b(?:{_MARKER}\s+)?dau tien\b|\bcai dau\b")
_LAST = re.compile(rf"\b(?:{_MARKER}\s+)?cuoi(?: cung)?\b")
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
GRADE_WORDS = {"cap", "hang", "loai"}
# Words that carry no choice: fillers, particles, and the shared frame of case titles ("Đối với công trình").
FILLER = set(
    """
truong hop th cai thu so loai muc chon lua la cua toi minh em anh chi a ah oi nhe voi thi o
doi voi cho ve va cac hoac nhung mot tai tu trong nay do kia day thuoc hop dung roi
""".split()
)


def ordinal(text: str, count: int) -> int | None:
    """0-based index of the option a reply names by position, or None. `count` options were offered."""
    folded = fold(text)
    if (match := _MARKED.search(folded)) is not None:
        value = match.group(1)
        number = int(value) if value.isdigit() else NUMBER_WORDS[value]
    elif (bare := [w for w in words(folded) if w not in FILLER]) and len(bare) == 1 and bare[0].isdigit():
        number = int(bare[0])
    elif _FIRST.search(folded):
        number = 1
    elif _LAST.search(folded):
        number = count
    else:
        return None
    return number - 1 if 1 <= number <= count else None


def _content(text: str, accented: bool = False) -> list[str]:
    # With accents kept "lệ" (phí) and "lẻ" (riêng lẻ) differ; a reply typed without accents is matched folded.
    tokens = words(nfc(text).lower()) if accented else words(fold(text))
    found = []
    for i, w in enumerate(tokens):
        # The grade of a work tells siblings apart: "cấp II", "cấp 2" and "cấp đặc biệt, I, II" say the same.
        if w in ROMAN or (w.isdigit() and i and fold(tokens[i - 1]) in GRADE_WORDS):
            found.append(f"grade{ROMAN.get(w, w)}")
        elif fold(w) not in FILLER and not w.isdigit():
            found.append(w)
    return found


def _bigrams(tokens: list[str]) -> set[str]:
    return {f"{a} {b}" for a, b in zip(tokens, tokens[1:])}


def variant_choice(text: str, titles: list[str]) -> int | None:
    """Index of the one procedure title of the variant the reply tells ("bị rách rồi, xin làm lại" → the
    "Cấp lại …" among a grant and its re-issue), or None when the reply tells none or several titles fit.

    A reply to "which procedure?" often says what happened instead of naming an option; its words ("rách",
    "mất") are in no title, but the variant they mean is in exactly one."""
    asked = sib.question_cues(text).actions
    if not asked:
        return None
    fitting = [i for i, title in enumerate(titles) if sib.procedure_actions(title) & asked]
    return fitting[0] if len(fitting) == 1 else None


def first_holding(text: str, titles: list[str]) -> int | None:
    """Index of the first title that holds every word of the reply, when more than one does; else None.

    For options ranked by search (a did-you-mean list): search has already weighed the question's own words
    ("xin cấp lại"), so a reply that several titles fit ("đường bộ") means the best ranked of them, not the
    shortest title, which is what :func:`match_title` would prefer."""
    accented = has_accents(text)
    reply = set(_content(text, accented))
    holding = [i for i, title in enumerate(titles) if reply and reply <= set(_content(title, accented))]
    return holding[0] if len(holding) > 1 else None


def match_title(text: str, titles: list[str], *, min_coverage: float = 0.5, reply_coverage: float = 0.0) -> int | None:
    """Index of the one title a reply describes by its words, or None when none or several fit.

    Only the words that set a title apart from the others count (every case of 1.013225 starts "Đối với công
    trình"). A title wins on the share of its own words the reply uses, then on how many; a word that only one
    title has ("nhà") is enough to pick it. `reply_coverage` is the share of the reply's own words the title
    must hold, so that a new question which happens to name a case word is not taken for a choice.
    """
    if len(titles) < 1:
        return None
    accented = has_accents(text)
    token_lists = [_content(t, accented) for t in titles]
    shared = set.intersection(*(set(t) for t in token_lists)) if len(titles) > 1 else set()
    reply = _content(text, accented)
    reply_set, reply_pairs = set(reply), _bigrams(reply)
    scores = []
    for tokens in token_lists:
        own = [t for t in tokens if t not in shared]
        own_set = set(own)
        if not own_set:
            scores.append((0.0, 0))
            continue
        hits = own_set & reply_set
        # A matched pair ("tôn giáo") outweighs a lone shared syllable ("giáo" of "ngoại giao").
        pairs = len(_bigrams(own) & reply_pairs)
        scores.append((len(hits) / len(own_set) + pairs, len(hits)))
    unique = {}
    for index, tokens in enumerate(token_lists):
        for word in set(tokens) - shared:
            unique.setdefault(word, set()).add(index)
    best = max(range(len(titles)), key=lambda i: scores[i])
    if scores[best][1] == 0:
        return None
    ties = [i for i in range(len(titles)) if scores[i] == scores[best]]
    if len(ties) > 1:
        return None
    if reply_set and len(reply_set & set(token_lists[best])) / len(reply_set) < reply_coverage:
        return None
    # Two-letter syllables collide once folded ("lẻ", "lệ"): a lone word must be longer to decide alone.
    singular = any(unique[w] == {best} for w in reply_set if w in unique and len(w) > 2)
    return best if scores[best][0] >= min_coverage or singular else None


# --- yes, no and walkthrough words ---
YES = {
    "ok",
    "oke",
    "okay",
    "okie",
    "oki",
    "okela",
    "uh",
    "u",
    "um",
    "uhm",
    "ung",
    "co",
    "vang",
    "da",
    "duoc",
    "dc",
    "yes",
    "y",
    "muon",
    "roi",
    "chuan",
    "nhat",
    "tat",
    "nhien",
    "chac",
    "chan",
    "dong",
    "yy",
    "yep",
}
NO = {"khong", "ko", "k", "kg", "hong", "hok", "khg", "thoi", "chua", "khoi", "no", "nope", "sau"}
# Words around a yes or a no that change nothing: "ừ, hướng dẫn tôi đi", "dạ thôi ạ", "không cần đâu".
REPLY_FILLER = {
    "toi",
    "minh",
    "em",
    "anh",
    "chi",
    "ban",
    "a",
    "ah",
    "nhe",
    "nha",
    "di",
    "voi",
    "giup",
    "cho",
    "oi",
    "vay",
    "the",
    "ha",
    "luon",
    "ngay",
    "can",
    "cam",
    "on",
    "dau",
    "de",
    "lam",
    "xem",
    "nao",
    "thanks",
    "thank",
    "cac",
    "nhe",
    "ak",
    "nua",
    "lai",
    "bay",
    "gio",
    "hi",
    "hihi",
    "vs",
}
NAV = {
    "next": {
        "tiep",
        "tiep theo",
        "tiep tuc",
        "buoc tiep",
        "buoc tiep theo",
        "buoc sau",
        "buoc ke",
        "next",
        "sang buoc tiep",
        "qua buoc tiep",
        "tiep nao",
        "roi tiep",
        "xong buoc nay",
    },
    "back": {
        "quay lai",
        "lai buoc truoc",
        "buoc truoc",
        "tro lai",
        "lui",
        "lui lai",
        "back",
        "xem lai buoc truoc",
        "quay lai buoc truoc",
        "buoc truoc do",
        "tro ve",
        "quay ve",
    },
    "done": {
        "xong",
        "dung",
        "dung lai",
        "thoat",
        "ket thuc",
        "thoi",
        "stop",
        "huy",
        "du roi",
        "khong can nua",
        "thoat ra",
        "ket thuc huong dan",
        "dung huong dan",
        "thoi khong can",
        "het",
    },
}
# "ok tiếp", "tiếp đi", "xong rồi": words a nav phrase may carry.
NAV_FILLER = {"ok", "oke", "da", "vang", "u", "roi", "di", "a", "nhe", "nha", "toi", "minh", "em", "oi", "nao"}


def navigation(tokens: list[str]) -> str | None:
    """The one way a reply moves ("thôi dừng lại" = done twice over), or None when it says anything else."""
    rest = " ".join(t for t in tokens if t not in NAV_FILLER) or " ".join(tokens)
    found = set()
    for nav, phrase in sorted(((n, p) for n, ps in NAV.items() for p in ps), key=lambda item: -len(item[1])):
        pattern = re.compile(rf"(?:^| ){re.escape(phrase)}(?= |$)")
        if pattern.search(rest):
            found.add(nav)
            rest = pattern.sub(" ", rest).strip()
    return found.pop() if len(found) == 1 and not rest else None


def yes_no(tokens: list[str], yes_words: set[str] | frozenset[str] = frozenset()) -> bool | None:
    """True for a yes, False for a no, None when the reply says more than either."""
    known = YES | NO | REPLY_FILLER | yes_words
    # Letters typed twice for warmth ("okee", "vangg", "uhhh") say the same.
    tokens = [t if t in known else re.sub(r"(.)\1+", r"\1", t) for t in tokens]
    if not tokens or any(t not in known for t in tokens):
        return None
    if any(t in NO for t in tokens):
        return False
    return True


def acknowledgement(text: str) -> bool:
    """A bare yes, no or walkthrough word ("ok", "thôi", "tiếp"), said with nothing open to apply it to."""
    tokens = words(fold(text))
    # "không cần hướng dẫn", "ok kiểm tra": the words of an offer the citizen thinks was made
    return yes_no(tokens, _OFFERED) is not None or navigation(tokens) is not None


_OFFERED = frozenset("huong dan tung buoc kiem tra giay to".split())
