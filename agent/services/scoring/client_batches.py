"""Whole clients in batches of bounded size, so that scoring memory does not grow with the ledger.

Every risk feature of an invoice is computed from its own client's history alone, so a batch
that holds each of its clients whole scores exactly as the whole ledger at once would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from agent.models import Invoice, Lifecycle

BATCH_INVOICES = 20_000


@dataclass(frozen=True)
class ClientRange:
    """Client ids ``first`` to ``last``, both included."""

    first: int
    last: int

    @classmethod
    def one(cls, client_id: int) -> ClientRange:
        return cls(client_id, client_id)

    def holds(self, client_id: Mapped[int]) -> ColumnElement[bool]:
        if self.first == self.last:
            return client_id == self.first
        return client_id.between(self.first, self.last)


@dataclass(frozen=True)
class ClientIds:
    """Some clients by id, each whole: those a batch of re-score requests touches."""

    ids: frozenset[int]

    def holds(self, client_id: Mapped[int]) -> ColumnElement[bool]:
        return col(client_id).in_(sorted(self.ids))


Clients = ClientRange | ClientIds


def ranges(session: Session, *, batch_invoices: int = BATCH_INVOICES) -> Iterator[ClientRange]:
    """Consecutive client ranges with about ``batch_invoices`` non-draft invoices each.

    A client with more invoices than that forms a range of its own; it is never split.
    """
    query = (
        select(Invoice.client_id, func.count())
        .where(Invoice.lifecycle != Lifecycle.DRAFT)
        .group_by(col(Invoice.client_id))
        .order_by(col(Invoice.client_id))
    )
    first: int | None = None
    last = 0
    held = 0
    for client_id, count in session.exec(query).all():
        if first is None:
            first = client_id
        last, held = client_id, held + count
        if held >= batch_invoices:
            yield ClientRange(first, last)
            first, held = None, 0
    if first is not None:
        yield ClientRange(first, last)
