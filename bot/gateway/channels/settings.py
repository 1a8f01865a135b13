"""Channel settings: a section of the gateway's settings (bot/settings.py), documented in docs/settings.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge_base.environment import Env

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    api_url: str = "https://api.telegram.org"
    webhook_url: str = ""  # set: webhook mode; unset: long polling
    webhook_secret: str = ""  # unset in webhook mode: a random one is generated at each start

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class ZaloSettings:
    app_id: str = ""
    oa_secret_key: str = ""  # signs webhook events (X-ZEvent-Signature)
    app_secret: str = ""  # authenticates token refreshes
    access_token: str = ""
    refresh_token: str = ""
    api_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"
    token_file: Path = ROOT / "var" / "zalo-tokens.json"

    @property
    def enabled(self) -> bool:
        return bool(
            self.app_id and self.oa_secret_key and (self.access_token or self.refresh_token or self.token_file.exists())
        )


@dataclass(frozen=True)
class WidgetSettings:
    # Origins of pages allowed to embed the widget besides the gateway's own; "*" allows any.
    allowed_origins: tuple[str, ...] = ()
    # Signs session ids; unset: generated once and kept in session_secret_file, so sessions outlive a restart.
    session_secret: str = ""
    session_secret_file: Path = ROOT / "var" / "widget-session-secret"


@dataclass(frozen=True)
class ReminderSettings:
    """Reminders to finish filing online, offered on Telegram and Zalo (bot/gateway/reminders, docs/channels.md)."""

    enabled: bool = True
    # Seconds from "yes" to the reminder; 0: the next working morning (8:00 Vietnam time, Monday to Friday).
    delay_s: float = 0.0
    # Share of eligible citizens left without the offer, to measure what the reminders change.
    holdout: float = 0.2


@dataclass(frozen=True)
class ChannelSettings:
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    zalo: ZaloSettings = field(default_factory=ZaloSettings)
    widget: WidgetSettings = field(default_factory=WidgetSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)

    @classmethod
    def from_env(cls, env: Env | Mapping[str, str] | None = None) -> "ChannelSettings":
        env = Env.of(env)
        return cls(
            telegram=TelegramSettings(
                token=env.text("TELEGRAM_BOT_TOKEN"),
                api_url=env.text("TELEGRAM_API_URL", TelegramSettings.api_url).rstrip("/"),
                webhook_url=env.text("TELEGRAM_WEBHOOK_URL"),
                webhook_secret=env.text("TELEGRAM_WEBHOOK_SECRET"),
            ),
            zalo=ZaloSettings(
                app_id=env.text("ZALO_APP_ID"),
                oa_secret_key=env.text("ZALO_OA_SECRET_KEY"),
                app_secret=env.text("ZALO_APP_SECRET"),
                access_token=env.text("ZALO_ACCESS_TOKEN"),
                refresh_token=env.text("ZALO_REFRESH_TOKEN"),
                api_url=env.text("ZALO_API_URL", ZaloSettings.api_url).rstrip("/"),
                oauth_url=env.text("ZALO_OAUTH_URL", ZaloSettings.oauth_url).rstrip("/"),
                token_file=Path(env.text("ZALO_TOKEN_FILE", str(ZaloSettings.token_file))),
            ),
            widget=WidgetSettings(
                allowed_origins=tuple(o.rstrip("/") for o in env.items("WIDGET_ALLOWED_ORIGINS")),
                session_secret=env.text("WIDGET_SESSION_SECRET"),
                session_secret_file=Path(
                    env.text("WIDGET_SESSION_SECRET_FILE", str(WidgetSettings.session_secret_file))
                ),
            ),
            reminders=ReminderSettings(
                enabled=env.flag("REMINDERS", True),
                delay_s=env.number("REMINDER_DELAY", 0.0, 0.0, 30 * 24 * 3600.0),
                holdout=env.number("REMINDER_HOLDOUT", 0.2, 0.0, 1.0),
            ),
        )

    def secrets(self) -> dict[str, str]:
        return {
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_WEBHOOK_SECRET": self.telegram.webhook_secret,
            "ZALO_OA_SECRET_KEY": self.zalo.oa_secret_key,
            "ZALO_APP_SECRET": self.zalo.app_secret,
            "ZALO_ACCESS_TOKEN": self.zalo.access_token,
            "ZALO_REFRESH_TOKEN": self.zalo.refresh_token,
            "WIDGET_SESSION_SECRET": self.widget.session_secret,
        }
