"""The action server's settings, read once when it starts (actions/server.py main).

Its own object rather than the gateway's (bot/settings.py): the action server imports nothing of the gateway.
The variables are the gateway's own names, so one environment serves both (docs/settings.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from knowledge_base.config import SearchSettings
from knowledge_base.environment import Env, refuse_placeholders


@dataclass(frozen=True)
class ActionSettings:
    host: str = "127.0.0.1"
    port: int = 5055
    # Bearer token of POST /kb/reload, shared with the gateway's staff console; empty: the route refuses all.
    admin_token: str = ""
    # Seconds between checks of knowledge_base/data for edits; 0 turns the check off.
    kb_reload_interval_s: float = 2.0
    log_level: str = "INFO"
    environment: str = "production"
    search: SearchSettings = field(default_factory=SearchSettings)

    @classmethod
    def from_env(cls, env: Env | Mapping[str, str] | None = None) -> "ActionSettings":
        env = Env.of(env)
        return cls(
            host=env.text("ACTIONS_HOST", cls.host, strip=False),
            port=env.integer("ACTIONS_PORT", cls.port),
            admin_token=env.text("ACTIONS_ADMIN_TOKEN"),
            kb_reload_interval_s=env.number("KB_RELOAD_INTERVAL", cls.kb_reload_interval_s),
            log_level=env.text("LOG_LEVEL", cls.log_level).upper(),
            environment=env.environment(),
            search=SearchSettings.from_env(env),
        )

    def refuse_placeholders(self) -> None:
        refuse_placeholders(self.environment, {"ACTIONS_ADMIN_TOKEN": self.admin_token})
