"""Console settings: a section of the gateway's settings (bot/settings.py), read with them at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.gateway.db.engine import DEFAULT_SQLITE_PATH, REPO_ROOT
from knowledge_base.store import disk
from knowledge_base.config import SearchSettings
from knowledge_base.environment import Env

DEFAULT_NLU_EXPORT = REPO_ROOT / "nlu_data" / "nlu" / "staff_examples.yml"
# Obvious placeholders must not become the department's admin password.
WEAK_PASSWORDS = frozenset(
    {
        "admin",
        "password",
        "changeme",
        "change-me",
        "12345678",
        "123456789",
        "secret",
        "matkhau",
        "password1",
        "admin123",
        "admin1234",
    }
)
MIN_PASSWORD = 8


@dataclass(frozen=True)
class ConsoleSettings:
    database_url: str
    admin_user: str = ""
    admin_password: str = ""
    session_hours: float = 12.0
    cookie_secure: bool = False
    kb_root: Path = disk.DEFAULT_ROOT
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
    def from_env(
        cls,
        actions_url: str,
        env: Env | Mapping[str, str] | None = None,
        public_url: str = "http://127.0.0.1:8000/",
        search: SearchSettings | None = None,
        actions_admin_token: str = "",
    ) -> "ConsoleSettings":
        """`search` and `actions_admin_token` are the gateway's own (bot/settings.py): read once, shared."""
        env = Env.of(env)
        search = search or SearchSettings.from_env(env)
        export = env.path("STAFF_NLU_FILE", None, Path.cwd())
        impact_dir = env.path("IMPACT_DIR", None, Path.cwd())
        return cls(
            database_url=database_url(env),
            admin_user=env.text("BOT_ADMIN_USER"),
            admin_password=env.text("BOT_ADMIN_PASSWORD", strip=False),
            session_hours=env.number("CONSOLE_SESSION_HOURS", 12.0, low=0.0),
            # Behind HTTPS (the production proxy) the cookie must only travel encrypted.
            cookie_secure=env.flag("CONSOLE_COOKIE_SECURE", False),
            kb_root=search.data_root or disk.DEFAULT_ROOT,
            nlu_export=export.resolve() if export else DEFAULT_NLU_EXPORT,
            actions_url=actions_url,
            actions_admin_token=actions_admin_token,
            funnel_excluded=env.items("FUNNEL_EXCLUDED_SENDERS"),
            public_url=env.text("BOT_PUBLIC_URL", public_url),
            funnel_link_hosts=env.items("FUNNEL_LINK_HOSTS", ("dichvucong.gov.vn",)),
            search=search,
            impact_dir=impact_dir.resolve() if impact_dir else REPO_ROOT / "build" / "impact",
        )


def database_url(env: Env | Mapping[str, str] | None = None) -> str:
    """DATABASE_URL, else the SQLite file var/assistant.db."""
    return Env.of(env).text("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}")


def password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"password must be at least {MIN_PASSWORD} characters"
    if password.lower() in WEAK_PASSWORDS or (username and password.lower() == username.lower()):
        return "password is a well-known placeholder or equals the user name"
    return None
