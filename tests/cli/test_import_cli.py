"""``paytrack import`` and ``paytrack export`` end to end: the real typer app and database."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.cli.app import app
from agent.models import Invoice, Payment

runner = CliRunner()
FIXTURE = Path(__file__).parent.parent / "data" / "imports" / "ibm_ar_sample.csv"
IBM_MAP = [
    "--map", "number=invoiceNumber", "--map", "client=customerID",
    "--map", "issue_date=InvoiceDate", "--map", "due_date=DueDate",
    "--map", "amount=InvoiceAmount", "--map", "paid_date=SettledDate",
    "--map", "disputed=Disputed", "--currency", "USD", "--date-format", "%m/%d/%Y",
]  # fmt: skip


def invoice_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Invoice)).one())


def test_ibm_layout_imports_cleanly_and_reimport_changes_nothing(
    cli_env: dict[str, str], engine: Engine
) -> None:
    first = runner.invoke(app, ["import", "invoices", str(FIXTURE), *IBM_MAP])
    again = runner.invoke(app, ["import", "invoices", str(FIXTURE), *IBM_MAP])

    assert first.exit_code == 0, first.output
    assert "created 40 invoice(s)" in first.output and "40 payment(s)" in first.output
    assert "new clients (6)" in first.output
    assert again.exit_code == 0, again.output
    assert "created 0 invoice(s), 40 unchanged, 0 payment(s)" in again.output
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Payment)).one() == 40


def foreign_workbook(path: Path) -> list[tuple[str, date, int, Decimal, Decimal, date | None]]:
    """A layout nobody here wrote: Dutch headers, terms instead of due dates, partial payments."""
    rows = []
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Volgnr", "Debiteur", "Boekdatum", "Betaaltermijn", "Factuurbedrag", "Voldaan", "Op"]
    )
    for i in range(30):
        issued = date(2025, 10, 1) + timedelta(days=5 * i)
        terms = (14, 30, 60)[i % 3]
        amount = Decimal(100_000 + 3_702 * i) / 100
        paid = (Decimal(0), amount / 2, amount)[i % 3] if i % 4 else Decimal(0)
        paid_on = issued + timedelta(days=7 * (i % 5) + 3) if paid else None
        rows.append((f"VN{i:04d}", issued, terms, amount, paid, paid_on))
        sheet.append(
            [f"VN{i:04d}", f"Klant {i % 4}", issued, f"{terms} dagen", amount, paid, paid_on]
        )
    workbook.save(path)
    return rows


def test_foreign_xlsx_with_map_matches_independent_aging(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "debiteuren.xlsx"
    source = foreign_workbook(path)
    as_of = date(2026, 1, 15)
    result = runner.invoke(
        app,
        [
            "import", "invoices", str(path), "--map", "number=Volgnr", "--map", "client=Debiteur",
            "--map", "issue_date=Boekdatum", "--map", "terms=Betaaltermijn",
            "--map", "amount=Factuurbedrag", "--map", "amount_paid=Voldaan",
            "--map", "paid_date=Op", "--currency", "EUR", "--owner", "Ann <ann@example.com>",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    listed = runner.invoke(app, ["invoices", "list", "--as-of", str(as_of), "--json"])
    assert listed.exit_code == 0, listed.output
    ours = {row["number"]: row for row in json.loads(listed.output)}
    issued_by_then = [row for row in source if row[1] <= as_of]
    assert set(ours) == {row[0] for row in issued_by_then}
    overdue_total = 0
    for number, issued, terms, amount, paid, paid_on in issued_by_then:
        due = issued + timedelta(days=terms)
        paid_by_then = paid if paid_on is not None and paid_on <= as_of else Decimal(0)
        outstanding = int((amount - paid_by_then) * 100)
        overdue = max(0, (as_of - due).days) if outstanding else 0
        row = ours[number]
        assert (row["due_date"], row["amount_minor"]) == (due.isoformat(), int(amount * 100))
        assert (row["outstanding_minor"], row["days_overdue"]) == (outstanding, overdue)
        overdue_total += outstanding if overdue else 0
    assert overdue_total > 0
    assert overdue_total == sum(
        r["outstanding_minor"] for r in ours.values() if r["status"] == "overdue"
    )


def test_file_with_bad_rows_is_refused_with_line_numbers_and_nothing_imported(
    cli_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "Invoice #,Client,Invoice date,Due date,Amount\n"
        "OK-1,Acme,2026-01-01,2026-01-31,100.00\n"
        "BAD-1,Acme,2026-01-01,2025-12-01,100.00\n"
        "BAD-2,Acme,2026-01-01,2026-01-31,ten\n"
    )
    result = runner.invoke(app, ["import", "invoices", str(path)])

    assert result.exit_code == 2
    assert "nothing was imported" in result.output
    assert "line 3, column 'Due date': due date 2025-12-01 is before" in result.output
    assert "line 4, column 'Amount'" in result.output
    assert invoice_count(engine) == 0


def test_unknown_map_field_is_a_clear_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["import", "invoices", str(path), "--map", "nummer=a"])

    assert result.exit_code == 2
    assert "unknown field 'nummer'" in result.output


def test_payments_then_export(cli_env: dict[str, str], engine: Engine, tmp_path: Path) -> None:
    invoices_file = tmp_path / "inv.csv"
    invoices_file.write_text(
        "number,client,issue_date,due_date,amount\n"
        "S-1,Acme,2026-01-01,2026-01-31,100.00\nS-2,Acme,2026-01-01,2026-01-31,50.00\n"
    )
    statement = tmp_path / "bank.csv"
    statement.write_text(
        "Date,Amount,Description\n2026-02-01,100.00,Invoice S-1\n2026-02-01,12.00,unknown\n"
    )
    assert runner.invoke(app, ["import", "invoices", str(invoices_file)]).exit_code == 0
    dry = runner.invoke(app, ["import", "payments", str(statement), "--dry-run"])
    real = runner.invoke(app, ["import", "payments", str(statement)])
    again = runner.invoke(app, ["import", "payments", str(statement)])
    out = tmp_path / "out.csv"
    exported = runner.invoke(app, ["export", "invoices", str(out), "--as-of", "2026-02-15"])

    assert "would record 1" in dry.output and "nothing was stored" in dry.output
    assert "recorded 1" in real.output and "1 unmatched" in real.output
    assert "line 3" in real.output and "no invoice number or reference found" in real.output
    assert "recorded 0, 1 already recorded, 1 unmatched" in again.output
    assert exported.exit_code == 0, exported.output
    lines = out.read_text().splitlines()
    assert lines[1].startswith("S-1,Acme,") and ",paid," in lines[1]
    assert ",overdue,15," in lines[2]
