"""Spreadsheet invoice import: parsing edge cases, all-or-nothing, idempotent re-import."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.actor import Actor
from agent.errors import ImportRejected, InvalidInput, RowProblem
from agent.models import Client, EventKind, Invoice, InvoiceEvent, Payment, User
from agent.services.ledger import invoices, payments
from agent.services.ledger.io.imports.invoice_rows import INVOICE_FIELDS
from agent.services.ledger.io.imports.invoices import InvoiceImportSummary, import_invoices
from agent.services.ledger.io.imports.reading import parse_map_options
from agent.services.ledger.standing import State
from tests.services.ledger.io.import_options import TODAY, options

ACTOR = Actor.system("import:test")


def write(tmp_path: Path, text: str, name: str = "invoices.csv", *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def run(
    session: Session,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    commit: bool = True,
    **kwargs: object,
) -> InvoiceImportSummary:
    opts = kwargs.pop("opts", None) or options()
    summary = import_invoices(
        session,
        path=path,
        mapping=mapping or {},
        options=opts,  # type: ignore[arg-type]
        actor=ACTOR,
        **kwargs,  # type: ignore[arg-type]
    )
    if commit:
        session.commit()
    return summary


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def rejected(session: Session, path: Path, **kwargs: Any) -> list[RowProblem]:
    with pytest.raises(ImportRejected) as caught:
        run(session, path, commit=False, **kwargs)
    session.rollback()
    assert count(session, Invoice) == 0
    return caught.value.problems


def test_recognised_headers_semicolons_bom_and_european_numbers(
    session: Session, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "Invoice #;Client name;Invoice date;Due date;Amount;Paid on;Disputed\n"
        "F-1;Acme BV;2026-01-05;2026-02-04;€ 1 234,56;2026-02-10;nee\n"
        ";;;;;;\n"
        "F-2;Beta;2026-01-10;2026-02-09;1.000,00;;ja\n",
        bom=True,
    )
    summary = run(session, path, opts=options(decimal_comma=True))

    assert (summary.rows, summary.created, summary.payments_recorded) == (2, 2, 1)
    assert summary.disputes_opened == 1
    assert summary.clients_created == ["Acme BV", "Beta"]
    assert summary.owners_created == ["Ann <ann@example.com>"]
    first = invoices.get_by_number(session, number="F-1")
    assert first.amount_minor == 123_456
    assert (
        invoices.standing(session, invoice=first, as_of=TODAY, due_soon_days=7).state == State.PAID
    )
    [payment] = payments.list_for_invoice(session, invoice_id=first.id)
    assert (payment.payment_date, payment.external_id) == (date(2026, 2, 10), "import:F-1:paid")
    second = invoices.get_by_number(session, number="F-2")
    assert second.amount_minor == 100_000
    assert second.dispute_opened_date == date(2026, 1, 10)
    kinds = session.exec(select(InvoiceEvent.kind).where(InvoiceEvent.invoice_id == first.id)).all()
    assert kinds[0] == EventKind.IMPORTED


def test_comma_grouping_iso_codes_and_terms(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Invoice No,Customer,Date,Terms,Total,Currency,Amount paid,Payment date\n"
        'X-1,Acme,2026-01-01,Net 14,"USD 1,234.50",usd,"1,000.00",2026-01-20\n'
        "X-2,Acme,2026-01-01,45 days,$99,USD,,\n",
    )
    run(session, path)

    one = invoices.get_by_number(session, number="X-1")
    assert (one.currency, one.amount_minor, one.due_date) == ("USD", 123_450, date(2026, 1, 15))
    assert invoices.paid_minor(session, invoice_id=one.id) == 100_000
    two = invoices.get_by_number(session, number="X-2")
    assert (two.amount_minor, two.terms_days, two.due_date) == (9_900, 45, date(2026, 2, 15))


def test_missing_due_date_uses_default_terms_and_custom_date_format(
    session: Session, tmp_path: Path
) -> None:
    path = write(tmp_path, "number,client,issue_date,amount\nD-1,Acme,15/01/2026,10\n")
    run(session, path, opts=options(date_format="%d/%m/%Y", default_terms_days=21))

    invoice = invoices.get_by_number(session, number="D-1")
    assert invoice.issue_date == date(2026, 1, 15)
    assert invoice.due_date == date(2026, 2, 5)


def test_every_bad_cell_is_reported_with_line_and_column_and_nothing_stored(
    session: Session, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "Invoice #,Client,Issue date,Due date,Amount,Currency,Paid,Paid on\n"
        "B-1,Acme,2026-13-01,2026-02-01,100,EUR,,\n"  # line 2: bad date
        "B-2,Acme,2026-01-01,2026-02-01,-5,EUR,,\n"  # line 3: negative
        "B-3,Acme,2026-01-01,2026-02-01,abc,EUR,,\n"  # line 4: not numeric
        "B-4,Acme,2026-02-01,2026-01-01,100,EUR,,\n"  # line 5: due before issue
        "B-5,Acme,2026-01-01,2026-02-01,100,XYZ,,\n"  # line 6: unknown currency
        "\n"  # line 7: blank
        "B-6,Acme,2026-01-01,2026-02-01,100,EUR,,\n"  # line 8: duplicate of line 9
        "B-6,Acme,2026-01-01,2026-02-01,100,EUR,,\n"  # line 9
        "B-7,Acme,2026-01-01,2026-02-01,(100.00),EUR,,\n"  # line 10: negative in brackets
        "B-8,Acme,2026-01-01,2026-02-01,100,EUR,150,2026-01-10\n"  # line 11: overpaid
        "B-9,Acme,2026-01-10,2026-02-01,100,EUR,,2026-01-05\n"  # line 12: paid before issue
        "B-10,Acme,2026-01-01,2026-02-01,€100,USD,,\n"  # line 13: symbol disagrees
        "B-11,Acme,2026-01-01,2026-02-01,0,EUR,,\n"  # line 14: zero
        "B-12,Acme,2026-01-01,2026-02-01,1.234,EUR,,\n"  # line 15: too many decimals
        "OK-1,Acme,2026-01-01,2026-02-01,100,EUR,,\n",  # line 16: fine
    )
    problems = rejected(session, path)
    found = {(p.line, p.column) for p in problems}

    assert found == {
        (2, "Issue date"),
        (3, "Amount"),
        (4, "Amount"),
        (5, "Due date"),
        (6, "Currency"),
        (8, "Invoice #"),
        (9, "Invoice #"),
        (10, "Amount"),
        (11, "Paid"),
        (12, "Paid on"),
        (13, "Amount"),
        (14, "Amount"),
        (15, "Amount"),
    }
    by_line = {p.line: p.reason for p in problems}
    assert "negative" in by_line[3] and "negative" in by_line[10]
    assert "also on line 9" in by_line[8] and "also on line 8" in by_line[9]
    assert "before the issue date" in by_line[5]
    assert "XYZ" in by_line[6]
    assert "EUR" in by_line[13] and "USD" in by_line[13]
    assert count(session, Client) == 0 and count(session, User) == 0


def test_skip_invalid_imports_good_rows_and_lists_bad(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "number,client,issue_date,amount\nG-1,Acme,2026-01-01,10\nG-2,Acme,yesterday,10\n",
    )
    summary = run(session, path, skip_invalid=True)

    assert summary.created == 1
    assert [(p.line, p.column) for p in summary.skipped] == [(3, "issue_date")]
    assert invoices.find_by_number(session, number="G-2") is None


def test_dry_run_reports_and_stores_nothing(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "number,client,issue_date,amount,paid_date,disputed\n"
        "R-1,Acme,2026-01-01,10,2026-01-09,no\nR-2,Beta,2026-01-01,10,,yes\n",
    )
    summary = run(session, path, dry_run=True)

    assert (summary.created, summary.payments_recorded, summary.disputes_opened) == (2, 1, 1)
    assert summary.clients_created == ["Acme", "Beta"]
    assert summary.owners_created == ["Ann <ann@example.com>"]
    assert count(session, Invoice) == 0 and count(session, Client) == 0


def test_reimport_is_idempotent_and_tops_up_a_larger_amount_paid(
    session: Session, tmp_path: Path
) -> None:
    header = "number,client,issue_date,amount,amount_paid,paid_date\n"
    first = write(tmp_path, header + "P-1,Acme,2026-01-01,100.00,40.00,2026-01-10\n", "a.csv")
    run(session, first)
    again = run(session, first)
    assert (again.created, again.unchanged, again.payments_recorded) == (0, 1, 0)

    later = write(tmp_path, header + "P-1,acme ,2026-01-01,100.00,100.00,2026-02-01\n", "b.csv")
    topped = run(session, later)
    run(session, later)

    invoice = invoices.get_by_number(session, number="P-1")
    ids = sorted(
        p.external_id or "" for p in payments.list_for_invoice(session, invoice_id=invoice.id)
    )
    assert topped.payments_recorded == 1
    assert ids == ["import:P-1:paid", "import:P-1:paid-to:10000"]
    assert invoices.paid_minor(session, invoice_id=invoice.id) == 10_000
    assert count(session, Invoice) == 1 and count(session, Client) == 1


def test_reimport_with_different_facts_names_the_field(session: Session, tmp_path: Path) -> None:
    header = "number,client,issue_date,amount,currency\n"
    run(session, write(tmp_path, header + "C-1,Acme,2026-01-01,100.00,EUR\n", "a.csv"))
    path = write(
        tmp_path,
        header + "C-1,Acme,2026-01-01,120.00,EUR\n",
        "b.csv",
    )
    with pytest.raises(ImportRejected) as caught:
        run(session, path, commit=False)
    [problem] = caught.value.problems
    assert problem.line == 2 and problem.column == "amount"
    assert "already imported with amount 100.00 EUR, file says 120.00 EUR" in problem.reason


def test_owner_forms_and_mapping(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Ref,Who,Rep,Start,Sum\n"
        "M-1,Acme,Bob <bob@example.com>,2026-01-01,1\n"
        "M-2,Acme,bob@example.com,2026-01-01,2\n"
        "M-3,Acme,Carol,2026-01-01,3\n",
    )
    mapping = parse_map_options(
        ["number=Ref", "client=who", "owner=Rep", "issue_date=Start", "amount=Sum"],
        fields=INVOICE_FIELDS,
    )
    summary = run(session, path, mapping=mapping)

    assert summary.created == 3
    assert len(summary.owners_created) == 2
    owners = {invoices.get_by_number(session, number=n).owner_id for n in ("M-1", "M-2", "M-3")}
    assert len(owners) == 2


def test_unknown_map_field_and_missing_mapped_column_are_immediate_errors(
    session: Session, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="unknown field 'amout'"):
        parse_map_options(["amout=Total"], fields=INVOICE_FIELDS)
    path = write(tmp_path, "number,client,amount\nA,B,1\n")
    with pytest.raises(InvalidInput, match="no column 'Datum'"):
        run(session, path, mapping={"issue_date": "Datum"}, commit=False)


def test_xlsx_with_date_cells_and_numbers(session: Session, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Invoice Number", "Customer", "Invoice Date", "Due", "Amount", "Paid"])
    sheet.append([1001, "Acme", date(2026, 1, 5), date(2026, 2, 4), 55.94, None])
    sheet.append([None, None, None, None, None, None])
    sheet.append([1002, "Acme", date(2026, 1, 6), 46059, 1234.5, 1234.5])
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    summary = run(session, path)

    assert summary.created == 2
    one = invoices.get_by_number(session, number="1001")
    assert (one.amount_minor, one.due_date) == (5_594, date(2026, 2, 4))
    two = invoices.get_by_number(session, number="1002")
    assert (two.amount_minor, two.due_date) == (123_450, date(2026, 2, 6))
    assert invoices.paid_minor(session, invoice_id=two.id) == 123_450


def test_formula_quote_from_an_export_is_undone(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "number,client,issue_date,amount\nQ-1,'=cmd|' /C calc',2026-01-01,1\n")
    run(session, path)
    client = session.exec(select(Client)).one()
    assert client.name == "=cmd|' /C calc'"


def test_ibm_payment_history_layout_imports_as_settled_invoices(
    engine: Engine, session: Session
) -> None:
    fixture = Path(__file__).parents[3] / "data" / "imports" / "ibm_ar_sample.csv"
    mapping = parse_map_options(
        [
            "number=invoiceNumber",
            "client=customerID",
            "issue_date=InvoiceDate",
            "due_date=DueDate",
            "amount=InvoiceAmount",
            "paid_date=SettledDate",
            "disputed=Disputed",
        ],
        fields=INVOICE_FIELDS,
    )
    summary = run(
        session,
        fixture,
        mapping=mapping,
        opts=options(default_currency="USD", date_format="%m/%d/%Y"),
    )

    assert (summary.created, summary.payments_recorded, summary.skipped) == (40, 40, [])
    import csv

    with fixture.open() as handle:
        source = list(csv.DictReader(handle))
    for row in source:
        invoice = invoices.get_by_number(session, number=row["invoiceNumber"])
        [payment] = payments.list_for_invoice(session, invoice_id=invoice.id)
        issued = invoice.issue_date
        assert (payment.payment_date - issued).days == int(row["DaysToSettle"])
        assert max(0, (payment.payment_date - invoice.due_date).days) == int(row["DaysLate"])
        assert payment.amount_minor == invoice.amount_minor
    assert count(session, Payment) == 40


def test_a_yes_no_paid_column_means_paid_in_full_or_not_at_all(
    session: Session, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "Invoice #,Client,Date,Due date,Amount,Paid,Paid on\n"
        'A-1,Acme,2026-01-05,2026-02-04,"1,200.00",Yes,2026-02-10\n'
        "A-2,Acme,2026-02-05,2026-02-20,500.00,No,\n"
        "A-3,Beta,2026-02-06,2026-02-21,300.00,150.00,2026-02-10\n",
    )
    summary = run(session, path)
    assert (summary.created, summary.payments_recorded) == (3, 2)
    paid = {
        number: invoices.paid_minor(
            session, invoice_id=invoices.get_by_number(session, number=number).id
        )
        for number in ("A-1", "A-2", "A-3")
    }
    assert paid == {"A-1": 120_000, "A-2": 0, "A-3": 15_000}
    first = invoices.get_by_number(session, number="A-1")
    standing = invoices.standing(session, invoice=first, as_of=TODAY, due_soon_days=7)
    assert standing.state == State.PAID
    (payment,) = payments.list_for_invoice(session, invoice_id=first.id)
    assert payment.payment_date == date(2026, 2, 10)
