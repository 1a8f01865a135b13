"""Dashboard figures from the recorded turns: per day, per procedure, per channel, feedback."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from bot.gateway.db.models import BUTTON, QUESTION, Turn
from bot.gateway.db.repositories import turns_between

# Days are the department's days (Vietnam, UTC+7, no daylight saving), not UTC days.
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")
MAX_DAYS = 366
NOT_QUESTIONS = ("chat", "feedback")


@dataclass
class Day:
    day: date
    questions: int = 0
    answered: int = 0
    online_guide: int = 0
    feedback_good: int = 0
    feedback_bad: int = 0

    @property
    def answer_rate(self) -> float | None:
        return round(self.answered / self.questions, 3) if self.questions else None


@dataclass
class Dashboard:
    start: date
    end: date
    days: list[Day]
    procedures: list[tuple[str, int]] = field(default_factory=list)
    channels: list[tuple[str, int]] = field(default_factory=list)

    @property
    def totals(self) -> Day:
        total = Day(self.end)
        for day in self.days:
            total.questions += day.questions
            total.answered += day.answered
            total.online_guide += day.online_guide
            total.feedback_good += day.feedback_good
            total.feedback_bad += day.feedback_bad
        return total


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def dashboard(session: Session, *, days: int = 30, end: date | None = None, top: int = 10) -> Dashboard:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {days}")
    end = end or local_today()
    start = end - timedelta(days=days - 1)
    since = datetime.combine(start, time(), LOCAL_TZ)
    until = datetime.combine(end + timedelta(days=1), time(), LOCAL_TZ)
    by_day = {start + timedelta(days=i): Day(start + timedelta(days=i)) for i in range(days)}
    procedures: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    turns = turns_between(session, start=since, end=until)
    for turn, answered in _questions_answered(turns):
        day = by_day[turn.at.astimezone(LOCAL_TZ).date()]
        day.questions += 1
        day.answered += answered
        channels[turn.channel] += 1
    for turn in turns:
        day = by_day[turn.at.astimezone(LOCAL_TZ).date()]
        day.online_guide += turn.online_guide
        if turn.feedback == "good":
            day.feedback_good += 1
        elif turn.feedback == "bad":
            day.feedback_bad += 1
        if turn.status == "answered" and turn.procedure and not turn.online_guide:
            procedures[turn.procedure] += 1
    return Dashboard(start, end, list(by_day.values()), procedures.most_common(top), channels.most_common())


def _questions_answered(turns: list[Turn]):
    """Each question with whether it got an answer: directly, or by the citizen choosing one of the
    procedures offered right after it (a clarified question answered by its button)."""
    next_of: dict[tuple[str, str], Turn] = {}
    for turn in reversed(turns):
        if turn.kind == QUESTION and turn.status not in NOT_QUESTIONS:
            follow = next_of.get((turn.channel, turn.sender_id))
            answered = turn.status == "answered" or (
                turn.status == "clarified"
                and follow is not None
                and follow.kind == BUTTON
                and follow.status == "answered"
            )
            yield turn, int(answered)
        next_of[(turn.channel, turn.sender_id)] = turn
