"""The one clean-up of every text that comes in from outside (citizens' messages, widget titles, staff input).

Valid JSON can carry a lone UTF-16 surrogate ("\\ud800"): Python keeps it in a str, but nothing can encode it,
and the action server crashed on it. Control characters and bidirectional overrides have no place in a
question and can disguise text shown to staff.
"""

from __future__ import annotations

import unicodedata

from knowledge_base.text import nfc

# Characters that reorder how text is displayed (U+202A-U+202E, U+2066-U+2069).
_BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_WHITESPACE_CONTROLS = frozenset("\t\n\r\v\f")


def _kept(ch: str) -> str:
    if ch in _WHITESPACE_CONTROLS:
        return " "
    category = unicodedata.category(ch)
    if category in ("Cs", "Cc") or ch in _BIDI_CONTROLS:
        return ""
    code = ord(ch)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:  # Unicode noncharacters
        return ""
    return ch


def sanitise(text: str) -> str:
    """Without surrogates, control characters, noncharacters and bidi overrides; NFC, whitespace collapsed."""
    if text.isascii() and text.isprintable():
        return nfc(text)  # the common case, without a per-character pass
    return nfc("".join(_kept(ch) for ch in text))
