"""scale: maintained paid total, current-score store, re-score queue

Revision ID: 0006_i18
Revises: 0005
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import agent.models.base

revision: str = "0006_i18"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paid_minor", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("last_payment_date", sa.Date(), nullable=True))
    op.execute(
        "UPDATE invoice SET"
        " paid_minor = (SELECT coalesce(sum(p.amount_minor), 0) FROM payment p"
        " WHERE p.invoice_id = invoice.id),"
        " last_payment_date = (SELECT max(p.payment_date) FROM payment p"
        " WHERE p.invoice_id = invoice.id)"
    )

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_invoice_day", ["invoice_id", "payment_date", "amount_minor"], unique=False
        )
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.create_index("ix_risk_score_scored_at", ["scored_at"], unique=False)

    op.create_table(
        "rescore_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("requested_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_rescore_request_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescore_request")),
    )
    with op.batch_alter_table("rescore_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rescore_request_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "risk_score_current",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("p_late", sa.Float(), nullable=False),
        sa.Column("expected_payment_date", sa.Date(), nullable=False),
        sa.Column("interval_low_date", sa.Date(), nullable=False),
        sa.Column("interval_high_date", sa.Date(), nullable=False),
        sa.Column("band", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reasons", _JSON, nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("scored_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_risk_score_current_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_risk_score_current")),
    )
    with op.batch_alter_table("risk_score_current", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_score_current_score_id"), ["score_id"], unique=False
        )
    op.execute(
        "INSERT INTO risk_score_current (invoice_id, score_id, model_version, as_of_date, p_late,"
        " expected_payment_date, interval_low_date, interval_high_date, band, reasons, trigger,"
        " scored_at)"
        " SELECT s.invoice_id, s.id, s.model_version, s.as_of_date, s.p_late,"
        " s.expected_payment_date, s.interval_low_date, s.interval_high_date, s.band, s.reasons,"
        " s.trigger, s.scored_at FROM risk_score s"
        " WHERE s.id IN (SELECT max(id) FROM risk_score GROUP BY invoice_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("risk_score_current", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_score_current_score_id"))
    op.drop_table("risk_score_current")
    with op.batch_alter_table("rescore_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rescore_request_invoice_id"))
    op.drop_table("rescore_request")
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_score_scored_at")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_invoice_day")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_column("last_payment_date")
        batch_op.drop_column("paid_minor")
