"""Confirmed questions in storage, on SQLite and PostgreSQL: seeded from the review history by revision 0005,
one per question, masked."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from bot.gateway.db import confirmed
from bot.gateway.db.engine import MIGRATIONS, migrate, session_factory
from bot.gateway.db.models import ConfirmedQuestion


def _upgrade(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision) if revision != "head" else command.upgrade(config, revision)


def test_revision_0005_seeds_the_questions_staff_resolved_to_a_procedure(engine):
    _upgrade(engine, "0004")
    rows = [  # group_key, text, status, resolution
        ("nha phep vuon", "làm nhà trên vườn xin phép", "resolved", "linked to 1.013225"),
        ("chung chi cap lai", "cấp lại chứng chỉ", "resolved", "FAQ answer in 1.013236; linked to 1.013237"),
        ("so do", "sổ đỏ", "resolved", "replied on telegram"),
        ("gia han", "gia hạn", "new", "linked to 1.013227"),  # came back: staff must look again
        ("xin chao", "xin chào", "ignored", None),
    ]
    with engine.begin() as connection:
        for key, question, status, resolution in rows:
            connection.execute(
                text(
                    "INSERT INTO review_items (group_key, text, reason, count, status, channel, sender_id, first_seen, "
                    "last_seen, resolution, updated_by) VALUES (:k, :t, 'unanswered', 1, :s, 'api', 'x', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :r, 'canbo')"
                ),
                {"k": key, "t": question, "s": status, "r": resolution},
            )
    migrate(engine)
    with session_factory(engine)() as db:
        seeded = {(r.text, r.expected, r.source, r.created_by) for r in confirmed.list_all(db)}
    assert seeded == {
        ("làm nhà trên vườn xin phép", "1.013225", "history", "canbo"),
        ("cấp lại chứng chỉ", "1.013237", "history", "canbo"),
    }


def test_one_confirmed_question_per_question_and_personal_data_masked(db):
    first = confirmed.confirm(db, text="Xin phép xây nhà, sđt 0912345678", expected="1.013225", source="link", by="a")
    again = confirmed.confirm(db, text="xin phép xây nhà sđt 0912345678 ạ", expected="1.013226", source="staff", by="b")
    db.commit()
    assert again.id == first.id and again.expected == "1.013226"
    assert db.query(ConfirmedQuestion).count() == 1
    assert "0912345678" not in again.text
