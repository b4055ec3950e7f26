"""``paytrack db copy``: move a whole database (SQLite → PostgreSQL, or any pair) and prove it.

Every table the schema knows is copied row by row with its ids, parents before children, in
one transaction on the target; then the target's id sequences are moved past the copied ids,
and the copy is verified: the same row count in every table and the same per-currency totals
of invoiced and paid money. The target must be migrated and empty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import agent.models  # noqa: F401  (registers every table on the metadata)
from agent.errors import CopyMismatch, LedgerNotEmpty

BATCH = 1_000


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    invoiced: dict[str, int] = field(default_factory=dict)
    paid: dict[str, int] = field(default_factory=dict)


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def totals(connection: Connection) -> CopyReport:
    """Row counts of every table and per-currency sums of invoices and payments."""
    report = CopyReport()
    for table in tables():
        report.rows[table.name] = int(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
        )
    for name, target in (("invoice", report.invoiced), ("payment", report.paid)):
        table = SQLModel.metadata.tables[name]
        query = select(table.c.currency, func.sum(table.c.amount_minor)).group_by(table.c.currency)
        target.update({currency: int(total) for currency, total in connection.execute(query)})
    return report


def copy_database(source: Engine, target: Engine) -> CopyReport:
    """Copy every row of ``source`` into the empty ``target``; the verified totals."""
    with source.connect() as reader, target.begin() as writer:
        occupied = [
            t.name for t in tables() if writer.execute(select(1).select_from(t).limit(1)).first()
        ]
        if occupied:
            raise LedgerNotEmpty(
                f"the target database already holds rows in {', '.join(occupied)}; "
                "copy into a freshly migrated, empty database"
            )
        for table in tables():
            _copy_table(reader, writer, table)
        if writer.dialect.name == "postgresql":
            advance_sequences(writer, tables())
            analyze(writer, tables())
        expected, copied = totals(reader), totals(writer)
        if expected != copied:
            raise CopyMismatch(_difference(expected, copied))
    return copied


def _copy_table(reader: Connection, writer: Connection, table: Table) -> None:
    order = list(table.primary_key.columns)
    result = reader.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
    for batch in result.mappings().partitions(BATCH):
        writer.execute(table.insert(), [dict(row) for row in batch])


def analyze(writer: Connection, copied: list[Table]) -> None:
    """Give PostgreSQL's planner statistics for the rows just loaded. Until autovacuum gets
    round to it (never, where it is off) the planner guesses, and picks full scans where an
    index answers in microseconds (the open-invoice list, "anything paid after today")."""
    for table in copied:
        writer.execute(text(f'ANALYZE "{table.name}"'))


def advance_sequences(writer: Connection, copied: list[Table]) -> None:
    """Explicit ids do not move PostgreSQL's sequences; the next insert must not reuse an id."""
    for table in copied:
        column = table.c.get("id")
        if column is None or not column.autoincrement:
            continue
        sequence = writer.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table.name}"'}
        ).scalar_one()
        if sequence is None:
            continue
        advance = "SELECT setval(:seq, COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "
        writer.execute(text(f'{advance}"{table.name}"'), {"seq": sequence})


def _difference(expected: CopyReport, copied: CopyReport) -> str:
    rows = Counter(expected.rows)
    rows.subtract(copied.rows)
    parts = [f"{name}: {n:+d} rows" for name, n in rows.items() if n]
    for label, want, got in (
        ("invoiced", expected.invoiced, copied.invoiced),
        ("paid", expected.paid, copied.paid),
    ):
        parts += [
            f"{label} {c}: {want.get(c)} vs {got.get(c)}"
            for c in want.keys() | got.keys()
            if want.get(c) != got.get(c)
        ]
    return "; ".join(parts)
