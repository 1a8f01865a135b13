"""Figures of the online-filing funnel for a period: counts per step, step-to-step rates, weekly trend.

A count is of rows, and a row is one citizen reaching one step for one procedure on one day (bot/gateway/db/funnel.py),
so a citizen who taps through a step ten times counts once. Staff and test senders are left out here, at
reading time, so changing the setting also corrects figures already recorded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session

from bot.gateway.db.models import FUNNEL_STEPS, FunnelEvent

MAX_DAYS = 366
# The step a rate is taken against. Payment is only shown for procedures with a fee due, so both it and the
# step after it are compared with filling in the form, the last step every walkthrough has before them.
RATE_BASE = {"payment": "step_fill", "step_submit": "step_fill"}
TREND_STEPS = ("finished", "receipt")
# Not steps of the walkthrough: a link opened from any answer, a receipt code typed any time later. Shown apart,
# as counts, without a rate.
APART = ("link_opened", "receipt")
CHAIN = tuple(s for s in FUNNEL_STEPS if s not in APART)


@dataclass
class Funnel:
    start: date
    end: date
    counts: dict[str, int]
    weeks: list[tuple[date, dict[str, int]]] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)  # every procedure with a step in the period
    channels: list[str] = field(default_factory=list)
    # The citizens (channel, sender, procedure) who reached each step of the walkthrough in the period.
    reached: dict[str, set[tuple[str, str, str]]] = field(default_factory=dict)

    def base_of(self, step: str) -> str | None:
        if step in APART:
            return None
        index = CHAIN.index(step)
        return RATE_BASE.get(step, CHAIN[index - 1] if index else None)

    def rate(self, step: str) -> float | None:
        """A cohort rate: of the citizens who reached the base step, the share who also reached this one (never
        above 1); None for the first step, a step shown apart, or an empty base."""
        base = self.base_of(step)
        people = self.reached.get(base) if base else None
        if not people:
            return None
        return round(len(people & self.reached.get(step, set())) / len(people), 3)


def excluded_clause(entries: tuple[str, ...]):
    """SQL condition "not one of these senders": "channel:id" exact, "channel:prefix*" by prefix."""
    clauses = []
    for entry in entries:
        channel, _, sender = entry.partition(":")
        if not channel or not sender:
            continue
        if sender.endswith("*"):
            clauses.append(
                and_(FunnelEvent.channel == channel, FunnelEvent.sender_id.startswith(sender[:-1], autoescape=True))
            )
        else:
            clauses.append(and_(FunnelEvent.channel == channel, FunnelEvent.sender_id == sender))
    return not_(or_(*clauses)) if clauses else None


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())  # Monday


def funnel(
    db: Session,
    *,
    start: date,
    end: date,
    procedure: str | None = None,
    channel: str | None = None,
    excluded: tuple[str, ...] = (),
) -> Funnel:
    if end < start or (end - start).days + 1 > MAX_DAYS:
        raise ValueError(f"the period must be 1 to {MAX_DAYS} days, from start to end")
    period = [FunnelEvent.day >= start, FunnelEvent.day <= end]
    if (clause := excluded_clause(excluded)) is not None:
        period.append(clause)
    where = list(period)
    if procedure:
        where.append(FunnelEvent.procedure == procedure)
    if channel:
        where.append(FunnelEvent.channel == channel)
    rows = db.execute(
        select(FunnelEvent.day, FunnelEvent.step, func.count())
        .where(*where)
        .group_by(FunnelEvent.day, FunnelEvent.step)
    ).all()
    counts: Counter[str] = Counter()
    weekly: dict[date, Counter[str]] = {}
    week = week_of(start)
    while week <= end:
        weekly[week] = Counter()
        week += timedelta(days=7)
    for day, step, n in rows:
        counts[step] += n
        if step in TREND_STEPS:
            weekly[week_of(day)][step] += n
    reached: dict[str, set[tuple[str, str, str]]] = {step: set() for step in CHAIN}
    for step, ch, sender, proc in db.execute(
        select(FunnelEvent.step, FunnelEvent.channel, FunnelEvent.sender_id, FunnelEvent.procedure)
        .where(*where, FunnelEvent.step.in_(CHAIN))
        .distinct()
    ):
        reached[step].add((ch, sender, proc))
    # The filters offer what the period holds, whatever is filtered now.
    procedures = db.scalars(
        select(FunnelEvent.procedure)
        .where(*period, FunnelEvent.procedure != "")
        .distinct()
        .order_by(FunnelEvent.procedure)
    ).all()
    channels = db.scalars(select(FunnelEvent.channel).where(*period).distinct().order_by(FunnelEvent.channel)).all()
    return Funnel(
        start,
        end,
        {step: counts.get(step, 0) for step in FUNNEL_STEPS},
        [(w, {s: c.get(s, 0) for s in TREND_STEPS}) for w, c in weekly.items()],
        list(procedures),
        list(channels),
        reached,
    )
