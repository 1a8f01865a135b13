"""Console settings, read once from the environment when the gateway starts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.db.engine import REPO_ROOT, database_url
from knowledge_base import store
from knowledge_base.config import SearchSettings

DEFAULT_NLU_EXPORT = REPO_ROOT / "nlu_data" / "nlu" / "staff_examples.yml"
# Obvious placeholders must not become the department's admin password.
WEAK_PASSWORDS = frozenset({"admin", "password", "changeme", "change-me", "12345678", "123456789", "secret",
                            "matkhau", "password1", "admin123", "admin1234"})
MIN_PASSWORD = 8


@dataclass(frozen=True)
class ConsoleSettings:
    database_url: str
    admin_user: str = ""
    admin_password: str = ""
    session_hours: float = 12.0
    cookie_secure: bool = False
    kb_root: Path = store.DEFAULT_ROOT
    nlu_export: Path = DEFAULT_NLU_EXPORT
    actions_url: str = "http://127.0.0.1:5055"
    actions_admin_token: str = ""
    reload_wait_s: float = 30.0
    # Online-filing funnel: "channel:sender_id" entries (a trailing * makes a prefix, "api:*" a whole channel)
    # of staff and test senders left out of every funnel figure.
    funnel_excluded: tuple[str, ...] = ()
    # The gateway's address as citizens reach it: the base of the counted links (/r/<token>).
    public_url: str = "http://127.0.0.1:8000/"
    # Links on these hosts (and their subdomains) are counted: the national portal and its procedure pages.
    funnel_link_hosts: tuple[str, ...] = ("dichvucong.gov.vn",)
    # Search settings of the impact check (the action server's: same model, its index copied to start from).
    search: SearchSettings = SearchSettings()
    # The impact check's own index folders (the current knowledge base and each proposed copy).
    impact_dir: Path = REPO_ROOT / "build" / "impact"

    @classmethod
    def from_env(cls, actions_url: str, env: dict[str, str] | None = None,
                 public_url: str = "http://127.0.0.1:8000/") -> "ConsoleSettings":
        env = os.environ if env is None else env
        search = SearchSettings.from_env(env)
        export = env.get("STAFF_NLU_FILE", "").strip()
        impact_dir = env.get("IMPACT_DIR", "").strip()
        return cls(
            database_url=database_url(env),
            admin_user=env.get("BOT_ADMIN_USER", "").strip(),
            admin_password=env.get("BOT_ADMIN_PASSWORD", ""),
            session_hours=float(env.get("CONSOLE_SESSION_HOURS", "12") or 12),
            # Behind HTTPS (the production proxy) the cookie must only travel encrypted.
            cookie_secure=env.get("CONSOLE_COOKIE_SECURE", "").strip().lower() in {"1", "true", "yes", "on"},
            kb_root=search.data_root or store.DEFAULT_ROOT,
            nlu_export=Path(export).resolve() if export else DEFAULT_NLU_EXPORT,
            actions_url=actions_url,
            actions_admin_token=env.get("ACTIONS_ADMIN_TOKEN", "").strip(),
            funnel_excluded=_entries(env.get("FUNNEL_EXCLUDED_SENDERS", "")),
            public_url=env.get("BOT_PUBLIC_URL", "").strip() or public_url,
            funnel_link_hosts=_entries(env.get("FUNNEL_LINK_HOSTS", "")) or ("dichvucong.gov.vn",),
            search=search,
            impact_dir=Path(impact_dir).resolve() if impact_dir else REPO_ROOT / "build" / "impact",
        )


def _entries(value: str) -> tuple[str, ...]:
    return tuple(e.strip() for e in value.split(",") if e.strip())


def password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"password must be at least {MIN_PASSWORD} characters"
    if password.lower() in WEAK_PASSWORDS or (username and password.lower() == username.lower()):
        return "password is a well-known placeholder or equals the user name"
    return None
