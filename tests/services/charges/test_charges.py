"""Hand-worked charges, recomputed: each figure below is worked out in its comment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from agent.actor import Actor
from agent.errors import InvalidDate, InvalidRate, InvoiceNotFound, ReferenceRateMissing
from agent.models import EventKind, Invoice
from agent.services.charges import charges, policies, rates
from agent.services.charges.statutes import Jurisdiction
from agent.services.ledger import history, invoices, payments
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user

CLI = Actor.cli()


def invoice_for(
    session: Session,
    *,
    country: str,
    currency: str,
    amount_minor: int,
    due_date: date,
    **policy: object,
) -> Invoice:
    client = make_client(session, country=country, currency=currency)
    if policy:
        policies.set_policy(session, client_id=client.id, **policy)
    return make_invoice(
        session,
        client=client,
        currency=currency,
        amount_minor=amount_minor,
        issue_date=date(2025, 1, 1),
        due_date=due_date,
    )


def show(session: Session, invoice: Invoice, as_of: date) -> charges.Charges:
    return charges.for_invoice(session, invoice_id=invoice.id, as_of=as_of, actor=CLI)


def test_sweden_single_period(session: Session) -> None:
    invoice = invoice_for(
        session, country="SE", currency="SEK", amount_minor=1_000_000, due_date=date(2026, 2, 15)
    )
    result = show(session, invoice, date(2026, 3, 17))
    # 16 Feb–17 Mar: 13 + 17 = 30 days at 2.00 (Riksbank, H1 2026) + 8 = 10.00 %:
    # 10 000.00 SEK × 10 % × 30 / 365 = 82.19178… SEK → 82.19 SEK.
    assert (result.days, str(result.rate_percent)) == (30, "10.00")
    assert result.interest_minor == 8_219
    assert result.compensation_minor == 45_000  # förseningsersättning 450 SEK
    assert result.reminder_fee_minor == 0  # not agreed
    assert result.as_json()["currency"] == "SEK"


def test_sweden_rate_changes_with_the_half_year(session: Session) -> None:
    invoice = invoice_for(
        session, country="SE", currency="SEK", amount_minor=1_000_000, due_date=date(2025, 6, 20)
    )
    result = show(session, invoice, date(2025, 7, 10))
    # 21–30 Jun: 10 days at 2.50 + 8 = 10.50 %; 1–10 Jul: 10 days at 2.00 + 8 = 10.00 %:
    # 1 000 000 öre × (10 × 10.50 + 10 × 10.00) / 100 / 365 = 5 616.44 öre → 5 616.
    assert [(p.days, str(p.rate_percent)) for p in result.periods] == [(10, "10.50"), (10, "10.00")]
    assert result.interest_minor == 5_616


def test_partial_payments_lower_the_base(session: Session) -> None:
    invoice = invoice_for(
        session, country="NL", currency="EUR", amount_minor=500_000, due_date=date(2026, 1, 31)
    )
    payments.record(
        session,
        invoice_id=invoice.id,
        amount_minor=200_000,
        currency="EUR",
        payment_date=date(2026, 2, 10),
        actor=TEST_ACTOR,
    )
    result = show(session, invoice, date(2026, 3, 2))
    # 1–10 Feb: 10 days on 5 000.00 (the payment day is a day late); 11 Feb–2 Mar: 20 days on
    # 3 000.00; ECB 2.15 + 8 = 10.15 %: (500 000 × 10 + 300 000 × 20) × 10.15 / 36 500
    # = 3 058.90 cents → 30.59 EUR.
    assert [(p.days, p.base_minor) for p in result.periods] == [(10, 500_000), (20, 300_000)]
    assert result.interest_minor == 3_059
    assert result.compensation_minor == 4_000  # 40 EUR, art. 6


def test_nothing_before_or_on_the_due_date(session: Session) -> None:
    invoice = invoice_for(
        session, country="SE", currency="SEK", amount_minor=1_000_000, due_date=date(2026, 2, 15)
    )
    for day in (date(2026, 2, 1), date(2026, 2, 15)):
        result = show(session, invoice, day)
        assert (result.days, result.total_minor, result.rate_percent) == (0, 0, None)


def test_paid_on_time_owes_nothing_and_paid_late_owes_its_days(session: Session) -> None:
    invoice = invoice_for(
        session, country="NL", currency="EUR", amount_minor=365_000, due_date=date(2026, 3, 1)
    )
    payments.record(
        session,
        invoice_id=invoice.id,
        amount_minor=365_000,
        currency="EUR",
        payment_date=date(2026, 3, 5),
        actor=TEST_ACTOR,
    )
    result = show(session, invoice, date(2026, 6, 1))
    # 2–5 Mar, 4 days: 365 000 × 10.15 % × 4 / 365 = 406 cents exactly; nothing after.
    assert (result.days, result.interest_minor) == (4, 406)


@pytest.mark.parametrize(
    ("amount_minor", "compensation_minor"),
    [(99_999, 4_000), (100_000, 7_000), (999_999, 7_000), (1_000_000, 10_000)],
)
def test_uk_compensation_tiers(
    session: Session, amount_minor: int, compensation_minor: int
) -> None:
    invoice = invoice_for(
        session, country="GB", currency="GBP", amount_minor=amount_minor, due_date=date(2026, 2, 1)
    )
    assert show(session, invoice, date(2026, 2, 2)).compensation_minor == compensation_minor


def test_uk_rate_is_fixed_by_the_half_year_interest_starts_in(session: Session) -> None:
    invoice = invoice_for(
        session, country="GB", currency="GBP", amount_minor=1_000_000, due_date=date(2025, 12, 20)
    )
    result = show(session, invoice, date(2026, 1, 19))
    # Interest starts 21 Dec 2025: Bank Rate on 30 Jun 2025, 4.25 + 8 = 12.25 %, for the whole
    # debt, also in 2026. 21 Dec–19 Jan = 30 days: 1 000 000 × 12.25 × 30 / 36 500 = 10 068.49.
    assert [str(p.rate_percent) for p in result.periods] == ["12.25"]
    assert (result.days, result.interest_minor) == (30, 10_068)
    assert result.compensation_minor == 10_000  # £100 for a £10,000 debt


def test_swedish_reminder_fee_only_when_agreed_once_per_reminder_after_due(
    session: Session,
) -> None:
    invoice = invoice_for(
        session,
        country="SE",
        currency="SEK",
        amount_minor=100_000,
        due_date=date(2026, 2, 15),
        reminder_fee_agreed=True,
    )
    for day in (date(2026, 2, 12), date(2026, 2, 20), date(2026, 3, 6), date(2026, 4, 1)):
        history.record(
            session,
            invoice=invoice,
            kind=EventKind.REMINDER_SENT,
            actor=TEST_ACTOR,
            occurred_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            bump_version=False,
        )
    # The pre-due reminder costs nothing, the one after as_of is not counted yet.
    result = show(session, invoice, date(2026, 3, 10))
    assert (result.reminders_charged, result.reminder_fee_minor) == (2, 12_000)
    policies.set_policy(session, client_id=invoice.client_id, reminder_fee_agreed=False)
    assert show(session, invoice, date(2026, 3, 10)).reminder_fee_minor == 0


def test_compensation_is_never_converted(session: Session) -> None:
    invoice = invoice_for(
        session, country="NL", currency="SEK", amount_minor=100_000, due_date=date(2026, 2, 15)
    )
    result = show(session, invoice, date(2026, 3, 1))
    assert result.interest_minor > 0
    assert result.compensation_minor == 0
    assert "EUR" in result.notes[0]


def test_no_statute_no_charges(session: Session) -> None:
    invoice = invoice_for(
        session, country="US", currency="USD", amount_minor=100_000, due_date=date(2026, 2, 15)
    )
    result = show(session, invoice, date(2026, 6, 1))
    assert (result.jurisdiction.value, result.total_minor) == ("none", 0)
    policies.set_policy(session, client_id=invoice.client_id, jurisdiction="EU")
    assert show(session, invoice, date(2026, 6, 1)).interest_minor > 0


def test_extension_moves_the_start_only_when_agreed(session: Session) -> None:
    invoice = invoice_for(
        session, country="SE", currency="SEK", amount_minor=1_000_000, due_date=date(2026, 2, 15)
    )
    invoices.extend_due_date(
        session,
        invoice_id=invoice.id,
        new_due_date=date(2026, 3, 1),
        reason="asked nicely",
        actor=TEST_ACTOR,
    )
    assert show(session, invoice, date(2026, 3, 17)).days == 30
    invoices.extend_due_date(
        session,
        invoice_id=invoice.id,
        new_due_date=date(2026, 3, 7),
        reason="agreed by phone",
        actor=TEST_ACTOR,
        agreed=True,
    )
    # 8–17 Mar: 10 days: 1 000 000 × 10 % × 10 / 365 = 2 739.73 → 2 740 öre.
    result = show(session, invoice, date(2026, 3, 17))
    assert (result.interest_from, result.days, result.interest_minor) == (
        date(2026, 3, 7),
        10,
        2_740,
    )


def test_missing_half_year_is_named_until_a_person_sets_it(session: Session) -> None:
    invoice = invoice_for(
        session, country="SE", currency="SEK", amount_minor=1_000_000, due_date=date(2026, 6, 30)
    )
    with pytest.raises(ReferenceRateMissing, match="2026-07-01"):
        show(session, invoice, date(2026, 7, 30))
    rates.set_rate(
        session,
        jurisdiction="SE",
        effective_from=date(2026, 7, 1),
        rate_percent="2.00",
        source="test",
        actor=CLI,
    )
    # 1–30 Jul: 30 days at 10.00 % → 8 219 öre, as in the single-period case.
    assert show(session, invoice, date(2026, 7, 30)).interest_minor == 8_219


def test_a_rate_set_by_hand_overrides_the_file_and_is_validated(session: Session) -> None:
    rates.set_rate(
        session,
        jurisdiction="eu",
        effective_from=date(2026, 1, 1),
        rate_percent="2.40",
        source="correction",
        actor=CLI,
    )
    listed = {r.effective_from: r for r in rates.list_rates(session, jurisdiction=Jurisdiction.EU)}
    assert (str(listed[date(2026, 1, 1)].rate_percent), listed[date(2026, 1, 1)].origin) == (
        "2.40",
        CLI.label,
    )
    assert listed[date(2025, 7, 1)].origin == "file"
    with pytest.raises(InvalidDate):
        rates.set_rate(
            session,
            jurisdiction="SE",
            effective_from=date(2026, 3, 1),
            rate_percent="1",
            source="x",
            actor=CLI,
        )
    for bad in ("abc", "1.2345", "NaN", "99"):
        with pytest.raises(InvalidRate):
            rates.set_rate(
                session,
                jurisdiction="SE",
                effective_from=date(2027, 1, 1),
                rate_percent=bad,
                source="x",
                actor=CLI,
            )
    with pytest.raises(InvalidRate):
        rates.set_rate(
            session,
            jurisdiction="US",
            effective_from=date(2027, 1, 1),
            rate_percent="1",
            source="x",
            actor=CLI,
        )


def test_another_owners_invoice_is_not_found(session: Session) -> None:
    invoice = invoice_for(
        session, country="SE", currency="SEK", amount_minor=1_000_000, due_date=date(2026, 2, 15)
    )
    stranger = make_user(session)
    with pytest.raises(InvoiceNotFound):
        charges.for_invoice(
            session,
            invoice_id=invoice.id,
            as_of=date(2026, 3, 1),
            actor=Actor.person(stranger.id, stranger.email),
        )
