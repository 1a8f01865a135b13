"""The gateway's and the supervisor's one settings object, read once when the process starts (`from_env`) and
passed down. Every value comes through knowledge_base/environment.py, the one reader of the environment; the
parts keep their own typed sections (bot/gateway/channels/settings.py, bot/gateway/console/settings.py,
knowledge_base/config.py), which this object composes from the same snapshot. The action server has its own
(actions/settings.py). Every setting is listed in docs/settings.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.gateway.channels.settings import ChannelSettings
from bot.gateway.client_address import trusted_networks
from bot.gateway.console.settings import ConsoleSettings
from knowledge_base.config import SearchSettings
from knowledge_base.environment import Env, SettingError, refuse_placeholders

ROLES = ("rasa", "actions", "gateway")


def _proxies(env: Env) -> tuple[str, ...]:
    items = env.items("BOT_TRUSTED_PROXIES")
    try:
        trusted_networks(items)
    except ValueError as exc:
        raise SettingError("BOT_TRUSTED_PROXIES", str(exc)) from None
    return items


def parse_roles(items: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [r for r in items if r not in ROLES]
    if unknown:
        raise SettingError("BOT_ROLES", f"unknown role(s) {', '.join(unknown)}; expected some of {', '.join(ROLES)}")
    return items or ROLES


def _urls(env: Env, name: str) -> tuple[str, ...]:
    urls = tuple(url.rstrip("/") for url in env.items(name))
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SettingError(name, f"{url!r} is not an http(s) base URL")
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
    # Threads of the numeric libraries (OpenMP, BLAS, TensorFlow) in each server process
    # (bot/supervisor/numeric_threads.py).
    numeric_threads: int = 1
    # Past capacity the gateway answers "busy" at once rather than queue a turn longer than this for a Rasa
    # server (bot/gateway/conversation/admission.py).
    rasa_queue_limit_s: float = 1.0
    # --- action server ---
    # Shared by the gateway and the action servers: POST /kb/reload after a staff edit.
    actions_admin_token: str = ""
    # Messages one sender may send a minute before the assistant asks them to slow down.
    sender_rate_per_minute: int = 15
    # A trained Rasa model to use as is; None: the cached model for the current inputs (bot/supervisor/training.py).
    rasa_model: Path | None = None
    # production refuses secrets that are placeholders; development (a developer's machine) accepts them.
    environment: str = "production"
    # --- sections of the parts; None: read from this process's environment (see __post_init__) ---
    channels: ChannelSettings | None = None
    search: SearchSettings | None = None
    console: ConsoleSettings | None = None

    def __post_init__(self) -> None:
        # Built field by field (tests, tools): the sections left out come from one snapshot of the environment.
        if self.channels is None or self.search is None or self.console is None:
            env = Env.from_process()
            search = self.search or SearchSettings.from_env(env)
            object.__setattr__(self, "search", search)
            object.__setattr__(self, "channels", self.channels or ChannelSettings.from_env(env))
            if self.console is None:
                console = ConsoleSettings.from_env(
                    self.actions_url,
                    env,
                    public_url=self.public_url,
                    search=search,
                    actions_admin_token=self.actions_admin_token,
                )
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
        return tuple(
            f"http://{self.actions_host}:{self.actions_port + i}" for i in range(max(1, self.actions_processes))
        )

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

    def secrets(self) -> dict[str, str]:
        return {
            "RASA_AUTH_TOKEN": self.rasa_token,
            "ACTIONS_ADMIN_TOKEN": self.actions_admin_token,
            "API_INTEGRATION_TOKEN": self.api_integration_token,
            "BOT_ADMIN_PASSWORD": self.console.admin_password,
            **self.channels.secrets(),
        }

    def refuse_placeholders(self) -> None:
        """At start of the supervisor and the gateway: SettingError naming the first placeholder secret."""
        refuse_placeholders(self.environment, self.secrets())

    @classmethod
    def from_env(
        cls, env: Env | Mapping[str, str] | None = None, *, overrides: Mapping[str, str] | None = None
    ) -> "Settings":
        """`env`, else this process's environment with `overrides` (a command-line option) on top."""
        env = Env.of(env) if env is not None else Env.from_process(overrides)
        # Two Rasa servers use both cores of the reference machine (one Rasa server works on one core).
        rasa_processes = env.integer("RASA_PROCESSES", 2)
        actions_admin_token = env.text("ACTIONS_ADMIN_TOKEN")
        search = SearchSettings.from_env(env)
        fields = dict(
            host=env.text("BOT_HOST", "127.0.0.1", strip=False),
            port=env.integer("BOT_PORT", 8000),
            rasa_host=env.text("RASA_HOST", "127.0.0.1", strip=False),
            rasa_port=env.integer("RASA_PORT", 5005),
            rasa_token=env.text("RASA_AUTH_TOKEN", strip=False),
            actions_host=env.text("ACTIONS_HOST", "127.0.0.1", strip=False),
            actions_port=env.integer("ACTIONS_PORT", 5055),
            max_text_chars=env.integer("BOT_MAX_TEXT_CHARS", 4000),
            max_body_bytes=env.integer("BOT_MAX_BODY_BYTES", 64 * 1024),
            trusted_proxies=_proxies(env),
            api_rate_per_address=env.integer("API_RATE_PER_ADDRESS", 60),
            api_integration_token=env.text("API_INTEGRATION_TOKEN"),
            api_integration_rate=env.integer("API_INTEGRATION_RATE", 600),
            roles=parse_roles(env.items("BOT_ROLES")),
            rasa_processes=rasa_processes,
            actions_processes=env.integer("ACTIONS_PROCESSES", rasa_processes),
            rasa_urls=_urls(env, "RASA_URLS"),
            actions_urls=_urls(env, "ACTIONS_URLS"),
            tracker_store_url=env.text("TRACKER_STORE_URL"),
            redis_url=env.text("REDIS_URL"),
            rasa_lock_lifetime_s=env.integer("RASA_LOCK_LIFETIME_S", 20),
            numeric_threads=env.integer("NUMERIC_THREADS", 1, low=1),
            rasa_queue_limit_s=env.number("RASA_QUEUE_LIMIT_S", 1.0),
            actions_admin_token=actions_admin_token,
            sender_rate_per_minute=env.integer("SENDER_RATE_PER_MINUTE", 15, low=1),
            rasa_model=_model(env),
            environment=env.environment(),
            channels=ChannelSettings.from_env(env),
            search=search,
        )
        actions_url = (fields["actions_urls"] or (f"http://{fields['actions_host']}:{fields['actions_port']}",))[0]
        console = ConsoleSettings.from_env(
            actions_url,
            env,
            public_url=f"http://{fields['host']}:{fields['port']}/",
            search=search,
            actions_admin_token=actions_admin_token,
        )
        return cls(**fields, console=console)


def _model(env: Env) -> Path | None:
    path = env.path("RASA_MODEL", None, Path.cwd())
    return path.resolve() if path else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
