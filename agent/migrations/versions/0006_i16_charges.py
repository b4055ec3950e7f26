"""late-payment charges: client charge policy and reference rates

Revision ID: 0006_i16
Revises: 0005
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import agent.models.base

revision: str = "0006_i16"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("jurisdiction", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "late_charges",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="off",
            )
        )
        batch_op.add_column(
            sa.Column(
                "reminder_fee_agreed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "reference_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rate_percent", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_rate")),
        sa.UniqueConstraint(
            "jurisdiction",
            "effective_from",
            name=op.f("uq_reference_rate_jurisdiction_effective_from"),
        ),
    )


def downgrade() -> None:
    op.drop_table("reference_rate")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("reminder_fee_agreed")
        batch_op.drop_column("late_charges")
        batch_op.drop_column("jurisdiction")
