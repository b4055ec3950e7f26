"""indexes that find the open invoices without a scan; the ledger version kept by triggers

A later SQLite migration that rebuilds ``invoice``, ``payment`` or ``client`` in batch mode
(copy-and-move) drops their triggers and the expression index: it must create them again
(``tests/services/ledger/test_ledger_version.py`` fails otherwise).

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

# What cached figures depend on: a change to any of these bumps ledger_version.
VERSIONED = ("invoice", "payment", "client")

# A fresh counter (or one whose row was deleted) starts at a random value, never at a number
# an earlier counter may have had, so a cache kept across it cannot mistake old for new.
_SQLITE_BUMP = (
    "INSERT INTO ledger_version (id, version) VALUES (1, abs(random() % 1000000000000)) "
    "ON CONFLICT (id) DO UPDATE SET version = ledger_version.version + 1"
)
_POSTGRES_FUNCTION = """
CREATE FUNCTION bump_ledger_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction, and (as a deferred trigger) at its commit: the row is locked for
    -- the commit only, so concurrent writers do not queue on it for their whole transaction.
    IF TG_OP = 'TRUNCATE' OR current_setting('paytrack.ledger_bumped', true)
            IS DISTINCT FROM 'yes' THEN
        INSERT INTO ledger_version (id, version)
        VALUES (1, (random() * 1000000000000)::bigint)
        ON CONFLICT (id) DO UPDATE SET version = ledger_version.version + 1;
        PERFORM set_config('paytrack.ledger_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    # The maintained balance: as of today, an open invoice is one with a balance left.
    op.create_index("ix_invoice_balance", "invoice", [sa.text("(amount_minor - paid_minor)")])
    # The same invoices in due-date order (a first page of overdue invoices reads its rows).
    has_balance = sa.text("amount_minor > paid_minor")
    op.create_index(
        "ix_invoice_open_due",
        "invoice",
        ["due_date", "id"],
        sqlite_where=has_balance,
        postgresql_where=has_balance,
    )
    # Invoices paid after a past day, which may have been open on it.
    op.create_index("ix_invoice_last_payment_date", "invoice", ["last_payment_date"])
    op.create_table(
        "ledger_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_version")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        for table in VERSIONED:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER tr_{table}_ledger_version"
                f" AFTER INSERT OR UPDATE OR DELETE ON {table}"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                " EXECUTE FUNCTION bump_ledger_version()"
            )
            op.execute(
                f"CREATE TRIGGER tr_{table}_ledger_version_truncate AFTER TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION bump_ledger_version()"
            )
        return
    for table in VERSIONED:
        for event in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER tr_{table}_ledger_version_{event} AFTER {event.upper()}"
                f" ON {table} BEGIN {_SQLITE_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in VERSIONED:
            op.execute(f"DROP TRIGGER tr_{table}_ledger_version_truncate ON {table}")
            op.execute(f"DROP TRIGGER tr_{table}_ledger_version ON {table}")
        op.execute("DROP FUNCTION bump_ledger_version()")
    else:
        for table in VERSIONED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER tr_{table}_ledger_version_{event}")
    op.drop_table("ledger_version")
    op.drop_index("ix_invoice_last_payment_date", table_name="invoice")
    op.drop_index("ix_invoice_open_due", table_name="invoice")
    op.drop_index("ix_invoice_balance", table_name="invoice")
