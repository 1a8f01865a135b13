"""reminders a citizen asked for (deleted once sent or stopped) and what became of them (no citizen in it)

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=160), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("procedure", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "sender_id", "procedure", name="uq_reminders_one_per_procedure"),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_sender_id"), ["sender_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_due_at"), ["due_at"], unique=False)
    op.create_table(
        "reminder_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("procedure", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reminder_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_outcomes_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_outcomes_at"))
    op.drop_table("reminder_outcomes")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_due_at"))
        batch_op.drop_index(batch_op.f("ix_reminders_sender_id"))
    op.drop_table("reminders")
