"""client history, notification read/dismiss/resolve, task close note

Revision ID: 0006_i14
Revises: 0005
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import agent.models.base

revision: str = "0006_i14"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("occurred_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["user.id"], name=op.f("fk_client_event_actor_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_client_event_client_id_client")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_event")),
    )
    with op.batch_alter_table("client_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_event_client_id"), ["client_id"], unique=False)
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dismissed_at", agent.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolved_at", agent.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("close_note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.drop_column("closed_by")
        batch_op.drop_column("close_note")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("dismissed_at")
    with op.batch_alter_table("client_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_event_client_id"))
    op.drop_table("client_event")
