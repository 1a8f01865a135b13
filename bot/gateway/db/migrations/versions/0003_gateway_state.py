"""gateway state shared by every gateway process

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_state",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("gateway_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gateway_state_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gateway_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gateway_state_expires_at"))
    op.drop_table("gateway_state")
