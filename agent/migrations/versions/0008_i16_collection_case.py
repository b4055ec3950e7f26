"""collection hand-over cases

Revision ID: 0008_i16
Revises: 0007_i16
Create Date: 2026-12-02 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agent.models.base

revision: str = "0008_i16"
down_revision: str | None = "0007_i16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("last_reminder_date", sa.Date(), nullable=False),
        sa.Column("opened_date", sa.Date(), nullable=False),
        sa.Column("created_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_collection_case_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_collection_case_owner_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["follow_up_task.id"],
            name=op.f("fk_collection_case_task_id_follow_up_task"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_case")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_collection_case_invoice_id")),
    )
    with op.batch_alter_table("collection_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_case_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("collection_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_case_owner_id"))
    op.drop_table("collection_case")
