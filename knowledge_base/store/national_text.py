"""Small text helpers for the national records' flattened tables."""

from __future__ import annotations

import re
import unicodedata

NO_INFO = "Không có thông tin"
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def clean(text: str | None, keep_lines: bool = False) -> str:
    """NFC, collapsed spaces; line breaks survive only where they carry structure (steps, notes)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if keep_lines:
        return _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip()
    return re.sub(r"\s+", " ", text).strip()


def split_outside_parens(text: str, sep: str) -> list[str]:
    """Split on ``sep`` except inside brackets: "Tổ chức (không bao gồm doanh nghiệp, HTX)" is one item."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def take_parenthesised(text: str) -> tuple[str, str]:
    """Split a leading balanced "(...)" off ``text``; unbalanced brackets take the rest of the text."""
    if not text.startswith("("):
        return "", text
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[: i + 1], text[i + 1 :]
    return text, ""
