"""The key that signs widget session ids: configured, or generated once and kept in a file.

A new key at every start would turn every visitor's stored session into a forged-looking one, so the history
kept in the database would be unreachable after a restart.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from bot.gateway.files import write_atomic

logger = logging.getLogger("bot.gateway.channels.widget")
MIN_CHARS = 32


def session_secret(configured: str, path: Path) -> str:
    if configured:
        return configured
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = ""
    if len(kept) >= MIN_CHARS:
        return kept
    secret = secrets.token_urlsafe(32)
    write_atomic(path, secret + "\n", mode=0o600)
    logger.info("widget session secret generated and kept in %s", path)
    return secret
