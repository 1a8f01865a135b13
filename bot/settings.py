"""Settings of the gateway and the run command, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"setting {name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    rasa_token: str = ""
    actions_host: str = "127.0.0.1"
    actions_port: int = 5055
    max_text_chars: int = 4000
    rasa_timeout_s: float = 30.0

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.actions_host}:{self.actions_port}"

    @property
    def public_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            host=os.environ.get("BOT_HOST", "127.0.0.1"),
            port=_int("BOT_PORT", 8000),
            rasa_host=os.environ.get("RASA_HOST", "127.0.0.1"),
            rasa_port=_int("RASA_PORT", 5005),
            rasa_token=os.environ.get("RASA_AUTH_TOKEN", ""),
            actions_host=os.environ.get("ACTIONS_HOST", "127.0.0.1"),
            actions_port=_int("ACTIONS_PORT", 5055),
            max_text_chars=_int("BOT_MAX_TEXT_CHARS", 4000),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
