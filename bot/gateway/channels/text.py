"""Splitting replies to a channel's message size limit, on paragraph boundaries where possible."""

from __future__ import annotations

from collections.abc import Callable

_SEPARATORS = ("\n\n", "\n", " ")


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Chunks of `text` each measuring at most `limit`, cut at the coarsest boundary that fits.

    `measure` is how the channel counts (e.g. length after HTML escaping); the chunks are raw text.
    """
    text = text.strip()
    if not text:
        return []
    if measure(text) <= limit:
        return [text]
    for separator in _SEPARATORS:
        pieces = text.split(separator)
        if len(pieces) == 1:
            continue
        chunks, current = [], ""
        for piece in pieces:
            candidate = f"{current}{separator}{piece}" if current else piece
            if measure(candidate) <= limit:
                current = candidate
                continue
            if current:
                chunks.append(current)
            current = piece
        chunks.append(current)
        # A piece still too long (one huge paragraph) is split further at a finer boundary.
        return [c for chunk in chunks for c in split_text(chunk, limit, measure)]
    return _hard_split(text, limit, measure)


def _hard_split(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    chunks, start = [], 0
    while start < len(text):
        end = min(len(text), start + limit)
        while end > start + 1 and measure(text[start:end]) > limit:
            end -= 1
        chunks.append(text[start:end])
        start = end
    return chunks
