"""Invoice export: formula-safe cells, derived status, and a faithful round trip via import."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.actor import Actor
from agent.db import make_engine
from agent.services.ledger import invoices
from agent.services.ledger.io import exports
from agent.services.ledger.io.imports.invoice_rows import InvoiceRowOptions
from agent.services.ledger.io.imports.invoices import import_invoices
from agent.services.ledger.io.spreadsheet import safe_text
from tests.factories import make_client, make_invoice, make_user, pay

AS_OF = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Acme", "Acme"),
        ("a=b", "a=b"),
    ],
)
def test_safe_text(text: str, expected: str) -> None:
    assert safe_text(text) == expected


def seed(session: Session) -> None:
    owner = make_user(session, name="Ann", email="ann@example.com")
    evil = make_client(session, name='=HYPERLINK("http://x","y")', currency="EUR")
    plain = make_client(session, name="Acme BV", currency="USD", language="nl")
    make_invoice(
        session,
        client=evil,
        owner=owner,
        number="E-1",
        amount_minor=12_345,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        notes="@cmd -x",
    )
    partly = make_invoice(
        session,
        client=plain,
        owner=owner,
        number="E-2",
        amount_minor=100_000,
        issue_date=date(2026, 1, 10),
        due_date=date(2026, 2, 9),
    )
    pay(session, partly, amount_minor=25_050, payment_date=date(2026, 2, 1))
    paid = make_invoice(
        session, client=plain, owner=owner, number="E-3", issue_date=date(2026, 1, 2)
    )
    pay(session, paid, payment_date=date(2026, 1, 20))
    disputed = make_invoice(
        session, client=plain, owner=owner, number="E-4", issue_date=date(2026, 2, 1)
    )
    invoices.open_dispute(
        session,
        invoice_id=disputed.id,
        reason="wrong qty",
        opened_date=date(2026, 2, 1),
        actor=Actor.system("test"),
    )
    session.commit()


def test_csv_export_neutralises_formulas_and_keeps_amounts_numeric(
    session: Session, tmp_path: Path
) -> None:
    seed(session)
    path = tmp_path / "out.csv"
    written = exports.export_invoices(session, path=path, as_of=AS_OF, due_soon_days=7)

    rows = {r["number"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    assert written == 4
    assert rows["E-1"]["client"] == '\'=HYPERLINK("http://x","y")'
    assert rows["E-1"]["notes"] == "'@cmd -x"
    assert rows["E-1"]["status"] == "overdue" and rows["E-1"]["days_overdue"] == "29"
    assert (rows["E-2"]["amount"], rows["E-2"]["amount_paid"], rows["E-2"]["outstanding"]) == (
        "1000.00",
        "250.50",
        "749.50",
    )
    assert rows["E-3"]["status"] == "paid" and rows["E-3"]["paid_date"] == "2026-01-20"
    assert rows["E-4"]["disputed"] == "yes"


def test_xlsx_export_has_numeric_amounts_and_safe_text(session: Session, tmp_path: Path) -> None:
    seed(session)
    path = tmp_path / "out.xlsx"
    exports.export_invoices(session, path=path, as_of=AS_OF, due_soon_days=7)

    sheet = load_workbook(path).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_number["E-2"]["amount"] == 1000
    assert by_number["E-2"]["amount_paid"] == pytest.approx(250.5)
    assert str(by_number["E-1"]["client"]).startswith("'=")


def facts(session: Session) -> list[tuple[object, ...]]:
    rows = invoices.list_rows(session, as_of=AS_OF, due_soon_days=7)
    return sorted(
        (
            r.invoice.number,
            r.client.name,
            r.client.language,
            r.owner.email,
            r.invoice.issue_date,
            r.invoice.due_date,
            r.invoice.terms_days,
            r.invoice.currency,
            r.invoice.amount_minor,
            r.standing.paid_minor,
            r.standing.state,
            r.standing.outstanding_minor,
            r.invoice.notes,
        )
        for r in rows
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_round_trips_into_an_empty_database(
    session: Session, tmp_path: Path, sqlite_template: Path, suffix: str
) -> None:
    seed(session)
    path = tmp_path / f"out{suffix}"
    exports.export_invoices(session, path=path, as_of=AS_OF, due_soon_days=7)

    target = tmp_path / "empty.db"
    shutil.copyfile(sqlite_template, target)
    empty: Engine = make_engine(f"sqlite:///{target}")
    with Session(empty) as fresh:
        import_invoices(
            fresh,
            path=path,
            mapping={},
            options=InvoiceRowOptions(
                default_currency="GBP",
                default_owner="Nobody <nobody@example.com>",
                default_terms_days=14,
                default_language="en",
                today=AS_OF,
            ),
            actor=Actor.system("import:roundtrip"),
        )
        fresh.commit()
        assert facts(fresh) == facts(session)
    empty.dispose()
