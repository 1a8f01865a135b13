"""Figures of the reminders (bot/gateway/reminders) for the funnel tab: each step of a reminder per procedure and
channel, the offered citizens compared with the held-out ones (REMINDER_HOLDOUT), and what became of reminders not sent.

A citizen here is one (channel, sender, procedure) offered (or held out) in the period; what they did next is
looked up whenever it happened, from the moment of the offer on. Each step counts those who also reached the
step before it, so no share is above 100 %.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.gateway.db.funnel_stats import excluded_clause
from bot.gateway.db.models import FunnelEvent, ReminderOutcome
from bot.gateway.db.stats import LOCAL_TZ

STEPS = ("reminder_offered", "reminder_accepted", "reminder_sent", "reminder_continued", "finished", "receipt")
AFTER_OFFER = ("reminder_accepted", "reminder_sent", "reminder_continued", "finished", "receipt")
ARMS = ("reminder_offered", "reminder_held_out")
MIN_ARM = 30  # citizens in each arm before a difference is worth reading
MIN_EVENTS = 5  # ... and at least this many with and without the outcome in each arm
Z95 = 1.96


@dataclass
class Comparison:
    outcome: str
    offered: tuple[int, int]  # (citizens with the outcome, citizens)
    held_out: tuple[int, int]
    difference: float | None  # offered rate minus held-out rate
    low: float | None  # 95 % confidence interval of the difference
    high: float | None
    enough: bool


@dataclass
class ReminderFigures:
    rows: list[dict] = field(default_factory=list)  # per procedure and channel: count of each step
    totals: dict[str, int] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)  # outcome, reason, count


def compare(outcome: str, offered: tuple[int, int], held: tuple[int, int]) -> Comparison:
    (a, n), (b, m) = offered, held
    enough = n >= MIN_ARM and m >= MIN_ARM and min(a, n - a, b, m - b) >= MIN_EVENTS
    if not n or not m:
        return Comparison(outcome, offered, held, None, None, None, False)
    p, q = a / n, b / m
    spread = Z95 * math.sqrt(p * (1 - p) / n + q * (1 - q) / m)
    return Comparison(
        outcome, offered, held, round(p - q, 4), round(p - q - spread, 4), round(p - q + spread, 4), enough
    )


def reminder_figures(
    db: Session,
    *,
    start: date,
    end: date,
    procedure: str | None = None,
    channel: str | None = None,
    excluded: tuple[str, ...] = (),
) -> ReminderFigures:
    where = [FunnelEvent.day >= start, FunnelEvent.day <= end, FunnelEvent.step.in_(ARMS)]
    if (clause := excluded_clause(excluded)) is not None:
        where.append(clause)
    if procedure:
        where.append(FunnelEvent.procedure == procedure)
    if channel:
        where.append(FunnelEvent.channel == channel)
    cohort: dict[tuple[str, str, str], tuple[str, datetime]] = {}
    for step, ch, sender, proc, at in db.execute(
        select(
            FunnelEvent.step, FunnelEvent.channel, FunnelEvent.sender_id, FunnelEvent.procedure, FunnelEvent.at
        ).where(*where)
    ):
        key = (ch, sender, proc)
        if key not in cohort or at < cohort[key][1]:
            cohort[key] = (step, at)
    reached: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    if cohort:
        senders = sorted({s for _, s, _ in cohort})
        for i in range(0, len(senders), 500):
            rows = db.execute(
                select(
                    FunnelEvent.step,
                    FunnelEvent.channel,
                    FunnelEvent.sender_id,
                    FunnelEvent.procedure,
                    FunnelEvent.last_at,
                ).where(
                    FunnelEvent.sender_id.in_(senders[i : i + 500]),
                    FunnelEvent.step.in_(AFTER_OFFER),
                    FunnelEvent.day >= start,
                )
            )
            for step, ch, sender, proc, last_at in rows:
                key = (ch, sender, proc)
                if key in cohort and last_at >= cohort[key][1]:
                    reached[key].add(step)
    figures = ReminderFigures()
    per_group: dict[tuple[str, str], Counter] = defaultdict(Counter)
    arms = {arm: [0, 0, 0] for arm in ARMS}  # citizens, finished, receipt
    for key, (arm, _at) in cohort.items():
        done = reached[key]
        arms[arm][0] += 1
        arms[arm][1] += "finished" in done
        arms[arm][2] += "receipt" in done
        if arm != "reminder_offered":
            continue
        counts = per_group[(key[2], key[0])]
        counts["reminder_offered"] += 1
        for step in STEPS[1:]:
            if step not in done:
                break
            counts[step] += 1  # only those who reached every step before it
    figures.rows = [
        {"procedure": proc, "channel": ch, **{s: c.get(s, 0) for s in STEPS}}
        for (proc, ch), c in sorted(per_group.items())
    ]
    figures.totals = {s: sum(r[s] for r in figures.rows) for s in STEPS}
    offered, held = arms["reminder_offered"], arms["reminder_held_out"]
    figures.comparisons = [
        compare("finished", (offered[1], offered[0]), (held[1], held[0])),
        compare("receipt", (offered[2], offered[0]), (held[2], held[0])),
    ]
    first = datetime.combine(start, time(0), tzinfo=LOCAL_TZ)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    out_where = [ReminderOutcome.at >= first, ReminderOutcome.at < after]
    if procedure:
        out_where.append(ReminderOutcome.procedure == procedure)
    if channel:
        out_where.append(ReminderOutcome.channel == channel)
    figures.outcomes = [
        {"outcome": o, "reason": r, "count": n}
        for o, r, n in db.execute(
            select(ReminderOutcome.outcome, ReminderOutcome.reason, func.count())
            .where(*out_where)
            .group_by(ReminderOutcome.outcome, ReminderOutcome.reason)
            .order_by(func.count().desc())
        )
    ]
    return figures
