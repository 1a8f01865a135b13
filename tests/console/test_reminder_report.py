"""The "Nộp trực tuyến" tab's reminder figures through the console API and its CSV: steps per procedure and
channel, the offered vs held-out comparison (too few citizens said so), and why reminders were not sent."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.gateway.db import funnel
from bot.gateway.db.models import ReminderOutcome, utcnow
from tests.console.console_support import login

PERMIT = "1.013225"


def seed(client) -> None:
    sessions = client.app.state.db_sessions
    now = utcnow()
    with sessions() as db:
        for sender, steps in (
            ("a", ("reminder_offered", "reminder_accepted", "reminder_sent", "reminder_continued", "finished")),
            ("b", ("reminder_offered", "reminder_accepted")),
            ("h", ("reminder_held_out",)),
        ):
            for i, step in enumerate(steps):
                funnel.record_step(
                    db, step=step, channel="telegram", sender_id=sender, procedure=PERMIT, at=now + timedelta(seconds=i)
                )
        db.add(
            ReminderOutcome(
                at=now, channel="zalo", procedure=PERMIT, outcome="window_closed", reason="quá 48 giờ từ tin nhắn cuối"
            )
        )
        db.commit()


def test_the_tab_reports_reminder_steps_the_holdout_and_what_was_not_sent(gateway):
    login(gateway)
    seed(gateway)
    data = gateway.get("/staff/api/funnel").json()["reminders"]
    [row] = data["rows"]
    assert (row["procedure"], row["channel"]) == (PERMIT, "telegram") and row["name"]
    assert [row[s["step"]] for s in data["steps"]] == [2, 2, 1, 1, 1, 0]
    finished = data["comparisons"][0]
    assert finished["offered"] == {"citizens": 2, "reached": 1, "rate": 0.5}
    assert finished["held_out"]["citizens"] == 1 and not finished["enough"]
    assert "Chưa đủ số liệu" in finished["verdict"]
    [outcome] = data["outcomes"]
    assert outcome["outcome"] == "window_closed" and "Zalo" in outcome["label"] and outcome["count"] == 1

    rows = list(csv.reader(io.StringIO(gateway.get("/staff/api/funnel.csv").text.lstrip("\ufeff"))))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "reminders_procedure")
    assert rows[header + 1][:8] == [PERMIT, "telegram", "2", "2", "1", "1", "1", "0"]
    holdout = next(r for r in rows if r and r[0] == "finished" and len(r) == 9)
    assert holdout[1:5] == ["2", "1", "1", "0"] and holdout[8] == "False"
    assert ["window_closed", "quá 48 giờ từ tin nhắn cuối", "1"] in rows
