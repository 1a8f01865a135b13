"""The directory of other agencies' matters (other_agencies.yml): which agency a life event belongs to, and the
cue phrases that name it. What the directory says is data; this module reads, validates and matches it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge_base.text import fold, has_accents, words

FILE = "other_agencies.yml"


class Matter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(pattern=r"^[a-z_]+$")
    agency: str = Field(min_length=3)
    description: str = Field(min_length=3)
    codes: list[str] = Field(default_factory=list)
    cues: list[str] = Field(min_length=1)
    why: str = Field(min_length=3)

    @field_validator("codes")
    @classmethod
    def _codes(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not code.replace(".", "").isdigit():
                raise ValueError(f"expected a national procedure code like 1.001193, got {code!r}")
        return codes


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    generic_words: list[str] = Field(default_factory=list)
    matters: list[Matter] = Field(default_factory=list)



def problems(directory: Directory, catalogue_codes: set[str]) -> list[tuple[tuple, str]]:
    """(location, what is wrong) for what the schema cannot check: duplicate keys, cues made only of generic
    words (a redirect must never rest on one, issue 26), codes the catalogue does not hold."""
    generic = {fold(w) for w in directory.generic_words}
    found: list[tuple[tuple, str]] = []
    seen: set[str] = set()
    for i, matter in enumerate(directory.matters):
        if matter.key in seen:
            found.append((("matters", i, "key"), f"duplicate key {matter.key!r}"))
        seen.add(matter.key)
        for j, cue in enumerate(matter.cues):
            if not set(words(fold(cue))) - generic:
                found.append((("matters", i, "cues", j),
                              f"cue {cue!r} is only generic words; expected a phrase that names the matter"))
        for j, code in enumerate(matter.codes):
            if code not in catalogue_codes:
                found.append((("matters", i, "codes", j),
                              f"code {code} is not in catalogue.jsonl; expected another agency's national code"))
    return found


@dataclass(frozen=True)
class Match:
    matter: Matter
    cue: str
    start: int  # word span of the cue in the message
    end: int


def _tokens(text: str) -> list[str]:
    return words(unicodedata.normalize("NFC", text).lower())


def _same(typed: str, cue_word: str) -> bool:
    # A word typed with accents must match the cue's accents ("thuê" rent is not "thuế" tax); one typed without
    # them matches any accents.
    return typed == cue_word or (not has_accents(typed) and fold(typed) == fold(cue_word))


def find(directory: Directory, text: str) -> Match | None:
    """The matter whose longest cue the message holds (as whole words), or None."""
    typed = _tokens(text)
    best: Match | None = None
    for matter in directory.matters:
        for cue in matter.cues:
            want = _tokens(cue)
            n = len(want)
            for start in range(len(typed) - n + 1):
                if all(_same(typed[start + k], want[k]) for k in range(n)):
                    if best is None or n > best.end - best.start:
                        best = Match(matter, cue, start, start + n)
                    break
    return best


def without_cue(text: str, match: Match) -> str:
    """The message with the cue's words taken out: what else it asks about."""
    typed = _tokens(text)
    return " ".join(typed[:match.start] + typed[match.end:])
