"""A queue page: search, filters, sort per currency, paging; nothing ranked across currencies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from agent.models import Client, Invoice, User
from agent.models.draft import Draft, DraftInvoice, Tone
from agent.services.review.queue_view import QueueQuery, QueueSort, page_of
from agent.services.review.reviews import QueueItem

SEND = datetime(2026, 3, 2, 9, tzinfo=UTC)


def item(
    n: int, *, client: str, currency: str, owed: int, days: int, band: str | None = None
) -> QueueItem:
    draft = Draft(
        id=n,
        client_id=n,
        owner_id=1,
        milestone=f"overdue_{days}",
        tone=Tone.FRIENDLY if n % 2 else Tone.FIRM,
        tone_reason="",
        language="en",
        subject="",
        body="",
        risk_snapshot={"band": band, "p_late": 0.5} if band else {},
        suggested_send_at=SEND + timedelta(hours=n),
        drafter="template",
        model="template",
        prompt_version="v1",
        sweep_date=date(2026, 3, 2),
        thread_id=str(n),
    )
    invoice = Invoice(
        id=n,
        number=f"INV-{n}",
        client_id=n,
        owner_id=1,
        currency=currency,
        issue_date=date(2026, 1, 2),
        due_date=date(2026, 2, 1),
        original_due_date=date(2026, 2, 1),
        amount_minor=owed,
        terms_days=30,
    )
    listed = DraftInvoice(
        draft_id=n,
        invoice_id=n,
        milestone=draft.milestone,
        outstanding_minor=owed,
        currency=currency,
        due_date=date(2026, 2, 1),
        days_overdue=days,
        invoice_version=1,
    )
    return QueueItem(
        draft=draft,
        client=Client(id=n, name=client, name_key=client.casefold()),
        owner=User(id=1, name="Ann", email="ann@example.com"),
        invoices=[(listed, invoice)],
        stale_reasons=["paid since"] if n == 4 else [],
    )


ITEMS = [
    item(1, client="Acme BV", currency="EUR", owed=5_000, days=3, band="low"),
    item(2, client="Berg AB", currency="SEK", owed=900_000, days=14, band="high"),
    item(3, client="Acme BV", currency="EUR", owed=70_000, days=7, band="medium"),
    item(4, client="Cotswold Ltd", currency="GBP", owed=1_000, days=7),
]


def ids(query: QueueQuery) -> list[int]:
    return [i.draft.id for i in page_of(ITEMS, query).items]


def test_search_by_client_or_invoice_number() -> None:
    assert ids(QueueQuery(search="acme")) == [1, 3]
    assert ids(QueueQuery(search="inv-2")) == [2]


def test_filters() -> None:
    assert ids(QueueQuery(risk_band="high")) == [2]
    assert ids(QueueQuery(risk_band="unscored")) == [4]
    assert ids(QueueQuery(milestone="overdue_7")) == [3, 4]
    assert ids(QueueQuery(tone="firm")) == [2, 4]
    assert ids(QueueQuery(stale=True)) == [4]
    assert ids(QueueQuery(stale=False, language="en")) == [1, 2, 3]


def test_amount_sorts_within_each_currency_never_across() -> None:
    # SEK 9,000 is the largest face value but is not ranked against euros or pounds.
    assert ids(QueueQuery(sort=QueueSort.AMOUNT)) == [3, 1, 4, 2]
    assert ids(QueueQuery(sort=QueueSort.DAYS_OVERDUE)) == [2, 3, 4, 1]
    assert ids(QueueQuery(sort=QueueSort.RISK)) == [2, 3, 1, 4]


def test_paging_counts_and_clamps() -> None:
    shown = page_of(ITEMS, QueueQuery(page=2, page_size=3))
    assert ([i.draft.id for i in shown.items], shown.total, shown.pages) == ([4], 4, 2)
    assert page_of(ITEMS, QueueQuery(page=9, page_size=3)).page == 2
    assert page_of(ITEMS, QueueQuery()).choices["milestone"] == [
        "overdue_3",
        "overdue_7",
        "overdue_14",
    ]
