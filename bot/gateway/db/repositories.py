"""Reading and writing the console's tables. Every function takes the caller's Session; the caller commits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.gateway.db.grouping import group_key
from bot.gateway.conversation.masking import mask_personal_data
from bot.gateway.db.models import (
    BUTTON,
    NEW,
    QUESTION,
    RESOLVED,
    REVIEW_STATES,
    ROLES,
    AuditEntry,
    LoginThrottle,
    ReviewItem,
    StaffSession,
    StaffUser,
    Turn,
    utcnow,
)

# Review reasons, in the words the queue shows.
UNANSWERED, LOW_CONFIDENCE, BAD_FEEDBACK, OUT_OF_SCOPE, HANDED_OVER = (
    "unanswered",
    "low_confidence",
    "bad_feedback",
    "out_of_scope",
    "handed_over",
)
_REASON_OF_STATUS = {
    "fallback": UNANSWERED,
    "clarified": LOW_CONFIDENCE,
    "out_of_scope": OUT_OF_SCOPE,
    "handed_over": HANDED_OVER,
}


class NotFound(LookupError):
    pass


class InvalidValue(ValueError):
    pass


# --- turns and the review queue ---------------------------------------------------------------------


def review_reason(*, kind: str, status: str) -> str | None:
    """Why staff should see this turn, or None. Pressing an offered button is never a question to review."""
    if kind != QUESTION:
        return None
    return _REASON_OF_STATUS.get(status)


def add_turn(
    session: Session,
    *,
    channel: str,
    sender_id: str,
    text: str,
    kind: str,
    status: str,
    procedure: str | None = None,
    confidence: float | None = None,
    reason: str | None = None,
    online_guide: bool = False,
    at: datetime | None = None,
    why: dict | None = None,
) -> Turn:
    """Store one turn (text masked) and put it in the review queue when it needs a person."""
    turn = Turn(
        at=at or utcnow(),
        channel=channel,
        sender_id=sender_id,
        kind=kind,
        text=mask_personal_data(text),
        status=status,
        procedure=procedure,
        confidence=confidence,
        reason=(reason or None) and reason[:200],
        online_guide=online_guide,
        why=json.dumps(why, ensure_ascii=False) if why else None,
    )
    session.add(turn)
    why = review_reason(kind=kind, status=status)
    if why:
        file_for_review(session, turn=turn, reason=why)
    # Not flushed here: the recorder adds a batch of turns, and one flush at its commit inserts them together.
    return turn


def file_for_review(session: Session, *, turn: Turn, reason: str) -> ReviewItem:
    key = group_key(turn.text)
    item = _matching_item(session, key)
    at = turn.at or utcnow()
    if item is None:
        item = ReviewItem(
            group_key=key,
            text=turn.text,
            reason=reason,
            count=0,
            status=NEW,
            channel=turn.channel,
            sender_id=turn.sender_id,
            first_seen=at,
            last_seen=at,
        )
        session.add(item)
    elif item.status == RESOLVED:
        # It was fixed, yet citizens still run into it: staff must look again.
        item.status = NEW
    # An ignored group stays ignored however often it recurs; it still counts, so staff can reconsider.
    item.count += 1
    item.reason = reason
    item.channel, item.sender_id = turn.channel, turn.sender_id
    item.procedure, item.confidence = turn.procedure, turn.confidence
    item.last_seen = max(item.last_seen, at) if item.last_seen else at
    session.flush()
    turn.review_item_id = item.id
    return item


def _matching_item(session: Session, key: str) -> ReviewItem | None:
    return session.scalars(
        select(ReviewItem).where(ReviewItem.group_key == key).order_by(ReviewItem.id.desc()).limit(1)
    ).first()


def record_feedback(
    session: Session, *, channel: str, sender_id: str, value: str, at: datetime | None = None
) -> Turn | None:
    """Attach 👍/👎 to the sender's latest answered turn; 👎 puts that question in the review queue."""
    if value not in ("good", "bad"):
        raise InvalidValue(f"feedback must be 'good' or 'bad', got {value!r}")
    turn = session.scalars(
        select(Turn)
        .where(
            Turn.channel == channel,
            Turn.sender_id == sender_id,
            Turn.status == "answered",
            Turn.kind.in_((QUESTION, BUTTON)),
        )
        .order_by(Turn.at.desc(), Turn.id.desc())
        .limit(1)
    ).first()
    if turn is None:
        return None
    first_bad = value == "bad" and turn.feedback != "bad"
    turn.feedback = value
    if first_bad:
        question = turn if turn.kind == QUESTION else _question_before(session, turn)
        if question is not None:
            item = file_for_review(session, turn=question, reason=BAD_FEEDBACK)
            item.last_seen = max(item.last_seen, at or utcnow())
    session.flush()
    return turn


def _question_before(session: Session, turn: Turn) -> Turn | None:
    # A button answer ("chose 1.009972") is judged on the question that led to it.
    return session.scalars(
        select(Turn)
        .where(Turn.channel == turn.channel, Turn.sender_id == turn.sender_id, Turn.kind == QUESTION, Turn.id < turn.id)
        .order_by(Turn.id.desc())
        .limit(1)
    ).first()


