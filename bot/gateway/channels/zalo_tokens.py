"""Zalo OA access and refresh tokens, kept in one file written atomically.

A refresh token works once: the pair Zalo returns must reach disk before it is used, or a crash at the wrong
moment would leave us holding a spent refresh token and the OA would need to be authorised again by hand.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.gateway.files import write_atomic

logger = logging.getLogger("bot.gateway.channels.zalo")


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float = 0.0  # epoch seconds; 0 = unknown (tokens given by environment)


def _fingerprint(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


class TokenStore:
    def __init__(self, path: Path, from_env: Tokens) -> None:
        self.path = path
        self._from_env = from_env

    def load(self) -> Tokens:
        """The stored pair, unless the environment now holds a different refresh token (the OA was re-authorised)."""
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            tokens = Tokens(
                str(stored["access_token"]), str(stored["refresh_token"]), float(stored.get("expires_at") or 0)
            )
        except FileNotFoundError:
            return self._from_env
        except (ValueError, KeyError, TypeError) as exc:
            logger.error("Zalo token file %s is unreadable (%s); using the environment's tokens", self.path, exc)
            return self._from_env
        env_refresh = self._from_env.refresh_token
        if env_refresh and stored.get("seeded_from") != _fingerprint(env_refresh):
            return self._from_env
        return tokens

    def save(self, tokens: Tokens) -> None:
        record = {
            **asdict(tokens),
            "seeded_from": _fingerprint(self._from_env.refresh_token) if self._from_env.refresh_token else None,
        }
        write_atomic(self.path, json.dumps(record), mode=0o600)
