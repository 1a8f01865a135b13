"""What every channel's text becomes before anything else sees it: sanitised, then masked."""

from __future__ import annotations

from bot.gateway.conversation.masking import Masked, mask
from bot.gateway.conversation.sanitise import sanitise


def clean_citizen_text(text: str) -> Masked:
    return mask(sanitise(text))
