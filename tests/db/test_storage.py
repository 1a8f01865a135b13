"""Turns, the review queue and the dashboard figures, against SQLite and PostgreSQL (see conftest)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from bot.gateway.db import repositories as repo
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.db.models import BUTTON, IGNORED, NEW, QUESTION, RESOLVED, ReviewItem, Turn
from bot.gateway.db.stats import LOCAL_TZ, dashboard

NOON = datetime(2026, 11, 20, 5, 0, tzinfo=timezone.utc)  # 12:00 in Tuyên Quang


def ask(db, text_, status="fallback", sender="u1", channel="telegram", at=NOON, kind=QUESTION, **kw):
    turn = repo.add_turn(db, channel=channel, sender_id=sender, text=text_, kind=kind, status=status, at=at, **kw)
    db.commit()
    return turn


def test_migrations_can_run_again_at_every_start(engine):
    migrate(engine)
    with engine.connect() as connection:
        version = connection.execute(text("select version_num from alembic_version")).scalar()
    assert version == _head()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.gateway.db.engine import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'var' / 'x.db'}")
    migrate(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_stored_turn_text_is_masked(engine, db):
    ask(db, "CCCD 001090012345, sđt 0912345678, mail a@b.vn: hồ sơ 000.00.04.H22-250801-0001 ở đâu?")
    with session_factory(engine)() as other:
        stored = other.scalars(select(Turn.text)).one()
        queued = other.scalars(select(ReviewItem.text)).one()
    assert stored == "CCCD [CCCD], sđt [SĐT], mail [email]: hồ sơ 000.00.04.H22-250801-0001 ở đâu?"
    assert queued == stored


def test_only_questions_needing_a_person_are_queued(db):
    ask(db, "xin phép xây nhà", status="answered", procedure="1.009972", confidence=0.9)
    ask(db, "chào bạn", status="chat")
    ask(db, '/ask_procedure{"procedure_code": "1.009972"}', status="fallback", kind=BUTTON)
    ask(db, "làm sổ đỏ ở đâu", status="out_of_scope", procedure="1.000001")
    ask(db, "giấy phép con chó", status="fallback")
    ask(db, "sửa nhà có phải xin phép", status="clarified", procedure="1.009972", confidence=0.4)
    ask(db, "cho gặp cán bộ", status="handed_over")
    reasons = {item.text: item.reason for item in repo.list_queue(db)}
    assert reasons == {
        "làm sổ đỏ ở đâu": "out_of_scope",
        "giấy phép con chó": "unanswered",
        "sửa nhà có phải xin phép": "low_confidence",
        "cho gặp cán bộ": "handed_over",
    }


def test_near_duplicates_are_grouped_with_a_count(db):
    ask(db, "Xin phép sửa nhà ở đâu?", sender="a")
    ask(db, "xin phep sua nha o dau", sender="b", at=NOON + timedelta(minutes=5))
    ask(db, "xin phép sửa nhà ở đâu ạ", sender="c", channel="zalo", at=NOON + timedelta(minutes=9))
    ask(db, "xin phép phá dỡ nhà ở đâu", sender="d")
    ask(db, "chứng chỉ hành nghề hạng 2", sender="e")
    ask(db, "chứng chỉ hành nghề hạng 3", sender="f")
    queue = {item.text: item for item in repo.list_queue(db)}
    assert len(queue) == 4
    grouped = queue["Xin phép sửa nhà ở đâu?"]
    assert grouped.count == 3
    # The latest occurrence is where a staff reply goes.
    assert (grouped.channel, grouped.sender_id) == ("zalo", "c")
    assert grouped.last_seen == NOON + timedelta(minutes=9)


def test_ignored_stays_ignored_and_resolved_reopens_when_it_recurs(db):
    ignored = ask(db, "bot có người yêu chưa").review_item_id
    fixed = ask(db, "xây nhà trên đất nông nghiệp").review_item_id
    repo.set_review_status(db, item_id=ignored, status=IGNORED, by="lan")
    repo.set_review_status(db, item_id=fixed, status=RESOLVED, by="lan", resolution="linked to 1.009972")
    db.commit()
    ask(db, "Bot có người yêu chưa?", sender="u2")
    ask(db, "xây nhà trên đất nông nghiệp", sender="u3")
    assert repo.get_review_item(db, ignored).status == IGNORED
    assert repo.get_review_item(db, ignored).count == 2
    assert repo.get_review_item(db, fixed).status == NEW
    assert [item.id for item in repo.list_queue(db)] == [fixed]


def test_bad_status_is_refused_and_the_item_is_unchanged(db):
    item_id = ask(db, "hỏi linh tinh").review_item_id
    with pytest.raises(repo.InvalidValue):
        repo.set_review_status(db, item_id=item_id, status="done", by="lan")
    db.rollback()
    assert repo.get_review_item(db, item_id).status == NEW
    with pytest.raises(repo.NotFound):
        repo.set_review_status(db, item_id=item_id + 100, status=IGNORED, by="lan")


def test_thumbs_down_queues_the_answered_question(db):
    ask(db, "cấp lại giấy phép xây dựng bị mất", status="answered", procedure="1.009974", confidence=0.8)
    ask(db, "thanks", status="chat")
    turn = repo.record_feedback(db, channel="telegram", sender_id="u1", value="bad", at=NOON + timedelta(minutes=1))
    db.commit()
    assert turn.feedback == "bad" and turn.procedure == "1.009974"
    [item] = repo.list_queue(db)
    assert (item.text, item.reason, item.procedure) == ("cấp lại giấy phép xây dựng bị mất", "bad_feedback", "1.009974")
    # Pressing 👎 twice is one complaint, not two.
    repo.record_feedback(db, channel="telegram", sender_id="u1", value="bad")
    db.commit()
    assert repo.list_queue(db)[0].count == 1


def test_thumbs_up_is_kept_without_queueing_and_other_senders_are_untouched(db):
    ask(db, "xin phép xây nhà", status="answered", procedure="1.009972", sender="a")
    ask(db, "xin phép xây nhà", status="answered", procedure="1.009972", sender="b")
    repo.record_feedback(db, channel="telegram", sender_id="a", value="good")
    db.commit()
    feedback = dict(db.execute(select(Turn.sender_id, Turn.feedback)).all())
    assert feedback == {"a": "good", "b": None}
    assert repo.list_queue(db) == []
    assert repo.record_feedback(db, channel="telegram", sender_id="nobody", value="good") is None
    with pytest.raises(repo.InvalidValue):
        repo.record_feedback(db, channel="telegram", sender_id="a", value="meh")


def test_dashboard_counts_per_local_day(db):
    late = datetime(2026, 11, 19, 18, 30, tzinfo=timezone.utc)  # already 20 Nov in Vietnam
    ask(db, "xin phép xây nhà", status="answered", procedure="1.009972", at=late, sender="a")
    ask(db, "sửa nhà cần gì", status="clarified", procedure="1.009972", sender="b")
    ask(
        db,
        '/ask_procedure{"procedure_code":"1.009973"}',
        status="answered",
        procedure="1.009973",
        sender="b",
        kind=BUTTON,
        at=NOON + timedelta(seconds=30),
    )
    ask(
        db,
        "/start_guide",
        status="answered",
        procedure="1.009973",
        sender="b",
        kind=BUTTON,
        online_guide=True,
        at=NOON + timedelta(minutes=1),
    )
    ask(db, "abc xyz", status="fallback", sender="c", channel="zalo")
    ask(db, "chào", status="chat", sender="c", channel="zalo")
    ask(
        db,
        "xin phép xây nhà",
        status="answered",
        procedure="1.009972",
        sender="d",
        channel="widget",
        at=NOON + timedelta(days=1),
    )
    repo.record_feedback(db, channel="telegram", sender_id="a", value="good")
    db.commit()
    board = dashboard(db, days=3, end=NOON.astimezone(LOCAL_TZ).date() + timedelta(days=1))
    days = {d.day.isoformat(): d for d in board.days}
    assert list(days) == ["2026-11-19", "2026-11-20", "2026-11-21"]
    nov20 = days["2026-11-20"]
    # The clarified question counts as answered: the citizen chose the offered procedure.
    assert (nov20.questions, nov20.answered, nov20.answer_rate) == (3, 2, 0.667)
    assert (nov20.online_guide, nov20.feedback_good) == (1, 1)
    assert days["2026-11-19"].questions == 0 and days["2026-11-19"].answer_rate is None
    assert board.procedures == [("1.009972", 2), ("1.009973", 1)]
    assert dict(board.channels) == {"telegram": 2, "zalo": 1, "widget": 1}
    assert board.totals.questions == 4


def test_usernames_are_unique_and_a_clash_keeps_the_first_account(db):
    repo.create_user(db, username="lan", password_hash="h1", role="admin")
    db.commit()
    with pytest.raises(repo.InvalidValue):
        repo.create_user(db, username="lan", password_hash="h2", role="staff")
    with pytest.raises(repo.InvalidValue):
        repo.create_user(db, username="minh", password_hash="h3", role="boss")
    db.rollback()
    assert [(u.username, u.password_hash, u.role) for u in repo.list_users(db)] == [("lan", "h1", "admin")]
