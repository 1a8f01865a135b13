"""Tables of the staff console. Schema changes go through a new Alembic revision in migrations/versions."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC (SQLite has no time zones), always handed back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


# Turn kinds: what the citizen did. Only "question" turns count as questions on the dashboard.
QUESTION, BUTTON, FEEDBACK = "question", "button", "feedback"
# Review item states.
NEW, RESOLVED, IGNORED = "new", "resolved", "ignored"
REVIEW_STATES = (NEW, RESOLVED, IGNORED)
ADMIN, STAFF = "admin", "staff"
ROLES = (ADMIN, STAFF)


class Turn(Base):
    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    # Kept unmasked: a staff reply is delivered to this id. Channels use opaque ids, not phone numbers.
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=QUESTION)
    text: Mapped[str] = mapped_column(Text)  # masked
    status: Mapped[str] = mapped_column(String(24))
    procedure: Mapped[str | None] = mapped_column(String(16), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(200))
    feedback: Mapped[str | None] = mapped_column(String(8))  # good | bad, set by a later feedback turn
    online_guide: Mapped[bool] = mapped_column(Boolean, default=False)
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id", ondelete="SET NULL"), index=True)
    # Why this answer (JSON): the decision, the top candidates with scores and the words that decided it, as far
    # as the actions reported them (bot/gateway/console/why.py reads it).
    why: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReviewItem(Base):
    """One group of near-identical questions staff should look at."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key: Mapped[str] = mapped_column(String(500), index=True)
    text: Mapped[str] = mapped_column(Text)  # masked, as first asked
    reason: Mapped[str] = mapped_column(String(24))
    count: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=NEW, index=True)
    channel: Mapped[str] = mapped_column(String(32))  # of the latest occurrence: where a reply goes
    sender_id: Mapped[str] = mapped_column(String(160))
    procedure: Mapped[str | None] = mapped_column(String(16))  # what the assistant guessed, if anything
    confidence: Mapped[float | None] = mapped_column(Float)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolution: Mapped[str | None] = mapped_column(Text)  # e.g. "linked to 1.009972", for the record
    updated_by: Mapped[str | None] = mapped_column(String(80))


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=STAFF)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Only a hash of the cookie value is kept: a leaked database does not hand out live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


class LoginThrottle(Base):
    """Login attempts per account ("user:<name>") and per client address ("addr:<ip>") in the current window.

    In the database so every gateway process counts the same attempts, and so one conditional UPDATE can
    check and count an attempt at once: parallel guesses cannot all pass the check before any is counted.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class GatewayState(Base):
    """Small JSON documents of the gateway by key (widget sessions and history, what each sender was offered,
    the Zalo reply window, messages waiting for Rasa): in the database so every gateway shares them and a
    restart forgets nothing."""

    __tablename__ = "gateway_state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Steps of the online-filing funnel, in the order the dashboard shows them (bot/gateway/db/funnel_stats.py labels them).
FUNNEL_STEPS = (
    "asked",
    "offered",
    "started",
    "step_login",
    "step_find",
    "step_fill",
    "payment",
    "step_submit",
    "step_track",
    "finished",
    "link_opened",
    "receipt",
)
# Steps of the reminder offer (bot/gateway/reminders), in the same table but shown apart: offered and held_out are the
# two arms of the holdout comparison.
REMINDER_STEPS = ("reminder_offered", "reminder_held_out", "reminder_accepted", "reminder_sent", "reminder_continued")


class FunnelEvent(Base):
    """One citizen reaching one funnel step for one procedure on one (local) day: the unique key makes the
    count honest (a citizen who taps "Tiếp" ten times is one), last_at keeps when it last happened."""

    __tablename__ = "funnel_events"
    __table_args__ = (
        UniqueConstraint("day", "step", "procedure", "channel", "sender_id", name="uq_funnel_events_once_a_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # the department's day (UTC+7)
    step: Mapped[str] = mapped_column(String(24), index=True)
    procedure: Mapped[str] = mapped_column(String(16), default="")  # "" when no procedure was in focus
    channel: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkToken(Base):
    """A link the assistant sent, behind the gateway's /r/<token> redirect. Only addresses that were in a reply
    get a token, so /r/ can never send anyone elsewhere; the token is random and says nothing about anyone."""

    __tablename__ = "link_tokens"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    procedure: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# What a confirmed question should get besides a department procedure's code (knowledge_base/impact.py).
OTHER_AGENCY, NOT_ANSWERABLE = "other_agency", "not_answerable"


class ConfirmedQuestion(Base):
    """A question staff confirmed the answer of (masked text -> procedure code, another agency, or not
    answerable): the impact check runs them against every proposed change. One per review group key."""

    __tablename__ = "confirmed_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)  # bot/gateway/db/grouping.py: one per question
    text: Mapped[str] = mapped_column(Text)  # masked
    expected: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # link | faq | helpful | not_ours | staff | history
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(80))


class Reminder(Base):
    """A reminder a citizen asked for (bot/gateway/reminders): who (the channel's user id and the name the channel
    gave), which procedure and walkthrough step, when. Deleted once sent or stopped. `state` is "due" until a gateway
    claims it ("sending", until `claimed_until`); one a crashed gateway left "sending" is dropped, never sent
    twice."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("channel", "sender_id", "procedure", name="uq_reminders_one_per_procedure"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    procedure: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(24))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16), default="due")
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderOutcome(Base):
    """What became of a reminder, for staff (no citizen in it): sent, stopped, or why it was not sent
    (blocked, outside Zalo's window, moved inside it, interrupted)."""

    __tablename__ = "reminder_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    procedure: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(300), default="")
