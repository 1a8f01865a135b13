"""Funnel figures the issue asked to be readable: cohort rates never above 100 %, the steps outside the walkthrough
apart; the reminders' steps per procedure and channel; offered vs held-out with a confidence interval that says
when there are too few citizens. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.gateway.db import funnel, funnel_stats, reminder_stats
from bot.gateway.db.models import ReminderOutcome

PERMIT = "1.013225"
OTHER = "1.008891"
NOON = datetime(2026, 11, 30, 5, 0, tzinfo=timezone.utc)
PERIOD = {"start": date(2026, 11, 1), "end": date(2026, 12, 31)}


def step(db, name, sender, procedure=PERMIT, channel="telegram", at=NOON):
    funnel.record_step(db, step=name, channel=channel, sender_id=sender, procedure=procedure, at=at)


def test_rates_are_of_the_citizens_who_reached_the_step_before_and_never_above_one(db):
    # Two citizens started the walkthrough; fifty typed a receipt code and thirty opened a link without it.
    for sender in ("a", "b"):
        step(db, "started", sender)
        step(db, "step_login", sender)
    step(db, "step_find", "a")
    step(db, "step_find", "z")  # reached step 2 without step 1 on record (another day, another device)
    for i in range(50):
        step(db, "receipt", f"r{i}")
    for i in range(30):
        step(db, "link_opened", f"l{i}")
    db.commit()
    found = funnel_stats.funnel(db, **PERIOD)
    assert found.rate("step_login") == 1.0
    assert found.rate("step_find") == 0.5  # a, of a and b; z did not reach step 1
    assert found.counts["step_find"] == 2  # the count still counts z
    assert found.rate("receipt") is None and found.rate("link_opened") is None  # apart: counts only
    assert found.counts["receipt"] == 50
    assert all(found.rate(s) is None or found.rate(s) <= 1 for s in found.counts)


def test_reminder_steps_per_procedure_and_channel_each_within_the_one_before(db):
    later = NOON + timedelta(days=1)
    for sender in ("a", "b", "c"):
        step(db, "reminder_offered", sender)
    step(db, "reminder_offered", "d", procedure=OTHER, channel="zalo")
    for sender in ("a", "b"):
        step(db, "reminder_accepted", sender)
        step(db, "reminder_sent", sender, at=later)
    step(db, "reminder_continued", "a", at=later)
    step(db, "finished", "a", at=later)
    step(db, "finished", "c", at=later)  # finished without the reminder: not a step of it
    step(db, "receipt", "a", at=later + timedelta(days=1))
    step(db, "finished", "b", at=NOON - timedelta(days=2))  # before the offer: not counted
    db.commit()
    figures = reminder_stats.reminder_figures(db, **PERIOD)
    by_key = {(r["procedure"], r["channel"]): r for r in figures.rows}
    assert [by_key[(PERMIT, "telegram")][s] for s in reminder_stats.STEPS] == [3, 2, 2, 1, 1, 1]
    assert by_key[(OTHER, "zalo")]["reminder_offered"] == 1 and by_key[(OTHER, "zalo")]["reminder_accepted"] == 0
    assert figures.totals["reminder_offered"] == 4
    assert reminder_stats.reminder_figures(db, channel="zalo", **PERIOD).totals["reminder_offered"] == 1


def test_offered_and_held_out_compared_only_when_there_are_enough_citizens(db):
    for i in range(10):
        step(db, "reminder_offered", f"o{i}")
        step(db, "reminder_held_out", f"h{i}")
    step(db, "finished", "o0", at=NOON + timedelta(hours=1))
    db.commit()
    finished = reminder_stats.reminder_figures(db, **PERIOD).comparisons[0]
    assert finished.offered == (1, 10) and finished.held_out == (0, 10) and not finished.enough

    for i in range(10, 200):
        step(db, "reminder_offered", f"o{i}")
        step(db, "reminder_held_out", f"h{i}")
    for i in range(80):
        step(db, "finished", f"o{i}", at=NOON + timedelta(hours=1))
    for i in range(40):
        step(db, "finished", f"h{i}", at=NOON + timedelta(hours=1))
    db.commit()
    finished, receipt = reminder_stats.reminder_figures(db, **PERIOD).comparisons
    assert finished.enough and finished.offered == (80, 200) and finished.held_out == (40, 200)
    assert finished.difference == 0.2 and 0.1 < finished.low < 0.2 < finished.high < 0.3
    assert not receipt.enough  # nobody typed a code: nothing to tell


def test_what_became_of_reminders_is_counted_with_its_reason(db):
    for outcome, reason in (("window_closed", "quá 48 giờ"), ("window_closed", "quá 48 giờ"), ("sent", "")):
        db.add(ReminderOutcome(at=NOON, channel="zalo", procedure=PERMIT, outcome=outcome, reason=reason))
    db.commit()
    outcomes = reminder_stats.reminder_figures(db, **PERIOD).outcomes
    assert outcomes[0] == {"outcome": "window_closed", "reason": "quá 48 giờ", "count": 2}
