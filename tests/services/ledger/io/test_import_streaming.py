"""The streamed import: all or nothing across batches, repeats far apart, a writer alongside."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import session_scope
from agent.errors import ImportRejected
from agent.models import Client, Invoice, InvoiceEvent, Payment
from agent.services.ledger import payments
from agent.services.ledger.io.imports.invoices import InvoiceImportSummary, import_invoices
from agent.services.ledger.io.imports.repeats import repeated_numbers
from tests.factories import make_client, make_invoice
from tests.services.ledger.io.import_options import options

ACTOR = Actor.system("import:test")
OPTIONS = options()
HEADER = "number,client,issue date,due date,amount,amount paid,paid date,disputed\n"


def _row(n: int) -> str:
    """Invoice S-n: every third part paid, every fifth paid in full, every seventh disputed."""
    paid = "100.00" if n % 5 == 0 else "40.00" if n % 3 == 0 else ""
    paid_date = "2026-01-20" if paid else ""
    disputed = "yes" if n % 7 == 0 else "no"
    return f"S-{n},Client {n % 40},2026-01-02,2026-02-01,100.00,{paid},{paid_date},{disputed}\n"


def _file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _import(session: Session, path: Path, **kwargs: object) -> InvoiceImportSummary:
    return import_invoices(
        session,
        path=path,
        mapping={},
        options=OPTIONS,
        actor=ACTOR,
        **kwargs,  # type: ignore[arg-type]
    )


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_bad_row_after_thousands_of_good_ones_stores_nothing(
    session: Session, tmp_path: Path
) -> None:
    lines = [_row(n) for n in range(1, 3_501)]
    lines.append("S-BAD,Client 1,2026-01-02,2026-02-01,12.345,,,no\n")  # line 3,502
    lines.append(_row(3_501))
    path = _file(tmp_path, lines)

    with pytest.raises(ImportRejected) as caught:
        _import(session, path)

    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3_502, "amount")
    assert "more decimals than EUR allows" in problem.reason
    # The three batches written before line 3,502 were undone by the import itself.
    assert _count(session, Invoice) == _count(session, Client) == _count(session, Payment) == 0
    assert _count(session, InvoiceEvent) == 0


def test_a_number_repeated_thousands_of_lines_apart_names_both_lines(
    session: Session, tmp_path: Path
) -> None:
    lines = [_row(n) for n in range(1, 2_601)]
    lines.append(_row(17))  # line 2,602 repeats line 18
    path = _file(tmp_path, lines)

    with pytest.raises(ImportRejected) as caught:
        _import(session, path)
    assert [(p.line, p.column, p.reason) for p in caught.value.problems] == [
        (18, "number", "invoice number S-17 appears more than once (also on line 2602)"),
        (2_602, "number", "invoice number S-17 appears more than once (also on line 18)"),
    ]

    summary = _import(session, path, skip_invalid=True)
    assert summary.created == 2_599
    assert [p.line for p in summary.skipped] == [18, 2_602]
    assert session.exec(select(Invoice).where(Invoice.number == "S-17")).first() is None


def test_progress_counts_rows_per_batch_and_the_paid_totals_stay_exact(
    session: Session, tmp_path: Path
) -> None:
    path = _file(tmp_path, [_row(n) for n in range(1, 2_501)])
    heard: list[tuple[int, int]] = []

    summary = _import(session, path, on_progress=lambda done, total: heard.append((done, total)))
    session.commit()

    assert heard == [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]
    assert (summary.rows, summary.created, summary.payments_recorded) == (2_500, 2_500, 1_167)
    assert len(summary.clients_created) == 40
    assert summary.disputes_opened == sum(1 for n in range(1, 2_501) if n % 7 == 0 and n % 5)
    _assert_paid_totals_exact(session)
    # A later file pays the rest of S-3: a top-up payment, and the total follows it.
    later = tmp_path / "later.csv"
    later.write_text(HEADER + "S-3,Client 3,2026-01-02,2026-02-01,100.00,100.00,2026-02-10,no\n")
    assert _import(session, later).payments_recorded == 1
    session.commit()
    _assert_paid_totals_exact(session)


def _assert_paid_totals_exact(session: Session) -> None:
    """The maintained ``Invoice.paid_minor`` equals the sum of the invoice's payments."""
    summed = (
        select(Payment.invoice_id, func.sum(Payment.amount_minor).label("total"))
        .group_by(col(Payment.invoice_id))
        .subquery()
    )
    rows = session.exec(
        select(Invoice.number, Invoice.paid_minor, func.coalesce(summed.c.total, 0)).outerjoin(
            summed, summed.c.invoice_id == Invoice.id
        )
    ).all()
    assert rows and all(kept == derived for _number, kept, derived in rows)


def test_a_writer_alongside_an_import_is_not_lost(engine: Engine, tmp_path: Path) -> None:
    """Another writer pays an invoice while the import writes: both land. PostgreSQL lets it
    finish during the import; SQLite makes it wait for the import's commit."""
    with session_scope(engine) as session:
        invoice_id = make_invoice(session, client=make_client(session), amount_minor=50_000).id
    path = _file(tmp_path, [_row(n) for n in range(1, 2_501)])
    outcome: list[str] = []

    def pay() -> None:
        with session_scope(engine) as other:
            payments.record(
                other,
                invoice_id=invoice_id,
                amount_minor=20_000,
                currency="EUR",
                payment_date=date(2026, 1, 15),
                actor=Actor.system("test:other"),
            )
        outcome.append("paid")

    writer = threading.Thread(target=pay)

    def after_batch(done: int, _total: int) -> None:
        if done == 1_000:
            writer.start()
            if engine.dialect.name == "postgresql":
                writer.join(timeout=60)
                assert outcome == ["paid"], "the other writer waited on the import"

    with session_scope(engine) as session:
        _import(session, path, on_progress=after_batch)
    writer.join(timeout=60)

    assert outcome == ["paid"]
    with Session(engine) as session:
        assert _count(session, Invoice) == 2_501
        paid = session.exec(select(Invoice.paid_minor).where(Invoice.id == invoice_id)).one()
        assert paid == 20_000
        _assert_paid_totals_exact(session)


def test_repeated_numbers_lists_every_line_of_each_repeat() -> None:
    cells = [(2, "A"), (3, "B"), (5, "A"), (6, "C"), (9, "A"), (10, "C")]

    repeats = repeated_numbers(lambda: iter(cells))

    assert repeats.rows == 6
    assert repeats.lines == {"A": [2, 5, 9], "C": [6, 10]}
    assert repeated_numbers(lambda: iter([])).lines == {}