def list_queue(session: Session, *, status: str | None = NEW, limit: int = 200) -> list[ReviewItem]:
    query = select(ReviewItem)
    if status is not None:
        if status not in REVIEW_STATES:
            raise InvalidValue(f"status must be one of {', '.join(REVIEW_STATES)}, got {status!r}")
        query = query.where(ReviewItem.status == status)
    return list(session.scalars(query.order_by(ReviewItem.last_seen.desc(), ReviewItem.id.desc()).limit(limit)))


def get_review_item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    return item


def set_review_status(
    session: Session, *, item_id: int, status: str, by: str, resolution: str | None = None
) -> ReviewItem:
    if status not in REVIEW_STATES:
        raise InvalidValue(f"status must be one of {', '.join(REVIEW_STATES)}, got {status!r}")
    item = get_review_item(session, item_id)
    item.status, item.updated_by = status, by
    if resolution:
        item.resolution = resolution if not item.resolution else f"{item.resolution}; {resolution}"
    session.flush()
    return item


def turns_of_item(session: Session, *, item_id: int, limit: int = 50) -> list[Turn]:
    return list(
        session.scalars(
            select(Turn).where(Turn.review_item_id == item_id).order_by(Turn.at.desc(), Turn.id.desc()).limit(limit)
        )
    )


def procedure_before(session: Session, turn: Turn) -> str | None:
    """The procedure of the sender's previous turn: the one in focus when this turn came."""
    return session.scalar(
        select(Turn.procedure)
        .where(Turn.channel == turn.channel, Turn.sender_id == turn.sender_id, Turn.id < turn.id)
        .order_by(Turn.id.desc())
        .limit(1)
    )


def turns_between(session: Session, *, start: datetime, end: datetime) -> list[Turn]:
    return list(session.scalars(select(Turn).where(Turn.at >= start, Turn.at < end).order_by(Turn.at)))


# --- staff accounts and sessions --------------------------------------------------------------------


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffUser)) or 0


def get_user(session: Session, *, username: str) -> StaffUser | None:
    return session.scalars(select(StaffUser).where(StaffUser.username == username)).first()


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def create_user(session: Session, *, username: str, password_hash: str, role: str) -> StaffUser:
    if role not in ROLES:
        raise InvalidValue(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if get_user(session, username=username) is not None:
        raise InvalidValue(f"user {username!r} already exists")
    user = StaffUser(username=username, password_hash=password_hash, role=role, active=True)
    session.add(user)
    session.flush()
    return user


def create_session(
    session: Session, *, user: StaffUser, token_hash: str, csrf_token: str, lifetime: timedelta
) -> StaffSession:
    now = utcnow()
    row = StaffSession(
        token_hash=token_hash, user_id=user.id, csrf_token=csrf_token, created_at=now, expires_at=now + lifetime
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ActiveSession:
    user: StaffUser
    csrf_token: str
    token_hash: str


def find_session(session: Session, *, token_hash: str) -> ActiveSession | None:
    row = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffSession.user_id == StaffUser.id)
        .where(StaffSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    staff_session, user = row
    if staff_session.expires_at <= utcnow() or not user.active:
        return None
    return ActiveSession(user, staff_session.csrf_token, token_hash)


def delete_session(session: Session, *, token_hash: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))


def delete_expired_sessions(session: Session) -> None:
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= utcnow()))


def delete_sessions_of(session: Session, *, user_id: int) -> int:
    """End every session of an account (disabled, or its password changed); returns how many ended."""
    return session.execute(delete(StaffSession).where(StaffSession.user_id == user_id)).rowcount or 0


def set_password_hash(session: Session, *, user: StaffUser, password_hash: str) -> None:
    user.password_hash = password_hash
    session.flush()


def set_active(session: Session, *, user: StaffUser, active: bool) -> None:
    user.active = active
    session.flush()


# --- login throttle ---------------------------------------------------------------------------------


def take_login_attempt(
    session: Session, *, key: str, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """Count one login attempt against ``key``; False, counting nothing, when its window is used up.

    Check and count are one conditional UPDATE (or one INSERT for a new key): of parallel attempts, at most
    ``limit`` per window get True. The caller commits at once, before the slow password check.
    """
    now = now or utcnow()
    stale = LoginThrottle.window_start <= now - window
    counted = session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, or_(stale, LoginThrottle.attempts < limit))
        .values(
            attempts=case((stale, 1), else_=LoginThrottle.attempts + 1),
            window_start=case((stale, now), else_=LoginThrottle.window_start),
        )
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount == 1:
        return True
    if session.execute(select(LoginThrottle.key).where(LoginThrottle.key == key)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(LoginThrottle(key=key, attempts=1, window_start=now))
        return limit >= 1
    except IntegrityError:
        # Another attempt created the row first: count against it like any existing key.
        return take_login_attempt(session, key=key, limit=limit, window=window, now=now)


def forget_login_attempts(session: Session, *, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def give_back_login_attempt(session: Session, *, key: str) -> None:
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def delete_stale_login_attempts(session: Session, *, window: timedelta) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= utcnow() - window))


# --- audit log --------------------------------------------------------------------------------------


def audit(
    session: Session, *, username: str, action: str, target: str | None = None, detail: dict | None = None
) -> AuditEntry:
    entry = AuditEntry(
        username=username,
        action=action,
        target=target,
        detail=json.dumps(detail, ensure_ascii=False) if detail else None,
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(session: Session, *, limit: int = 200) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
