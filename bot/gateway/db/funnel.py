"""Writes of the online-filing funnel: one row per citizen, step, procedure and local day; link tokens."""

from __future__ import annotations

import functools
import secrets
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.gateway.db.engine import upsert_insert
from bot.gateway.db.models import FUNNEL_STEPS, REMINDER_STEPS, FunnelEvent, LinkToken, utcnow
from bot.gateway.db.stats import LOCAL_TZ

TOKEN_BYTES = 6  # 8 characters: short in a phone message, 2^48 values to guess from


def record_step(
    db: Session, *, step: str, channel: str, sender_id: str, procedure: str | None, at: datetime | None = None
) -> None:
    """Count `step` once for this citizen, procedure and day. One INSERT .. ON CONFLICT, so two gateway
    processes recording the same step at once cannot count it twice (nor fail)."""
    if step not in FUNNEL_STEPS and step not in REMINDER_STEPS:
        raise ValueError(f"unknown funnel step {step!r}")
    at = at or utcnow()
    values = {
        "day": at.astimezone(LOCAL_TZ).date(),
        "step": step,
        "procedure": procedure or "",
        "channel": channel,
        "sender_id": sender_id,
        "at": at,
        "last_at": at,
    }
    db.execute(_step_upsert(db.get_bind().dialect.name), values)


@functools.cache
def _step_upsert(dialect: str):
    # Built once per dialect, on the table (not the ORM class): every turn of a walkthrough records a step.
    table = FunnelEvent.__table__
    insert = upsert_insert(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=["day", "step", "procedure", "channel", "sender_id"], set_={"last_at": insert.excluded.last_at}
    )


def last_started(db: Session, *, channel: str, sender_id: str) -> str | None:
    """The procedure of the walkthrough this citizen started last (on any day), if any had one."""
    return db.scalar(
        select(FunnelEvent.procedure)
        .where(
            FunnelEvent.step == "started",
            FunnelEvent.channel == channel,
            FunnelEvent.sender_id == sender_id,
            FunnelEvent.procedure != "",
        )
        .order_by(FunnelEvent.last_at.desc(), FunnelEvent.id.desc())
        .limit(1)
    )


def token_for(db: Session, *, url: str, channel: str, sender_id: str, procedure: str | None) -> str:
    """The token of this link for this citizen: the one issued before, or a new random one."""
    procedure = procedure or ""
    row = {"channel": channel, "sender_id": sender_id, "procedure": procedure, "url": url}
    existing = db.execute(_TOKEN_OF, row).scalar()
    if existing is not None:
        return existing
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.execute(LinkToken.__table__.insert(), {**row, "token": token})
    return token


_tokens = LinkToken.__table__.c
_TOKEN_OF = (
    select(_tokens.token)
    .where(
        _tokens.channel == bindparam("channel"),
        _tokens.sender_id == bindparam("sender_id"),
        _tokens.procedure == bindparam("procedure"),
        _tokens.url == bindparam("url"),
    )
    .limit(1)
)


def link(db: Session, token: str) -> LinkToken | None:
    return db.get(LinkToken, token)
