"""Writes of the online-filing funnel: one row per citizen, step, procedure and local day; link tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import FUNNEL_STEPS, FunnelEvent, LinkToken, utcnow
from bot.db.stats import LOCAL_TZ

TOKEN_BYTES = 6  # 8 characters: short in a phone message, 2^48 values to guess from


def record_step(db: Session, *, step: str, channel: str, sender_id: str, procedure: str | None,
                at: datetime | None = None) -> None:
    """Count `step` once for this citizen, procedure and day. One INSERT .. ON CONFLICT, so two gateway
    processes recording the same step at once cannot count it twice (nor fail)."""
    if step not in FUNNEL_STEPS:
        raise ValueError(f"unknown funnel step {step!r}")
    at = at or utcnow()
    values = {"day": at.astimezone(LOCAL_TZ).date(), "step": step, "procedure": procedure or "",
              "channel": channel, "sender_id": sender_id, "at": at, "last_at": at}
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(FunnelEvent).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "step", "procedure", "channel", "sender_id"],
        set_={"last_at": statement.excluded.last_at})
    db.execute(statement)


def last_started(db: Session, *, channel: str, sender_id: str) -> str | None:
    """The procedure of the walkthrough this citizen started last (on any day), if any had one."""
    return db.scalar(select(FunnelEvent.procedure)
                     .where(FunnelEvent.step == "started", FunnelEvent.channel == channel,
                            FunnelEvent.sender_id == sender_id, FunnelEvent.procedure != "")
                     .order_by(FunnelEvent.last_at.desc(), FunnelEvent.id.desc()).limit(1))


def token_for(db: Session, *, url: str, channel: str, sender_id: str, procedure: str | None) -> str:
    """The token of this link for this citizen: the one issued before, or a new random one."""
    procedure = procedure or ""
    existing = db.scalar(select(LinkToken.token).where(LinkToken.channel == channel,
                                                       LinkToken.sender_id == sender_id,
                                                       LinkToken.procedure == procedure, LinkToken.url == url)
                         .limit(1))
    if existing is not None:
        return existing
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.add(LinkToken(token=token, url=url, channel=channel, sender_id=sender_id, procedure=procedure))
    return token


def link(db: Session, token: str) -> LinkToken | None:
    return db.get(LinkToken, token)
