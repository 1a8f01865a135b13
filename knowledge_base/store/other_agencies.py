"""The directory of other agencies' matters (other_agencies.yml): which agency a life event belongs to, and the
cue phrases that name it. What the directory says is data; this module reads, validates and matches it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from knowledge_base.text import fold, words

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
    _by_first_word: dict | None = PrivateAttr(default=None)
    _generic: frozenset[str] | None = PrivateAttr(default=None)

    def folded_generic_words(self) -> frozenset[str]:
        if self._generic is None:
            self._generic = frozenset(fold(w) for w in self.generic_words)
        return self._generic

    def cues_by_first_word(self) -> dict[str, list[tuple[int, int, list[str], list[str]]]]:
        """Each cue's words (as written and folded) under its first folded word, made once per load."""
        if self._by_first_word is None:
            index: dict[str, list] = {}
            for m, matter in enumerate(self.matters):
                for c, cue in enumerate(matter.cues):
                    want = _tokens(cue)
                    if want:
                        index.setdefault(fold(want[0]), []).append((m, c, want, [fold(w) for w in want]))
            self._by_first_word = index
        return self._by_first_word


def problems(directory: Directory, catalogue_codes: set[str]) -> list[tuple[tuple, str]]:
    """(location, what is wrong) for what the schema cannot check: duplicate keys, cues made only of generic
    words (a redirect must never rest on one, issue 26), codes the catalogue does not hold."""
    generic = directory.folded_generic_words()
    found: list[tuple[tuple, str]] = []
    seen: set[str] = set()
    for i, matter in enumerate(directory.matters):
        if matter.key in seen:
            found.append((("matters", i, "key"), f"duplicate key {matter.key!r}"))
        seen.add(matter.key)
        for j, cue in enumerate(matter.cues):
            if not set(words(fold(cue))) - generic:
                found.append(
                    (
                        ("matters", i, "cues", j),
                        f"cue {cue!r} is only generic words; expected a phrase that names the matter",
                    )
                )
        for j, code in enumerate(matter.codes):
            if code not in catalogue_codes:
                found.append(
                    (
                        ("matters", i, "codes", j),
                        f"code {code} is not in catalogue.jsonl; expected another agency's national code",
                    )
                )
    return found


@dataclass(frozen=True)
class Match:
    matter: Matter
    cue: str
    start: int  # word span of the cue in the message
    end: int


def _tokens(text: str) -> list[str]:
    return words(unicodedata.normalize("NFC", text).lower())


def find(directory: Directory, text: str) -> Match | None:
    """The matter whose longest cue the message holds (as whole words), or None; between cues of one length,
    the first in the file. A word typed with accents must match the cue's accents ("thuê" rent is not "thuế"
    tax); one typed without them matches any accents."""
    typed = _tokens(text)
    folded = [fold(t) for t in typed]
    found: list[tuple[int, int, int, int]] = []  # (-length, matter, cue, start): the smallest wins
    for start, word in enumerate(folded):
        # Only the cues that can start here: search runs this for every message, over every cue.
        for m, c, want, want_folded in directory.cues_by_first_word().get(word, ()):
            end = start + len(want)
            if end <= len(typed) and all(
                typed[start + k] == want[k]
                or (folded[start + k] == typed[start + k] and folded[start + k] == want_folded[k])
                for k in range(len(want))
            ):
                found.append((-len(want), m, c, start))
    if not found:
        return None
    length, m, c, start = min(found)
    matter = directory.matters[m]
    return Match(matter, matter.cues[c], start, start - length)


def specific_words(matched: list[str], generic: frozenset[str]) -> set[str]:
    """Of the words search matched, the single ones (its word pairs only repeat them) that are not `generic`:
    what can name a matter or a procedure on its own."""
    return {w for w in matched if " " not in w} - generic


def without_cue(text: str, match: Match) -> str:
    """The message with the cue's words taken out: what else it asks about."""
    typed = _tokens(text)
    return " ".join(typed[: match.start] + typed[match.end :])
