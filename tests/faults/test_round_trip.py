"""Moving a ledger loses nothing: the archive round trip and ``db copy``, SQLite → either backend.

The demo ledger (voids, write-offs, disputes, promises, extensions, partial payments) is written
to a SQLite file, then exported and imported, or copied, into the test database; aging, KPIs,
every invoice's balance and lifecycle, and every payment (with its id) must come back the same.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from agent.actor import Actor
from agent.cli.app import app
from agent.db import make_engine
from agent.db_copy import copy_database, totals
from agent.demo.ledger import generate_ledger
from agent.errors import ImportRejected, LedgerNotEmpty
from agent.models import Invoice, InvoiceEvent, Lifecycle, Payment
from agent.schema import upgrade
from agent.services.ledger import invoices, payments
from agent.services.ledger.io import archive, exports
from agent.services.ledger.io.imports.invoice_rows import InvoiceRowOptions
from agent.services.ledger.io.imports.invoices import import_invoices
from agent.services.reporting import reports
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_invoice

END = date(2026, 6, 30)
IMPORTER = Actor.system("import:test")
AS_OF = date(2026, 7, 15)


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("source") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    generate_ledger(engine, invoices=600, seed=12, end_date=END)
    engine.dispose()
    return f"sqlite:///{path}"


def snapshot(engine: Engine, settings: Settings) -> dict[str, Any]:
    """What a person checks after a move: reports, per-invoice state, every payment."""
    with Session(engine) as session:
        rows = session.exec(select(Invoice).order_by(col(Invoice.number))).all()
        return {
            "aging": reports.aging(session, as_of=AS_OF, actor=TEST_ACTOR),
            "kpis": reports.kpis(session, as_of=AS_OF, settings=settings, actor=TEST_ACTOR),
            "invoices": [
                (
                    i.number,
                    i.lifecycle,
                    i.closed_date,
                    i.due_date,
                    i.original_due_date,
                    i.dispute_opened_date,
                    i.promised_date,
                    i.amount_minor - invoices.paid_minor(session, invoice_id=i.id),
                )
                for i in rows
            ],
            "payments": [
                (p.id, p.invoice_id, p.external_id, p.amount_minor, p.payment_date)
                for p in session.exec(select(Payment).order_by(col(Payment.id)))
            ],
            "events": [
                (e.invoice_id, e.kind, e.occurred_at, e.data)
                for e in session.exec(select(InvoiceEvent).order_by(col(InvoiceEvent.id)))
            ],
        }


def test_archive_round_trip_restores_the_demo_ledger_exactly(
    demo_source: str, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    source = make_engine(demo_source)
    with Session(source) as session:
        closed = session.exec(
            select(Invoice).where(
                col(Invoice.lifecycle).in_([Lifecycle.VOID, Lifecycle.WRITTEN_OFF])
            )
        ).all()
        assert closed  # the demo has voids and write-offs to lose
        archive.write_archive(session, path=tmp_path / "ledger.json")
    with Session(engine) as session:
        restored = archive.restore(session, archive.read_archive(tmp_path / "ledger.json"))
        session.commit()
    assert restored["invoice"] == 600
    assert snapshot(engine, settings) == snapshot(source, settings)
    with Session(engine) as session:  # ids continue after the restored ones
        fresh = make_invoice(session, number="AFTER-MOVE")
        assert fresh.id is not None and fresh.id > 600
        session.commit()
    source.dispose()


def test_db_copy_moves_every_table_and_verifies_totals(
    demo_source: str, engine: Engine, settings: Settings
) -> None:
    source = make_engine(demo_source)
    report = copy_database(source, engine)
    with source.connect() as connection:
        assert report == totals(connection)
    assert report.rows["invoice"] == 600 and report.rows["invoice_event"] > 600
    assert snapshot(engine, settings) == snapshot(source, settings)
    with Session(engine) as session:
        added = payments.record(
            session,
            invoice_id=make_invoice(session, number="AFTER-COPY").id,
            amount_minor=100,
            currency="EUR",
            payment_date=date(2026, 2, 1),
            actor=Actor.system("test"),
        )
        assert added.payment.id > max(p[0] for p in snapshot(source, settings)["payments"])
        session.commit()
    with pytest.raises(LedgerNotEmpty):
        copy_database(source, engine)
    source.dispose()


def test_db_copy_cli_into_an_empty_database(
    demo_source: str, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PAYTRACK_DATABASE_URL", demo_source)
    monkeypatch.setenv("PAYTRACK_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["db", "copy", "--to", database_url])
    assert result.exit_code == 0, result.output
    assert "copied" in result.output and "paid" in result.output
    assert "(verified)" in result.output
    again = CliRunner().invoke(app, ["db", "copy", "--to", database_url])
    assert again.exit_code == 2
    assert "already holds rows" in again.output


def test_a_tampered_archive_is_refused_naming_rows_and_stores_nothing(
    demo_source: str, engine: Engine, tmp_path: Path
) -> None:
    source = make_engine(demo_source)
    with Session(source) as session:
        data = archive.export_archive(session)
    source.dispose()
    data["tables"]["payment"][0]["amount_minor"] = 10**12
    data["tables"]["invoice"][1]["lifecycle"] = "reopened"
    data["tables"]["client"][2]["name"] = "Evil\u202eCorp"
    with pytest.raises(ImportRejected) as caught:
        archive.parse_archive(json.loads(json.dumps(data)))
    where = {(p.line, p.column) for p in caught.value.problems}
    assert {(1, "payment.amount_minor"), (2, "invoice.lifecycle"), (3, "client.name")} <= where
    with Session(engine) as session:
        assert session.exec(select(Invoice)).first() is None


def test_export_then_import_ledger_commands(
    demo_source: str, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runner = CliRunner()
    file = tmp_path / "ledger.json"
    monkeypatch.setenv("PAYTRACK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAYTRACK_DATABASE_URL", demo_source)
    exported = runner.invoke(app, ["export", "ledger", str(file)])
    assert exported.exit_code == 0, exported.output
    assert "600 invoice" in exported.output
    monkeypatch.setenv("PAYTRACK_DATABASE_URL", database_url)
    imported = runner.invoke(app, ["import", "ledger", str(file)])
    assert imported.exit_code == 0, imported.output
    assert "restored" in imported.output and "600 invoice" in imported.output
    twice = runner.invoke(app, ["import", "ledger", str(file)])
    assert twice.exit_code == 2
    assert "empty database" in twice.output


def test_a_spreadsheet_export_cannot_reopen_closed_invoices(
    demo_source: str, engine: Engine, tmp_path: Path
) -> None:
    source = make_engine(demo_source)
    with Session(source) as session:
        exports.export_invoices(session, path=tmp_path / "x.csv", as_of=AS_OF, due_soon_days=7)
        closed = {
            i.number
            for i in session.exec(select(Invoice).where(col(Invoice.lifecycle) != Lifecycle.SENT))
        }
    source.dispose()
    options = InvoiceRowOptions(
        default_currency="EUR",
        default_owner="Ann <ann@example.com>",
        default_terms_days=30,
        default_language="en",
        today=AS_OF,
    )
    with Session(engine) as session:
        with pytest.raises(ImportRejected) as caught:
            import_invoices(
                session, path=tmp_path / "x.csv", mapping={}, options=options, actor=IMPORTER
            )
        refused = [p for p in caught.value.problems if p.column == "status"]
        assert len(refused) == len(closed) > 0
        session.rollback()
        summary = import_invoices(
            session,
            path=tmp_path / "x.csv",
            mapping={},
            options=options,
            actor=IMPORTER,
            skip_invalid=True,
        )
        session.commit()
        assert summary.created == 600 - len(closed)
        assert not set(session.exec(select(Invoice.number))) & closed
