"""the open-invoice index covers what an open list filters on

``ix_invoice_open_due`` walks open invoices in due-date order, but void and written-off
invoices keep their balance and the oldest due dates, so a first page of overdue invoices read
about a thousand such rows from the table (at 100,000 invoices) only to drop them. With the
columns the state, dispute and owner conditions read in the index, the walk stays in it.

Revision ID: 0011_api
Revises: 0010_i18b
Create Date: 2026-12-02 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_api"
down_revision: str | None = "0010_i18b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_BALANCE = sa.text("amount_minor > paid_minor")
_COVERED = [
    "due_date",
    "id",
    "lifecycle",
    "closed_date",
    "dispute_opened_date",
    "issue_date",
    "amount_minor",
    "paid_minor",
    "owner_id",
]


def _open_due(columns: list[str]) -> None:
    op.drop_index("ix_invoice_open_due", table_name="invoice")
    op.create_index(
        "ix_invoice_open_due",
        "invoice",
        columns,
        sqlite_where=_HAS_BALANCE,
        postgresql_where=_HAS_BALANCE,
    )


def upgrade() -> None:
    _open_due(_COVERED)


def downgrade() -> None:
    _open_due(["due_date", "id"])
