"""Rasa's production topology from our settings: its tracker store, its lock store, and which action server
each Rasa server calls, written into one endpoints file per Rasa server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_TRACKER_DB = REPO_ROOT / "var" / "trackers.db"
BUILD = REPO_ROOT / "build"


def tracker_store_url(settings: Settings) -> str:
    """TRACKER_STORE_URL, else the project's PostgreSQL when DATABASE_URL names one, else var/trackers.db."""
    if settings.tracker_store_url:
        return settings.tracker_store_url
    url = settings.console.database_url
    if make_url(url).get_backend_name() == "postgresql":
        return url
    return f"sqlite:///{DEFAULT_TRACKER_DB}"


def tracker_store(url: str) -> dict:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or DEFAULT_TRACKER_DB).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Rasa's SQL store with pooled connections, the write-ahead log and cheaper saves
        # (bot/rasa_plugins/tracker_store.py).
        return {"type": "bot.rasa_plugins.tracker_store.SQLTrackerStore", "dialect": "sqlite", "db": str(path)}
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(
            f"setting TRACKER_STORE_URL: {parsed.get_backend_name()} is not supported "
            "(expected sqlite:///path or postgresql://user:password@host:port/database)"
        )
    # Rasa's own environment ships psycopg2, whatever driver the gateway's URL names.
    return {
        "type": "bot.rasa_plugins.tracker_store.SQLTrackerStore",
        "dialect": "postgresql",
        "url": parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
    }


def lock_store(redis_url: str) -> dict | None:
    if not redis_url:
        return None
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise SystemExit(f"setting REDIS_URL: {redis_url!r} is not a redis://host:port/db URL")
    # Rasa's Redis lock store with an awaited two-call lock (see bot/rasa_plugins/lock_store.py).
    config = {
        "type": "bot.rasa_plugins.lock_store.RedisLockStore",
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 1),
        "key_prefix": "sxd",
        "use_ssl": parts.scheme == "rediss",
    }
    if parts.password:
        config["password"] = parts.password
    if parts.username:
        config["username"] = parts.username
    return config


def endpoints_file(settings: Settings, index: int, redis_url: str) -> Path:
    """build/endpoints-<port>.yml for Rasa server number `index`: one file per port, so stacks started side
    by side (tests, a developer's `make run`) never point their Rasa at each other's action server."""
    config: dict = {
        "action_endpoint": {"url": f"{settings.actions_url_for(index)}/webhook"},
        "tracker_store": tracker_store(tracker_store_url(settings)),
    }
    locks = lock_store(redis_url)
    if locks:
        config["lock_store"] = locks
    path = BUILD / f"endpoints-{settings.rasa_port + index}.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
