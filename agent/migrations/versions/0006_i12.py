"""sweep leases on milestone claims; scheduled runs claimed once per job and day

Revision ID: 0006_i12
Revises: 0005
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import agent.models.base

revision: str = "0006_i12"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("milestone_claim", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_until", agent.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "scheduled_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("started_at", agent.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", agent.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_run")),
        sa.UniqueConstraint("job", "run_date", name=op.f("uq_scheduled_run_job_run_date")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_run")
    with op.batch_alter_table("milestone_claim", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
