"""Channel settings, read from the environment when the gateway starts (documented in docs/channels.md, "Settings")."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    api_url: str = "https://api.telegram.org"
    webhook_url: str = ""       # set: webhook mode; unset: long polling
    webhook_secret: str = ""    # unset in webhook mode: a random one is generated at each start

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class ZaloSettings:
    app_id: str = ""
    oa_secret_key: str = ""     # signs webhook events (X-ZEvent-Signature)
    app_secret: str = ""        # authenticates token refreshes
    access_token: str = ""
    refresh_token: str = ""
    api_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"
    token_file: Path = ROOT / "var" / "zalo-tokens.json"

    @property
    def enabled(self) -> bool:
        return bool(self.app_id and self.oa_secret_key and (self.access_token or self.refresh_token
                                                               or self.token_file.exists()))


@dataclass(frozen=True)
class WidgetSettings:
    # Origins of pages allowed to embed the widget besides the gateway's own; "*" allows any.
    allowed_origins: tuple[str, ...] = ()
    # Signs session ids; unset: generated once and kept in session_secret_file, so sessions outlive a restart.
    session_secret: str = ""
    session_secret_file: Path = ROOT / "var" / "widget-session-secret"


@dataclass(frozen=True)
class ReminderSettings:
    """Reminders to finish filing online, offered on Telegram and Zalo (bot/reminders, docs/channels.md)."""
    enabled: bool = True
    # Seconds from "yes" to the reminder; 0: the next working morning (8:00 Vietnam time, Monday to Friday).
    delay_s: float = 0.0
    # Share of eligible citizens left without the offer, to measure what the reminders change.
    holdout: float = 0.2


def _float(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(_env(name, str(default)))
    except ValueError:
        raise ValueError(f"{name} must be a number") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}")
    return value


@dataclass(frozen=True)
class ChannelSettings:
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    zalo: ZaloSettings = field(default_factory=ZaloSettings)
    widget: WidgetSettings = field(default_factory=WidgetSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)

    @classmethod
    def from_env(cls) -> "ChannelSettings":
        origins = tuple(o.strip().rstrip("/") for o in _env("WIDGET_ALLOWED_ORIGINS").split(",") if o.strip())
        return cls(
            telegram=TelegramSettings(
                token=_env("TELEGRAM_BOT_TOKEN"),
                api_url=_env("TELEGRAM_API_URL", TelegramSettings.api_url).rstrip("/"),
                webhook_url=_env("TELEGRAM_WEBHOOK_URL"),
                webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
            ),
            zalo=ZaloSettings(
                app_id=_env("ZALO_APP_ID"),
                oa_secret_key=_env("ZALO_OA_SECRET_KEY"),
                app_secret=_env("ZALO_APP_SECRET"),
                access_token=_env("ZALO_ACCESS_TOKEN"),
                refresh_token=_env("ZALO_REFRESH_TOKEN"),
                api_url=_env("ZALO_API_URL", ZaloSettings.api_url).rstrip("/"),
                oauth_url=_env("ZALO_OAUTH_URL", ZaloSettings.oauth_url).rstrip("/"),
                token_file=Path(_env("ZALO_TOKEN_FILE", str(ZaloSettings.token_file))),
            ),
            widget=WidgetSettings(
                allowed_origins=origins, session_secret=_env("WIDGET_SESSION_SECRET"),
                session_secret_file=Path(_env("WIDGET_SESSION_SECRET_FILE", str(WidgetSettings.session_secret_file))),
            ),
            reminders=ReminderSettings(
                enabled=_env("REMINDERS", "on").lower() not in {"0", "off", "false", "no"},
                delay_s=_float("REMINDER_DELAY", 0.0, 0.0, 30 * 24 * 3600.0),
                holdout=_float("REMINDER_HOLDOUT", 0.2, 0.0, 1.0),
            ),
        )
