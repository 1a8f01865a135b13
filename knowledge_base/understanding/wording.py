"""What a citizen's message says: its story (what it names, without the asks, places and framing), the words
that may name a procedure, how much of a procedure's name those words hold, and the words pointing back.

Pure functions of the text, shared by the focus resolution and the actions that guard against misread intents;
every word list and pattern they use is in words.yml, written once with why.
"""

from __future__ import annotations

import re

from knowledge_base.search import siblings as sib
from knowledge_base.search.question import reduce_question
from knowledge_base.text import fold, has_accents, nfc, words
from knowledge_base.understanding.words import pattern, word_set

ASPECT_WORDS = word_set("aspect_words")
ASPECT_WORDS_ACCENTED = word_set("aspect_words_accented")
GENERIC_WORDS = word_set("generic_words")
VARIANT_WORDS = word_set("variant_words")
_AROUND_PLACE = word_set("around_place")
_POINTING = word_set("pointing")
HA_GIANG = pattern("ha_giang")
PLACES = pattern("places")
FRAME = pattern("frame")
SITUATION = pattern("situation")
_VARIANT_ACTS = pattern("variant_acts")
_ABOUT_ME = pattern("about_me")
_ASKING = pattern("asking")
_POINTS_BACK = pattern("points_back")
_GOING_BACK = pattern("going_back")
_EARLIER = pattern("earlier")


def _cut(text: str, regex: re.Pattern) -> str:
    # fold() keeps one character per character, so spans found in the folded text line up with the original.
    text = nfc(text)
    for match in reversed(list(regex.finditer(fold(text)))):
        text = text[: match.start()] + " " + text[match.end() :]
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


def only_a_place(text: str) -> bool:
    """The message says where the citizen or their works are, and nothing else a procedure could be named by."""
    return mentions_place(text) and all(w in _AROUND_PLACE | GENERIC_WORDS for w in topic_words(text))


def mentions_ha_giang(text: str) -> bool:
    return bool(HA_GIANG.search(fold(text)))


def only_what_happened(text: str, focus_name: str = "", object_words: frozenset[str] | None = None) -> bool:
    """The message says only what happened to a paper ("bị hỏng thì sao", "cái cũ hết hạn rồi") or which act
    it wants done to it ("gia hạn cái cũ"): no word of its own names an object — or only the object of the
    procedure in focus, whose name is `focus_name` ("bị mất giấy phép thì sao" after a permit) — so it can only
    pick a variant of the procedure in focus, never another procedure. `object_words`: the folded words of every
    procedure's name, when the caller has them; a word in none of them names no procedure's object ("bị chuột cắn
    rách một góc": how it happened)."""
    asked = story(text)
    folded = fold(asked)
    # The variant cues of search (siblings.py: "rách nát", "làm lại", "thất lạc"...) count as what happened too:
    # one definition of which variant a message says.
    variants = sib.question_cues(asked).actions - {sib.NEW}
    if not (SITUATION.search(folded) or _VARIANT_ACTS.search(folded) or variants):
        return False
    said = sib.cue_words(asked, variants)
    left = _cut(_cut(asked, SITUATION), _VARIANT_ACTS)
    focus_words = set(words(fold(focus_name)))
    return not [
        w
        for w in own_words(left, False)
        if w not in _POINTING and w not in said and w not in focus_words and (object_words is None or w in object_words)
    ]


def own_words(text: str, accented: bool) -> list[str]:
    tokens = words(nfc(text).lower()) if accented else words(fold(text))
    return [t for t in tokens if fold(t) not in ASPECT_WORDS | GENERIC_WORDS and not t.isdigit()]


def coverage(question: str, name: str) -> float:
    """Share of the question's own words that a procedure's name holds. Accents count when the citizen typed
    them: folded, "tầng" would be "tặng" and a house question would match an award."""
    accented = has_accents(question)
    asked = set(own_words(question, accented))
    named = set(words(nfc(name).lower()) if accented else words(fold(name)))
    return len(asked & named) / len(asked) if asked else 0.0


def tells_own_situation(text: str) -> bool:
    folded = fold(text)
    return bool(_ABOUT_ME.search(folded)) and not _ASKING.search(folded)


def points_back(text: str) -> bool:
    return bool(_POINTS_BACK.search(fold(text)))


def without_pointer(text: str) -> str:
    """`text` without its "đó"/"này": searched with what it points at, the pointer only blurs the score."""
    text = nfc(text)
    for match in reversed(list(_POINTS_BACK.finditer(fold(text)))):
        text = text[: match.start(1)] + text[match.end(1) :]
    return " ".join(text.split())


def goes_back(text: str) -> bool:
    """The message points at a procedure the conversation was on before ("quay lại …", "… lúc nãy")."""
    folded = fold(text)
    return bool(_GOING_BACK.search(folded) or _EARLIER.search(folded))
