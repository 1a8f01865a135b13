"""The funnel's storage on SQLite and PostgreSQL: once per citizen, step, procedure and local day; exclusions;
rates; the weekly trend; link tokens issued once per link and citizen."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.gateway.db import funnel, funnel_stats
from bot.gateway.db.engine import session_factory
from bot.gateway.db.models import FunnelEvent

PERMIT = "1.013225"
# 2026-11-30 23:30 UTC is already 2026-12-01 in Tuyên Quang (UTC+7).
MONDAY_LATE_UTC = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)
MONDAY_NOON_UTC = datetime(2026, 11, 30, 5, 0, tzinfo=timezone.utc)


def step(db, name, sender="u1", procedure=PERMIT, channel="telegram", at=MONDAY_NOON_UTC):
    funnel.record_step(db, step=name, channel=channel, sender_id=sender, procedure=procedure, at=at)
    db.commit()


def counts(db, **kw):
    kw.setdefault("start", date(2026, 11, 1))
    kw.setdefault("end", date(2026, 12, 31))
    return funnel_stats.funnel(db, **kw)


def test_a_citizen_counts_once_per_step_procedure_and_local_day(db):
    for _ in range(3):
        step(db, "started")
    step(db, "started", procedure="1.013236")  # another procedure
    step(db, "started", at=MONDAY_LATE_UTC)  # the next local day
    step(db, "started", sender="u2")  # another citizen
    step(db, "started", channel="zalo")  # another channel, another sender id
    assert counts(db).counts["started"] == 5
    row = db.scalar(select(FunnelEvent).where(FunnelEvent.day == date(2026, 12, 1)))
    assert row.at == MONDAY_LATE_UTC


def test_parallel_recording_of_one_step_counts_it_once(engine):
    sessions = session_factory(engine)

    def record(_):
        with sessions() as db:
            step(db, "offered")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(record, range(16)))
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(FunnelEvent)) == 1


def test_unknown_step_is_refused(db):
    with pytest.raises(ValueError):
        funnel.record_step(db, step="opened_everything", channel="api", sender_id="u", procedure=None)


def test_filters_exclusions_and_rates(db):
    for sender in ("a", "b", "c", "d"):
        step(db, "step_fill", sender=sender)
    step(db, "payment", sender="a")
    for sender in ("a", "b", "c"):
        step(db, "step_submit", sender=sender)
    step(db, "step_fill", sender="staff-1", channel="widget")
    step(db, "step_fill", sender="tester", channel="api", procedure="1.013236")
    found = counts(db, excluded=("widget:staff-*", "api:tester", "bad-entry"))
    assert found.counts["step_fill"] == 4
    assert found.rate("payment") == 0.25 and found.rate("step_submit") == 0.75  # both against filling in
    assert found.rate("asked") is None and found.rate("offered") is None  # first step / empty base
    assert counts(db).counts["step_fill"] == 6
    assert counts(db, procedure="1.013236").counts["step_fill"] == 1
    assert counts(db, channel="widget").counts["step_fill"] == 1
    assert counts(db).procedures == ["1.013225", "1.013236"]
    assert counts(db).channels == ["api", "telegram", "widget"]


def test_prefix_exclusion_is_not_a_pattern(db):
    step(db, "asked", sender="x_1", channel="api")
    step(db, "asked", sender="xy1", channel="api")
    assert counts(db, excluded=("api:x_*",)).counts["asked"] == 1  # "_" is a letter here, not a wildcard


def test_weekly_trend_of_finished_and_receipts(db):
    step(db, "finished", at=datetime(2026, 11, 24, 3, tzinfo=timezone.utc))
    step(db, "finished", sender="u2", at=datetime(2026, 11, 29, 3, tzinfo=timezone.utc))
    step(db, "receipt", at=MONDAY_NOON_UTC)
    found = counts(db, start=date(2026, 11, 23), end=date(2026, 12, 6))
    assert found.weeks == [
        (date(2026, 11, 23), {"finished": 2, "receipt": 0}),
        (date(2026, 11, 30), {"finished": 0, "receipt": 1}),
    ]


def test_last_started_walkthrough_is_the_latest_on_any_day(db):
    step(db, "started", procedure="1.013236", at=datetime(2026, 11, 2, 3, tzinfo=timezone.utc))
    step(db, "started", procedure=PERMIT, at=datetime(2026, 11, 3, 3, tzinfo=timezone.utc))
    step(db, "started", procedure="1.013236", at=datetime(2026, 11, 3, 4, tzinfo=timezone.utc))
    assert funnel.last_started(db, channel="telegram", sender_id="u1") == "1.013236"
    assert funnel.last_started(db, channel="zalo", sender_id="u1") is None


def test_a_link_gets_one_random_token_per_citizen(db):
    url = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x"
    first = funnel.token_for(db, url=url, channel="api", sender_id="u1", procedure=PERMIT)
    db.commit()
    assert funnel.token_for(db, url=url, channel="api", sender_id="u1", procedure=PERMIT) == first
    other = funnel.token_for(db, url=url, channel="api", sender_id="u2", procedure=PERMIT)
    db.commit()
    assert other != first and len(first) == 8
    assert funnel.link(db, first).url == url and funnel.link(db, "nope") is None
