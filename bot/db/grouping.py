"""When two citizen questions are "the same question" for the review queue."""

from __future__ import annotations

from difflib import SequenceMatcher

from knowledge_base.text import fold, normalise_grades, words

KEY_MAX = 500
# Tuned on paraphrases that differ by a typo, an accent or a particle ("ạ", "với"): those group together,
# while questions about different procedures ("cấp phép xây nhà" vs "cấp phép sửa nhà") stay apart.
SIMILAR_RATIO = 0.9
SIMILAR_TOKENS = 0.8
FILLERS = frozenset({"a", "ah", "nhe", "nha", "voi", "oi", "the", "vay", "ad", "admin", "cho", "hoi", "em", "minh",
                     "toi", "anh", "chi", "ban", "shop", "xin", "chao", "ko", "khong", "k"})


def group_key(text: str) -> str:
    """Accent-, case- and punctuation-free form of a (masked) question."""
    return " ".join(normalise_grades(words(fold(text))))[:KEY_MAX]


def _content(key: str) -> set[str]:
    tokens = key.split()
    kept = {t for t in tokens if t not in FILLERS}
    return kept or set(tokens)


def similar(key_a: str, key_b: str) -> bool:
    if key_a == key_b:
        return True
    if not key_a or not key_b:
        return False
    a, b = _content(key_a), _content(key_b)
    if {t for t in a if t.isdigit()} != {t for t in b if t.isdigit()}:
        return False  # "hạng 2" and "hạng 3", "cấp II" and "cấp III" are different questions
    if a == b:
        return True
    if len(a | b) >= 3 and len(a & b) / len(a | b) >= SIMILAR_TOKENS:
        return True
    return SequenceMatcher(None, key_a, key_b, autojunk=False).ratio() >= SIMILAR_RATIO
