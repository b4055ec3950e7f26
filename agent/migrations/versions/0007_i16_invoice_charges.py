"""claimed late-payment charges as ledger entries

Revision ID: 0007_i16
Revises: 0006_i16
Create Date: 2026-12-02 06:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import agent.models.base

revision: str = "0007_i16"
down_revision: str | None = "0006_i16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_charge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "compensation",
                "reminder_fee",
                "interest",
                name="chargekind",
                native_enum=False,
                create_constraint=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("settled_minor", sa.BigInteger(), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "settled_minor >= 0 AND settled_minor <= amount_minor",
            name=op.f("ck_invoice_charge_settled"),
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_invoice_charge_draft_id_draft")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_invoice_charge_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_charge")),
        sa.UniqueConstraint("invoice_id", "kind", name=op.f("uq_invoice_charge_invoice_id_kind")),
    )
    with op.batch_alter_table("invoice_charge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_charge_invoice_id"), ["invoice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice_charge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_charge_invoice_id"))
    op.drop_table("invoice_charge")
