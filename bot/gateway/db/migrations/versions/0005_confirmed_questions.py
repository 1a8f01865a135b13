"""confirmed questions (seeded from the review history) and why each turn was answered

Revision ID: 0005
Revises: 0004
"""

import re

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Resolutions the console has written since the first revision (bot/gateway/console/service.py): a question staff
# linked, or answered with a FAQ entry, of a procedure.
_RESOLVED_TO = re.compile(r"(?:linked to|FAQ answer in) (\d\.\d{6})")


def upgrade() -> None:
    op.create_table(
        "confirmed_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("expected", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("why", sa.Text(), nullable=True))
    _seed_from_review_history()


def _seed_from_review_history() -> None:
    """Every group staff resolved by linking it to a procedure (or answering it in a procedure's FAQ) is a
    confirmed question of that procedure; the latest resolution wins."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT group_key, text, resolution, updated_by, last_seen FROM review_items "
            "WHERE status = 'resolved' AND resolution IS NOT NULL ORDER BY id"
        )
    ).fetchall()
    seeded: dict[str, dict] = {}
    for key, text, resolution, by, seen in rows:
        codes = _RESOLVED_TO.findall(resolution or "")
        if codes and key:
            seeded[key] = {
                "key": key,
                "text": text,
                "expected": codes[-1],
                "source": "history",
                "created": seen,
                "created_by": by,
            }
    if seeded:
        table = sa.table(
            "confirmed_questions",
            *(sa.column(c) for c in ("key", "text", "expected", "source", "created", "created_by")),
        )
        op.bulk_insert(table, list(seeded.values()))


def downgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("why")
    op.drop_table("confirmed_questions")
