"""Claimed charges: only what the approved text states, raised not lowered, never the invoice."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from agent.actor import Actor
from agent.services.charges import charges, claims
from tests.factories import make_client, make_invoice

CLI = Actor.cli()


def test_claims_follow_the_stated_figures(session: Session) -> None:
    client = make_client(session, country="SE", currency="SEK")
    invoice = make_invoice(
        session,
        client=client,
        currency="SEK",
        amount_minor=1_000_000,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 2, 15),
    )
    first = charges.compute(session, invoice=invoice, client=client, as_of=date(2026, 3, 17))
    # A reviewer removed the interest line: only the compensation is claimed.
    added = claims.claim(
        session, invoice=invoice, charges=first, stated=lambda amount: amount == 45_000, actor=CLI
    )
    assert added == {"compensation": 45_000}
    later = charges.compute(session, invoice=invoice, client=client, as_of=date(2026, 4, 16))
    added = claims.claim(session, invoice=invoice, charges=later, stated=lambda _: True, actor=CLI)
    # 16 Feb–16 Apr: 60 days at 10.00 % on 10 000.00 SEK = 164.38 SEK; compensation unchanged.
    assert added == {"interest": 16_438}
    assert (
        claims.claim(session, invoice=invoice, charges=first, stated=lambda _: True, actor=CLI)
        == {}
    )  # an older, smaller figure never lowers an entry
    rows = claims.list_for_invoice(session, invoice_id=invoice.id)
    assert [(r.kind.value, r.amount_minor, r.outstanding_minor) for r in rows] == [
        ("compensation", 45_000, 45_000),
        ("interest", 16_438, 16_438),
    ]
    assert invoice.amount_minor == 1_000_000
