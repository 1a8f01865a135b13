"""online-filing funnel: funnel_events (one row per citizen, step, procedure and day) and link_tokens

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "funnel_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("procedure", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=160), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "step", "procedure", "channel", "sender_id", name="uq_funnel_events_once_a_day"),
    )
    with op.batch_alter_table("funnel_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funnel_events_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_funnel_events_step"), ["step"], unique=False)
        batch_op.create_index(batch_op.f("ix_funnel_events_sender_id"), ["sender_id"], unique=False)
    op.create_table(
        "link_tokens",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=160), nullable=False),
        sa.Column("procedure", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("link_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_tokens_sender_id"), ["sender_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_tokens_sender_id"))
    op.drop_table("link_tokens")
    with op.batch_alter_table("funnel_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funnel_events_sender_id"))
        batch_op.drop_index(batch_op.f("ix_funnel_events_step"))
        batch_op.drop_index(batch_op.f("ix_funnel_events_day"))
    op.drop_table("funnel_events")
