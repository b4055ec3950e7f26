"""indexes that find the open invoices without scanning the ledger

Revision ID: 0010_i18b
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_i18b"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The maintained balance: as of today, an open invoice is one with a balance left.
    op.create_index("ix_invoice_balance", "invoice", [sa.text("(amount_minor - paid_minor)")])
    # Invoices paid after a past day, which may have been open on it.
    op.create_index("ix_invoice_last_payment_date", "invoice", ["last_payment_date"])


def downgrade() -> None:
    op.drop_index("ix_invoice_last_payment_date", table_name="invoice")
    op.drop_index("ix_invoice_balance", table_name="invoice")
