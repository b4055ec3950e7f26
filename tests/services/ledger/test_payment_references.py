"""OCR and RF references: published check-digit examples, and the bank matcher finds them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from agent.actor import Actor
from agent.services.ledger import invoices
from agent.services.ledger.io.imports.bank_payments import (
    StatementOptions,
    Status,
    import_statement,
)
from agent.services.ledger.payment_references import (
    grouped,
    is_valid_ocr,
    is_valid_rf,
    luhn_digit,
    ocr_for,
    rf_for,
)
from tests.factories import make_invoice


def test_check_digits_match_published_examples() -> None:
    assert luhn_digit("7992739871") == "3"  # the textbook Luhn example
    assert rf_for(1, "539007547034") == "RF18539007547034"  # ISO 11649's example
    assert grouped("RF18539007547034") == "RF18 5390 0754 7034"
    assert is_valid_rf("RF18 5390 0754 7034") and not is_valid_rf("RF19 5390 0754 7034")


def test_ocr_has_length_and_luhn_digits() -> None:
    ocr = ocr_for(42)
    # 000042, length digit 8 (eight digits in all), Luhn digit of 0000428.
    assert ocr == "00004283"
    assert is_valid_ocr(ocr) and not is_valid_ocr("00004284")
    assert rf_for(7, "INV/2026 0042") == rf_for(7, "INV20260042")
    assert rf_for(7, "Ö" * 3) == rf_for(7, "") and is_valid_rf(rf_for(7, ""))


def test_the_bank_matcher_recognises_both_references(session: Session, tmp_path: Path) -> None:
    first = make_invoice(session, number="A-100", amount_minor=10_000)
    second = make_invoice(session, number="B-200", amount_minor=20_000)
    session.commit()
    lines = [
        f"2026-02-01;100,00;EUR;Betalning OCR {ocr_for(first.id)};tx-1",
        f"2026-02-01;200,00;EUR;Payment {grouped(rf_for(second.id, 'B-200'))};tx-2",
        "2026-02-01;100,00;EUR;Betalning OCR 00009999;tx-3",
    ]
    path = tmp_path / "bank.csv"
    path.write_text("Booking date;Amount;Currency;Description;Transaction ID\n" + "\n".join(lines))
    report = import_statement(
        session,
        path=path,
        mapping={},
        options=StatementOptions(decimal_comma=True),
        actor=Actor.system("bank:test"),
    )
    outcomes = {
        o.statement.external_id.removeprefix("bank:"): (o.status, o.invoice_numbers)
        for o in report.lines
    }
    assert outcomes["tx-1"] == (Status.MATCHED, ["A-100"])
    assert outcomes["tx-2"] == (Status.MATCHED, ["B-200"])
    assert outcomes["tx-3"][0] is not Status.MATCHED  # not a reference of any invoice
    assert invoices.paid_minor(session, invoice_id=second.id, as_of=date(2026, 2, 1)) == 20_000
