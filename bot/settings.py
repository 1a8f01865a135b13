"""The project's one settings object, read once from the environment (Settings.from_env) and passed down.

Each part keeps its own typed section (bot/channels/settings.py, bot/console/settings.py,
knowledge_base/config.py), but only this module reads them: the gateway gets them through app.state.settings,
the action server through actions/server.py, the supervisor at start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from bot.channels.settings import ChannelSettings
from bot.client_address import trusted_networks
from bot.console.settings import ConsoleSettings
from knowledge_base.config import SearchSettings


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"setting {name} must be a whole number, got {raw!r}") from None


def _positive_int(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise SystemExit(f"setting {name} must be 1 or more, got {value}")
    return value


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw.strip() else default
    except ValueError:
        raise SystemExit(f"setting {name} must be a number, got {raw!r}") from None


def _proxies(raw: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in raw.split(",") if part.strip())
    try:
        trusted_networks(items)
    except ValueError as exc:
        raise SystemExit(f"setting BOT_TRUSTED_PROXIES: {exc}") from None
    return items


ROLES = ("rasa", "actions", "gateway")


def _roles(raw: str) -> tuple[str, ...]:
    roles = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise SystemExit(f"setting BOT_ROLES: unknown role(s) {', '.join(unknown)}; expected some of {', '.join(ROLES)}")
    return roles or ROLES


def _urls(name: str) -> tuple[str, ...]:
    urls = tuple(part.strip().rstrip("/") for part in os.environ.get(name, "").split(",") if part.strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SystemExit(f"setting {name}: {url!r} is not an http(s) base URL")
    return urls


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
    # --- topology (docs/operations.md "Running on several machines") ---
    # Which parts this machine runs: any of rasa, actions, gateway.
    roles: tuple[str, ...] = ROLES
    # Rasa servers and action servers started here, on consecutive ports from rasa_port / actions_port.
    rasa_processes: int = 1
    actions_processes: int = 1
    # Where the gateway finds Rasa, and each Rasa its action server, when they run elsewhere (comma-separated
    # base URLs); empty means the processes started here.
    rasa_urls: tuple[str, ...] = ()
    actions_urls: tuple[str, ...] = ()
    # Rasa's tracker store (SQLAlchemy URL); empty: the SQLite file var/trackers.db.
    tracker_store_url: str = ""
    # Redis for Rasa's lock store, needed as soon as two Rasa servers share trackers; empty: with one Rasa
    # server, none; with several on this machine, a private redis-server started by `bot run`.
    redis_url: str = ""
    # A turn whose Rasa server died keeps its conversation locked this long, then another server may go on.
    rasa_lock_lifetime_s: int = 20
    # Threads of the numeric libraries (OpenMP, BLAS, TensorFlow) in each server process (bot/numeric_threads.py).
    numeric_threads: int = 1
    # Past capacity the gateway answers "busy" at once rather than queue a turn longer than this for a Rasa
    # server (bot/conversation/admission.py).
    rasa_queue_limit_s: float = 1.0
    # --- action server ---
    # Shared by the gateway and the action servers: POST /kb/reload after a staff edit.
    actions_admin_token: str = ""
    # Seconds between checks of knowledge_base/data for edits; 0 turns the check off.
    kb_reload_interval_s: float = 2.0
    log_level: str = "INFO"
    # --- sections of the parts ---
    channels: ChannelSettings = field(default_factory=ChannelSettings.from_env)
    search: SearchSettings = field(default_factory=SearchSettings.from_env)
    # None: read from the environment with this object's own addresses (see __post_init__).
    console: ConsoleSettings | None = None

    def __post_init__(self) -> None:
        if self.console is None:
            console = ConsoleSettings.from_env(self.actions_url, public_url=self.public_url)
            object.__setattr__(self, "console", console)

    @property
    def rasa_url(self) -> str:
        return self.rasa_endpoints[0]

    @property
    def rasa_endpoints(self) -> tuple[str, ...]:
        if self.rasa_urls:
            return self.rasa_urls
        return tuple(f"http://{self.rasa_host}:{self.rasa_port + i}" for i in range(max(1, self.rasa_processes)))

    @property
    def actions_endpoints(self) -> tuple[str, ...]:
        if self.actions_urls:
            return self.actions_urls
        return tuple(f"http://{self.actions_host}:{self.actions_port + i}"
                     for i in range(max(1, self.actions_processes)))

    @property
    def actions_url(self) -> str:
        return self.actions_endpoints[0]

    def actions_url_for(self, rasa_index: int) -> str:
        """The action server Rasa server number `rasa_index` calls: each its own while there are enough."""
        endpoints = self.actions_endpoints
        return endpoints[rasa_index % len(endpoints)]

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
            roles=_roles(os.environ.get("BOT_ROLES", "")),
            # Two Rasa servers use both cores of the reference machine (one Rasa server works on one core).
            rasa_processes=_int("RASA_PROCESSES", 2),
            actions_processes=_int("ACTIONS_PROCESSES", _int("RASA_PROCESSES", 2)),
            rasa_urls=_urls("RASA_URLS"),
            actions_urls=_urls("ACTIONS_URLS"),
            tracker_store_url=os.environ.get("TRACKER_STORE_URL", "").strip(),
            redis_url=os.environ.get("REDIS_URL", "").strip(),
            rasa_lock_lifetime_s=_int("RASA_LOCK_LIFETIME_S", 20),
            numeric_threads=_positive_int("NUMERIC_THREADS", 1),
            rasa_queue_limit_s=_float("RASA_QUEUE_LIMIT_S", 1.0),
            actions_admin_token=os.environ.get("ACTIONS_ADMIN_TOKEN", "").strip(),
            kb_reload_interval_s=_float("KB_RELOAD_INTERVAL", 2.0),
            log_level=os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
