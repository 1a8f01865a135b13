"""Confirmed questions: what staff said a question should get. Functions take the caller's Session; it commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.gateway.conversation.masking import mask_personal_data
from bot.gateway.db.grouping import group_key
from bot.gateway.db.models import QUESTION, ConfirmedQuestion, Turn, utcnow
from bot.gateway.db.repositories import InvalidValue, NotFound

SOURCES = ("link", "faq", "helpful", "not_ours", "staff", "history")
TEXT_MAX = 300


def confirm(session: Session, *, text: str, expected: str, source: str, by: str | None) -> ConfirmedQuestion:
    """Add the question, or give an already confirmed one (same group key) the new expectation."""
    if source not in SOURCES:
        raise InvalidValue(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    text = " ".join(mask_personal_data(text or "").split())
    if not text:
        raise InvalidValue("text must not be empty")
    key = group_key(text)
    row = session.scalars(select(ConfirmedQuestion).where(ConfirmedQuestion.key == key)).first()
    if row is None:
        row = ConfirmedQuestion(key=key, text=text, expected=expected, source=source, created=utcnow(), created_by=by)
        session.add(row)
    else:
        row.text, row.expected, row.source, row.created_by = text, expected, source, by
    session.flush()
    return row


def get(session: Session, confirmed_id: int) -> ConfirmedQuestion:
    row = session.get(ConfirmedQuestion, confirmed_id)
    if row is None:
        raise NotFound(f"no confirmed question {confirmed_id}")
    return row


def edit(session: Session, *, confirmed_id: int, text: str | None, expected: str | None, by: str) -> ConfirmedQuestion:
    row = get(session, confirmed_id)
    if text is not None:
        text = " ".join(mask_personal_data(text).split())
        if not text:
            raise InvalidValue("text must not be empty")
        key = group_key(text)
        other = session.scalars(
            select(ConfirmedQuestion).where(ConfirmedQuestion.key == key, ConfirmedQuestion.id != row.id)
        ).first()
        if other is not None:
            raise InvalidValue(f"the same question is already confirmed (#{other.id})")
        row.text, row.key = text, key
    if expected is not None:
        row.expected = expected
    row.created_by = by
    session.flush()
    return row


def remove(session: Session, *, confirmed_id: int) -> ConfirmedQuestion:
    row = get(session, confirmed_id)
    session.delete(row)
    session.flush()
    return row


def list_all(session: Session) -> list[ConfirmedQuestion]:
    return list(session.scalars(select(ConfirmedQuestion).order_by(ConfirmedQuestion.id)))


def helpful_to_review(session: Session, *, since: datetime, limit: int = 100) -> list[Turn]:
    """Questions answered with a procedure and rated 👍 since ``since`` that are not confirmed yet, newest first."""
    confirmed_keys = set(session.scalars(select(ConfirmedQuestion.key)))
    found: dict[str, Turn] = {}
    rows = session.scalars(
        select(Turn)
        .where(Turn.kind == QUESTION, Turn.feedback == "good", Turn.at >= since, Turn.procedure.is_not(None))
        .order_by(Turn.id.desc())
        .limit(limit * 5)
    )
    for turn in rows:
        key = group_key(turn.text)
        if key not in confirmed_keys and key not in found:
            found[key] = turn
            if len(found) >= limit:
                break
    return list(found.values())


def recent_questions(session: Session, *, since: datetime, limit: int = 5000) -> list[str]:
    """Citizens' questions (already masked) since ``since``, one per group key, most recent first."""
    seen: dict[str, str] = {}
    rows = session.execute(
        select(Turn.text).where(Turn.kind == QUESTION, Turn.at >= since).order_by(Turn.id.desc()).limit(limit * 3)
    )
    for (text,) in rows:
        seen.setdefault(group_key(text), text)
        if len(seen) >= limit:
            break
    return list(seen.values())
