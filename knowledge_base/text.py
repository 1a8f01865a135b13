"""Vietnamese text normalisation, the one place every component (channels, indexer, queries) uses."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    """NFC with collapsed whitespace: citizens' keyboards produce both composed and decomposed accents."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics ("Xây dựng" -> "Xay dung"); đ/Đ are letters of their own, not accents."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def fold(text: str) -> str:
    """Lower-case, accent-free form used for accent-insensitive matching."""
    return strip_accents(nfc(text)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(text)
