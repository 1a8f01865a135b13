"""Settings of the gateway and the run command, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from bot.client_address import trusted_networks


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"setting {name} must be a whole number, got {raw!r}") from None


def _proxies(raw: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in raw.split(",") if part.strip())
    try:
        trusted_networks(items)
    except ValueError as exc:
        raise SystemExit(f"setting BOT_TRUSTED_PROXIES: {exc}") from None
    return items


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
    # Largest request body any route accepts; refused with 413 before it is read.
    max_body_bytes: int = 64 * 1024
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks).
    trusted_proxies: tuple[str, ...] = ()
    # /api/chat per client address and minute; an integration presenting the token gets its own, larger limit.
    api_rate_per_address: int = 60
    api_integration_token: str = ""
    api_integration_rate: int = 600

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
            max_body_bytes=_int("BOT_MAX_BODY_BYTES", 64 * 1024),
            trusted_proxies=_proxies(os.environ.get("BOT_TRUSTED_PROXIES", "")),
            api_rate_per_address=_int("API_RATE_PER_ADDRESS", 60),
            api_integration_token=os.environ.get("API_INTEGRATION_TOKEN", "").strip(),
            api_integration_rate=_int("API_INTEGRATION_RATE", 600),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
