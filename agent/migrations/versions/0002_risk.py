"""risk model registry and stored scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:30:25.217060
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import agent.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("trained_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("family", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("artifact_path", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_model")),
    )
    with op.batch_alter_table("risk_model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_model_version"), ["version"], unique=True)

    op.create_table(
        "risk_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("p_late", sa.Float(), nullable=False),
        sa.Column("expected_payment_date", sa.Date(), nullable=False),
        sa.Column("interval_low_date", sa.Date(), nullable=False),
        sa.Column("interval_high_date", sa.Date(), nullable=False),
        sa.Column("band", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("scored_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_risk_score_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_score")),
    )
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_score_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(
            "ix_risk_score_invoice_scored", ["invoice_id", "scored_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_score_model_version"), ["model_version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_score_model_version"))
        batch_op.drop_index("ix_risk_score_invoice_scored")
        batch_op.drop_index(batch_op.f("ix_risk_score_invoice_id"))

    op.drop_table("risk_score")
    with op.batch_alter_table("risk_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_model_version"))

    op.drop_table("risk_model")
