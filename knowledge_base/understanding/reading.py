"""A turn read once: what it names, what it asks, whether it points back or only tells where the citizen lives.

The focus resolution and the actions take their decisions on this reading instead of re-parsing the text; it is
a pure function of the text, so a repeated message (chat repeats itself) is read from the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from knowledge_base.search.question import reduce_question
from knowledge_base.understanding import wording


@dataclass(frozen=True)
class Reading:
    text: str
    story: str  # what the message names: no asks, places, offices or "còn … thì sao" around it
    topic_words: tuple[str, ...]  # the story's words that may name a procedure (accent-free)
    aspects: tuple[str, ...]  # what is asked (knowledge_base.search.question.ASPECTS), in answer order
    names_something: bool  # more than which aspect is asked: a procedure, a detail, what happened
    points_back: bool  # "giấy phép đó", "thủ tục này": the paper the previous turn named
    goes_back: bool  # "quay lại …", "… lúc nãy": a procedure the conversation was on before
    only_a_place: bool  # where the citizen or their works are, and nothing else
    mentions_ha_giang: bool  # the former province: the answer adds the merger note
    tells_own_situation: bool  # "công ty tôi mới thành lập": the citizen's case, asking for nothing


@lru_cache(maxsize=4096)
def read(text: str) -> Reading:
    return Reading(
        text=text,
        story=wording.story(text),
        topic_words=tuple(wording.topic_words(text)),
        aspects=tuple(reduce_question(text).aspects),
        names_something=wording.names_something(text),
        points_back=wording.points_back(text),
        goes_back=wording.goes_back(text),
        only_a_place=wording.only_a_place(text),
        mentions_ha_giang=wording.mentions_ha_giang(text),
        tells_own_situation=wording.tells_own_situation(text),
    )
