"""The reminders' rows (bot/gateway/db/models.py Reminder, ReminderOutcome) and their funnel steps; synchronous, run in
a thread by the callers.

Claiming is one UPDATE .. WHERE state = 'due' AND due_at <= now: atomic on SQLite and PostgreSQL, so of several
gateways exactly one gets a reminder. The claimer sends it and deletes the row; a row left 'sending' by a gateway
that died mid-send is dropped after its claim lapses (and recorded as such), never sent a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.db import funnel
from bot.gateway.db.models import FunnelEvent, Reminder, ReminderOutcome

DUE, SENDING = "due", "sending"
CLAIM_S = 120.0


@dataclass(frozen=True)
class Due:
    id: int
    channel: str
    sender_id: str
    name: str
    procedure: str
    step: str
    due_at: datetime


class ReminderStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # --- offer ---------------------------------------------------------------------------------------------

    def offered_before(self, channel: str, sender_id: str, procedure: str) -> bool:
        """Offered (or held out) once already for this procedure, or a reminder for it is waiting."""
        with self._sessions() as db:
            steps = ("reminder_offered", "reminder_held_out")
            return bool(
                db.scalar(
                    select(
                        exists().where(
                            FunnelEvent.channel == channel,
                            FunnelEvent.sender_id == sender_id,
                            FunnelEvent.procedure == procedure,
                            FunnelEvent.step.in_(steps),
                        )
                        | exists().where(
                            Reminder.channel == channel,
                            Reminder.sender_id == sender_id,
                            Reminder.procedure == procedure,
                        )
                    )
                )
            )

    def receipt_given(self, channel: str, sender_id: str, procedure: str) -> bool:
        with self._sessions() as db:
            return bool(
                db.scalar(
                    select(
                        exists().where(
                            FunnelEvent.channel == channel,
                            FunnelEvent.sender_id == sender_id,
                            FunnelEvent.procedure == procedure,
                            FunnelEvent.step == "receipt",
                        )
                    )
                )
            )

    def record_step(self, step: str, channel: str, sender_id: str, procedure: str, at: datetime) -> None:
        with self._sessions() as db:
            funnel.record_step(db, step=step, channel=channel, sender_id=sender_id, procedure=procedure, at=at)
            db.commit()

    # --- accept / stop -------------------------------------------------------------------------------------

    def schedule(
        self,
        *,
        channel: str,
        sender_id: str,
        name: str,
        procedure: str,
        step: str,
        due_at: datetime,
        now: datetime,
        note: str = "",
    ) -> bool:
        """One reminder per citizen and procedure: False when one is waiting already."""
        with self._sessions() as db:
            db.add(
                Reminder(
                    channel=channel,
                    sender_id=sender_id,
                    name=name[:80],
                    procedure=procedure,
                    step=step,
                    due_at=due_at,
                    state=DUE,
                    created_at=now,
                )
            )
            funnel.record_step(
                db, step="reminder_accepted", channel=channel, sender_id=sender_id, procedure=procedure, at=now
            )
            if note:
                db.add(ReminderOutcome(at=now, channel=channel, procedure=procedure, outcome="moved", reason=note))
            try:
                db.commit()
            except IntegrityError:
                db.rollback()
                return False
            return True

    def stop_all(self, channel: str, sender_id: str, now: datetime) -> int:
        with self._sessions() as db:
            rows = db.scalars(
                select(Reminder).where(
                    Reminder.channel == channel, Reminder.sender_id == sender_id, Reminder.state == DUE
                )
            ).all()
            for row in rows:
                db.add(
                    ReminderOutcome(
                        at=now,
                        channel=channel,
                        procedure=row.procedure,
                        outcome="stopped",
                        reason="người dân dừng nhắc",
                    )
                )
                db.delete(row)
            db.commit()
            return len(rows)

    def waiting(self, channel: str, sender_id: str) -> list[tuple[str, str, datetime]]:
        with self._sessions() as db:
            return [
                (r.procedure, r.step, r.due_at)
                for r in db.scalars(
                    select(Reminder).where(Reminder.channel == channel, Reminder.sender_id == sender_id)
                )
            ]

    # --- sending -------------------------------------------------------------------------------------------

    def due(self, now: datetime, channels: tuple[str, ...], limit: int = 50) -> list[Due]:
        with self._sessions() as db:
            rows = db.scalars(
                select(Reminder)
                .where(Reminder.state == DUE, Reminder.due_at <= now, Reminder.channel.in_(channels))
                .order_by(Reminder.due_at)
                .limit(limit)
            ).all()
            return [Due(r.id, r.channel, r.sender_id, r.name, r.procedure, r.step, r.due_at) for r in rows]

    def claim(self, reminder_id: int, now: datetime) -> bool:
        with self._sessions() as db:
            done = db.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id, Reminder.state == DUE, Reminder.due_at <= now)
                .values(state=SENDING, claimed_until=now + timedelta(seconds=CLAIM_S))
            )
            db.commit()
            return done.rowcount == 1

    def finish(self, reminder: Due, outcome: str, reason: str, now: datetime) -> None:
        """Delete the row and record what became of it (and the funnel step when it was sent)."""
        with self._sessions() as db:
            db.execute(delete(Reminder).where(Reminder.id == reminder.id))
            db.add(
                ReminderOutcome(
                    at=now, channel=reminder.channel, procedure=reminder.procedure, outcome=outcome, reason=reason[:300]
                )
            )
            if outcome == "sent":
                funnel.record_step(
                    db,
                    step="reminder_sent",
                    channel=reminder.channel,
                    sender_id=reminder.sender_id,
                    procedure=reminder.procedure,
                    at=now,
                )
            db.commit()

    def postpone(self, reminder: Due, due_at: datetime) -> None:
        """Back to due, later (the channel asked us to wait, or was unreachable)."""
        with self._sessions() as db:
            db.execute(
                update(Reminder).where(Reminder.id == reminder.id).values(state=DUE, due_at=due_at, claimed_until=None)
            )
            db.commit()

    def move(self, reminder_id: int, due_at: datetime) -> None:
        with self._sessions() as db:
            db.execute(update(Reminder).where(Reminder.id == reminder_id, Reminder.state == DUE).values(due_at=due_at))
            db.commit()

    def interrupted(self, now: datetime) -> int:
        """Drop rows a gateway claimed and never finished (it died mid-send): better missed than sent twice."""
        with self._sessions() as db:
            rows = db.scalars(select(Reminder).where(Reminder.state == SENDING, Reminder.claimed_until < now)).all()
            for row in rows:
                db.add(
                    ReminderOutcome(
                        at=now,
                        channel=row.channel,
                        procedure=row.procedure,
                        outcome="interrupted",
                        reason="gateway stopped while sending; not sent again",
                    )
                )
                db.delete(row)
            db.commit()
            return len(rows)
