"""The invoice table: filters, sorts, groups and a formula-safe CSV of exactly what is shown."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session

from agent.services.ledger.io.spreadsheet import safe_text
from agent.services.reporting import invoice_table
from agent.services.reporting.invoice_table import TableGroup, TableQuery, TableSort, TableStatus
from agent.services.reporting.reports import AgingBucket
from tests.dashboard.ledger import AS_OF, small_ledger
from tests.factories import TEST_ACTOR, make_client, make_invoice


def numbers(table: invoice_table.InvoiceTable) -> list[str]:
    return [row.number for group in table.groups for row in group.rows]


def test_sorts(session: Session) -> None:
    small_ledger(session)
    by = lambda sort, desc=False: numbers(  # noqa: E731
        invoice_table.build(
            session, actor=TEST_ACTOR, query=TableQuery(as_of=AS_OF, sort=sort, descending=desc)
        )
    )
    assert by(TableSort.DUE_DATE) == ["A-1", "A-3", "G-1", "A-2"]
    assert by(TableSort.AMOUNT, desc=True) == ["A-3", "A-1", "A-2", "G-1"]
    assert by(TableSort.DAYS_OVERDUE, desc=True)[0] == "A-1"
    # Only A-2 has a score; unscored invoices sort last either way.
    assert by(TableSort.RISK, desc=True)[0] == "A-2"
    assert by(TableSort.RISK)[0] == "A-2"


def test_filters(session: Session) -> None:
    small = small_ledger(session)

    def shown(**where: Any) -> list[str]:
        return numbers(
            invoice_table.build(session, actor=TEST_ACTOR, query=TableQuery(as_of=AS_OF, **where))
        )

    assert shown(status=TableStatus.OVERDUE) == ["A-1"]
    assert shown(status=TableStatus.PAID) == ["A-3"]
    assert shown(status=TableStatus.OPEN) == ["A-1", "G-1", "A-2"]
    assert shown(owner_id=small.bob.id) == ["G-1", "A-2"]
    assert shown(client_id=small.acme.id, bucket=AgingBucket.NOT_YET_DUE) == ["A-2"]
    assert shown(bucket=AgingBucket.DAYS_31_60) == ["A-1"]


def test_group_by_client_keeps_the_sort_and_sums_outstanding(session: Session) -> None:
    small_ledger(session)
    table = invoice_table.build(
        session,
        actor=TEST_ACTOR,
        query=TableQuery(as_of=AS_OF, group=TableGroup.CLIENT, status=TableStatus.OPEN),
    )
    assert [(g.key, g.outstanding_minor) for g in table.groups] == [
        ("Acme BV", {"EUR": 15_000}),
        ("Globex Inc", {"USD": 3_000}),
    ]
    by_status = invoice_table.build(
        session, actor=TEST_ACTOR, query=TableQuery(as_of=AS_OF, group=TableGroup.STATUS)
    )
    assert [(g.key, [r.number for r in g.rows]) for g in by_status.groups] == [
        ("overdue", ["A-1"]),
        ("paid", ["A-3"]),
        ("open", ["G-1", "A-2"]),
    ]


def test_limit_reports_the_total(session: Session) -> None:
    small_ledger(session)
    table = invoice_table.build(session, actor=TEST_ACTOR, query=TableQuery(as_of=AS_OF, limit=2))
    assert (table.shown_count, table.total_count) == (2, 4)


def export_csv(session: Session, query: TableQuery) -> list[dict[str, str]]:
    text = "".join(
        invoice_table.csv_chunks(invoice_table.stream(session, query=query, actor=TEST_ACTOR))
    )
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_is_the_view_in_order_and_formula_safe(session: Session) -> None:
    hostile = make_client(session, name='=HYPERLINK("http://evil.example","x")')
    make_invoice(session, client=hostile, number="-1+1", amount_minor=1_234)
    small_ledger(session)
    query = TableQuery(as_of=AS_OF, status=TableStatus.OPEN, sort=TableSort.AMOUNT)
    table = invoice_table.build(session, query=query, actor=TEST_ACTOR)
    rows = export_csv(session, query)
    assert [r["number"] for r in rows] == [safe_text(n) for n in numbers(table)]
    first = rows[0]
    assert first["client"] == '\'=HYPERLINK("http://evil.example","x")'
    assert first["number"] == "'-1+1"
    assert (first["outstanding"], first["currency"]) == ("12.34", "EUR")
    assert all(not r[k].startswith(("=", "+", "-", "@")) for r in rows for k in r)


def test_export_has_every_matching_row_beyond_the_page_limit(session: Session) -> None:
    client = make_client(session, name="Many Invoices Ltd")
    for n in range(invoice_table.DEFAULT_LIMIT + 7):
        make_invoice(session, client=client, number=f"M-{n:04d}", amount_minor=100_000 + n)
    query = TableQuery(as_of=AS_OF)
    assert (
        invoice_table.build(session, query=query, actor=TEST_ACTOR).shown_count
        == invoice_table.DEFAULT_LIMIT
    )
    rows = export_csv(session, query)
    assert (
        len(rows)
        == invoice_table.DEFAULT_LIMIT + 7
        == invoice_table.count(session, query=query, actor=TEST_ACTOR)
    )
    assert len({r["number"] for r in rows}) == len(rows)
    assert sum(Decimal(r["amount"]) for r in rows) == sum(
        Decimal(100_000 + n) / 100 for n in range(len(rows))
    )


def test_xlsx_amounts_are_numbers_beside_a_currency_column(session: Session) -> None:
    small_ledger(session)
    query = TableQuery(as_of=AS_OF, sort=TableSort.AMOUNT, descending=True)
    buffer = io.BytesIO()
    written = invoice_table.write_xlsx(
        invoice_table.stream(session, query=query, actor=TEST_ACTOR), buffer
    )
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert written == len(rows) == 4
    amount, currency = header.index("amount"), header.index("currency")
    assert all(isinstance(r[amount], int | float) for r in rows)
    assert [r[currency] for r in rows] == ["EUR", "EUR", "EUR", "USD"]  # per currency, never mixed
