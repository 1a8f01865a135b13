"""When two citizen questions are "the same question" for the review queue: when they have the same key.

The key is the set of content words, accent- and case-free, in a fixed order: paraphrases that differ by an
accent, a particle ("ạ", "với"), punctuation or word order share it, while questions about different
procedures ("cấp phép xây nhà" vs "cấp phép sửa nhà") or grades ("hạng 2" vs "hạng 3") do not. Grouping is
then one indexed lookup per turn, whatever the size of the queue.
"""

from __future__ import annotations

from knowledge_base.text import fold, normalise_grades, words

KEY_MAX = 500
FILLERS = frozenset(
    {
        "a",
        "ah",
        "nhe",
        "nha",
        "voi",
        "oi",
        "the",
        "vay",
        "ad",
        "admin",
        "cho",
        "hoi",
        "em",
        "minh",
        "toi",
        "anh",
        "chi",
        "ban",
        "shop",
        "xin",
        "chao",
        "ko",
        "khong",
        "k",
    }
)


def group_key(text: str) -> str:
    tokens = normalise_grades(words(fold(text)))
    content = {t for t in tokens if t not in FILLERS} or set(tokens)
    return " ".join(sorted(content))[:KEY_MAX]
