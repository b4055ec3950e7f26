"""Bank-statement import: matching by number/reference and amount, never guessing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import ImportRejected
from agent.models import Invoice, Payment
from agent.services.ledger import invoices
from agent.services.ledger.io.imports.bank_payments import (
    StatementOptions,
    StatementReport,
    Status,
    import_statement,
)
from tests.factories import make_client, make_invoice, make_user

ACTOR = Actor.system("bank:test")


def statement(tmp_path: Path, body: str, name: str = "bank.csv") -> Path:
    path = tmp_path / name
    path.write_text("Booking date;Amount;Currency;Description;Transaction ID\n" + body)
    return path


def run(session: Session, path: Path, **kwargs: object) -> StatementReport:
    report = import_statement(
        session,
        path=path,
        mapping={},
        options=StatementOptions(decimal_comma=True),
        actor=ACTOR,
        **kwargs,  # type: ignore[arg-type]
    )
    session.commit()
    return report


def statuses(report: StatementReport) -> dict[int, tuple[Status, list[str]]]:
    return {o.statement.line: (o.status, o.invoice_numbers) for o in report.lines}


@pytest.fixture
def ledger(session: Session) -> dict[str, Invoice]:
    client = make_client(session, name="Acme")
    owner = make_user(session)
    made = {
        number: make_invoice(
            session, client=client, owner=owner, number=number, amount_minor=amount
        )
        for number, amount in [
            ("INV-1", 10_000),
            ("INV-12", 25_000),
            ("INV-2", 7_500),
            ("INV-3", 7_500),
            ("2024-77", 4_000),
        ]
    }
    made["INV-2"].reference = "RF18 5390 0754 7034"
    session.add(made["INV-2"])
    session.commit()
    return made


def test_matching_rules(session: Session, tmp_path: Path, ledger: dict[str, Invoice]) -> None:
    path = statement(
        tmp_path,
        "2026-02-01;100,00;EUR;Payment INV-1 thanks;T1\n"  # 2: exact → matched INV-1 (not INV-12)
        "2026-02-01;100,00;EUR;inv12 part;T2\n"  # 3: compact INV12, partial
        "2026-02-02;75,00;EUR;RF18539007547034;T3\n"  # 4: spaced reference → INV-2
        "2026-02-02;75,00;EUR;no reference at all;T4\n"  # 5: amount fits INV-3 only now
        "2026-02-03;40,00;EUR;INV-1 and INV-12;T5\n"  # 6: two named, none with balance 40
        "2026-02-03;-20,00;EUR;fee;T6\n"  # 7: outgoing, ignored
        "2026-02-03;999,00;EUR;INV-3;T7\n"  # 8: more than outstanding
        "2026-02-03;40,00;EUR;order 2024-77 ref 1001.00;T8\n",  # 9: digits-only number
    )
    report = run(session, path)

    assert statuses(report) == {
        2: (Status.MATCHED, ["INV-1"]),
        3: (Status.MATCHED, ["INV-12"]),
        4: (Status.MATCHED, ["INV-2"]),
        5: (Status.UNMATCHED, ["INV-3"]),
        6: (Status.AMBIGUOUS, ["INV-1", "INV-12"]),
        7: (Status.IGNORED, []),
        8: (Status.UNMATCHED, ["INV-3"]),
        9: (Status.MATCHED, ["2024-77"]),
    }
    assert invoices.paid_minor(session, invoice_id=ledger["INV-1"].id) == 10_000
    assert invoices.paid_minor(session, invoice_id=ledger["INV-12"].id) == 10_000
    assert invoices.paid_minor(session, invoice_id=ledger["INV-3"].id) == 0
    recorded = session.exec(select(col(Payment.external_id), col(Payment.payment_date))).all()
    assert ("bank:T1", date(2026, 2, 1)) in recorded


def test_amount_alone_matching_several_open_invoices_is_ambiguous(
    session: Session, tmp_path: Path, ledger: dict[str, Invoice]
) -> None:
    report = run(session, statement(tmp_path, "2026-02-02;75,00;EUR;thanks;\n"))

    [outcome] = report.lines
    assert outcome.status == Status.AMBIGUOUS
    assert outcome.invoice_numbers == ["INV-2", "INV-3"]
    assert session.exec(select(Payment)).all() == []


def test_reimport_records_nothing_new_even_without_transaction_ids(
    session: Session, tmp_path: Path, ledger: dict[str, Invoice]
) -> None:
    body = "2026-02-01;10,00;EUR;INV-1;\n2026-02-01;10,00;EUR;INV-1;\n"
    first = run(session, statement(tmp_path, body))
    second = run(session, statement(tmp_path, body, "again.csv"))

    assert [o.status for o in first.lines] == [Status.MATCHED, Status.MATCHED]
    assert [o.status for o in second.lines] == [Status.ALREADY_RECORDED] * 2
    assert invoices.paid_minor(session, invoice_id=ledger["INV-1"].id) == 2_000


def test_dry_run_records_nothing(
    session: Session, tmp_path: Path, ledger: dict[str, Invoice]
) -> None:
    report = run(session, statement(tmp_path, "2026-02-01;100,00;EUR;INV-1;T1\n"), dry_run=True)

    assert report.matched and report.dry_run
    assert session.exec(select(Payment)).all() == []


def test_unreadable_lines_refuse_the_statement(
    session: Session, tmp_path: Path, ledger: dict[str, Invoice]
) -> None:
    path = statement(tmp_path, "2026-02-01;100,00;EUR;INV-1;T1\n02/01/2026;1;EUR;INV-2;T2\n")
    with pytest.raises(ImportRejected) as caught:
        run(session, path)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "Booking date")]
    assert session.exec(select(Payment)).all() == []
