"""reminders drafts claims notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:36:07.315354
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import agent.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tone", sa.String(length=16), nullable=False),
        sa.Column("tone_reason", sa.Text(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "risk_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "suggested_send_at", agent.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("drafter", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("prompt_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("fallback_reason", sa.Text(), nullable=True),
        sa.Column("broken_promise_date", sa.Date(), nullable=True),
        sa.Column("sweep_date", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", agent.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("final_subject", sa.Text(), nullable=True),
        sa.Column("final_body", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_draft_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["user.id"], name=op.f("fk_draft_decided_by_user_id_user")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_draft_owner_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_draft_thread_id")),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_draft_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_draft_status"), ["status"], unique=False)

    op.create_table(
        "draft_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("outstanding_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("invoice_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_draft_invoice_draft_id_draft")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_draft_invoice_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_invoice")),
        sa.UniqueConstraint(
            "draft_id", "invoice_id", name=op.f("uq_draft_invoice_draft_id_invoice_id")
        ),
    )
    with op.batch_alter_table("draft_invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_invoice_draft_id"), ["draft_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_draft_invoice_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "follow_up_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", agent.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_follow_up_task_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_follow_up_task_owner_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_task")),
    )
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_task_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_follow_up_task_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "milestone_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("sweep_date", sa.Date(), nullable=False),
        sa.Column("thread_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("created_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_milestone_claim_draft_id_draft")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_milestone_claim_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_claim")),
        sa.UniqueConstraint(
            "invoice_id",
            "milestone",
            "due_date",
            name=op.f("uq_milestone_claim_invoice_id_milestone_due_date"),
        ),
    )
    with op.batch_alter_table("milestone_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_claim_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_milestone_claim_thread_id"), ["thread_id"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", agent.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", agent.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_notification_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_notification_owner_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_owner_id"), ["owner_id"], unique=False)

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminder_consequence", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("reminder_consequence")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_owner_id"))
        batch_op.drop_index(batch_op.f("ix_notification_invoice_id"))

    op.drop_table("notification")
    with op.batch_alter_table("milestone_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_claim_thread_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_claim_invoice_id"))

    op.drop_table("milestone_claim")
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_task_owner_id"))
        batch_op.drop_index(batch_op.f("ix_follow_up_task_invoice_id"))

    op.drop_table("follow_up_task")
    with op.batch_alter_table("draft_invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_invoice_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_draft_invoice_draft_id"))

    op.drop_table("draft_invoice")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_status"))
        batch_op.drop_index(batch_op.f("ix_draft_owner_id"))
        batch_op.drop_index(batch_op.f("ix_draft_client_id"))

    op.drop_table("draft")
