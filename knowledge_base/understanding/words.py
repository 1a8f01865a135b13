"""The word lists and patterns of understanding (words.yml beside this module), loaded once at import.

A malformed entry stops the process with the file, the entry and what was expected: a word list the dialogue
silently lost would change answers without anyone seeing why.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

WORDS_FILE = Path(__file__).with_name("words.yml")


class WordsError(ValueError):
    pass


@lru_cache(maxsize=1)
def _loaded() -> dict:
    try:
        data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:  # its message gives the line and column
        raise WordsError(f"{WORDS_FILE}: not readable YAML: {error}") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("sets"), dict)
        or not isinstance(data.get("patterns"), dict)
    ):
        raise WordsError(f"{WORDS_FILE}: needs two mappings, 'sets' and 'patterns'")
    return data


def _entry(kind: str, name: str, field: str) -> str:
    entry = _loaded()[kind].get(name)
    if not isinstance(entry, dict) or not entry.get("why") or not isinstance(entry.get(field), str):
        raise WordsError(f"{WORDS_FILE}: {kind}.{name}: needs 'why' and '{field}' (a string)")
    return entry[field]


def word_set(name: str) -> frozenset[str]:
    """The set ``sets.<name>``: its words, separated by spaces."""
    return frozenset(_entry("sets", name, "words").split())


def pattern(name: str) -> re.Pattern:
    """The compiled ``patterns.<name>``."""
    text = _entry("patterns", name, "pattern")
    try:
        return re.compile(text)
    except re.error as error:
        raise WordsError(f"{WORDS_FILE}: patterns.{name}: not a valid regular expression: {error}") from None
