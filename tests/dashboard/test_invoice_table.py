"""The invoice table: filters, sorts, groups and a formula-safe CSV of exactly what is shown."""

from __future__ import annotations

import csv
import io
from typing import Any

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


def test_csv_is_what_is_shown_and_formula_safe(session: Session) -> None:
    hostile = make_client(session, name='=HYPERLINK("http://evil.example","x")')
    make_invoice(session, client=hostile, number="-1+1", amount_minor=1_234)
    small_ledger(session)
    table = invoice_table.build(
        session,
        actor=TEST_ACTOR,
        query=TableQuery(as_of=AS_OF, status=TableStatus.OPEN, sort=TableSort.AMOUNT),
    )
    rows = list(csv.DictReader(io.StringIO(invoice_table.to_csv(table))))
    assert [r["number"] for r in rows] == [safe_text(n) for n in numbers(table)]
    first = rows[0]
    assert first["client"] == '\'=HYPERLINK("http://evil.example","x")'
    assert first["number"] == "'-1+1"
    assert first["outstanding"] == "12.34 EUR"
    assert all(not r[k].startswith(("=", "+", "-", "@")) for r in rows for k in r)
