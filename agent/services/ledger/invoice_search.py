"""Invoice lists for the API: filters on derived status pushed into SQL, keyset pagination.

The as-of position (paid by then, state, days overdue) comes from ``positions.positions``, the
same SQL the aging report uses, so a list and a report never disagree about an invoice. Pages
are keyed on (sort key, id): a cursor names the last row seen, so rows inserted meanwhile
never shift or repeat what follows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select

from agent.actor import Actor
from agent.db import select_many
from agent.errors import InvalidInput
from agent.models import Invoice
from agent.models.risk_score_current import RiskScoreCurrent
from agent.services.access.ownership import scoped
from agent.services.ledger.positions import nothing_paid_after, positions, state_column
from agent.services.ledger.standing import OPEN_STATES, State, open_state


class InvoiceSort(StrEnum):
    DUE_DATE = "due_date"
    DUE_DATE_DESC = "-due_date"
    ISSUE_DATE = "issue_date"
    ISSUE_DATE_DESC = "-issue_date"
    AMOUNT = "amount_minor"
    AMOUNT_DESC = "-amount_minor"
    NUMBER = "number"
    NUMBER_DESC = "-number"
    ID = "id"
    ID_DESC = "-id"


@dataclass(frozen=True)
class InvoiceFilter:
    as_of: date
    due_soon_days: int
    states: Sequence[State] = ()
    owner_id: int | None = None
    client_id: int | None = None
    overdue: bool | None = None
    due_from: date | None = None
    due_to: date | None = None
    risk_bands: Sequence[str] = ()


@dataclass(frozen=True)
class InvoiceHit:
    invoice: Invoice
    state: State
    paid_minor: int
    days_overdue: int
    risk_band: str | None

    @property
    def balance_minor(self) -> int:
        return self.invoice.amount_minor - self.paid_minor


@dataclass(frozen=True)
class InvoicePage:
    items: list[InvoiceHit]
    next_cursor: str | None


def encode_cursor(value: Any, row_id: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, date) else value, row_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: InvoiceSort) -> tuple[Any, int]:
    """(sort value, id) from a cursor made by ``encode_cursor`` for the same sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
        if not isinstance(row_id, int):
            raise ValueError("id")
        field = sort.value.lstrip("-")
        if field in ("due_date", "issue_date"):
            value = date.fromisoformat(value)
        elif field in ("amount_minor", "id"):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(field)
        elif not isinstance(value, str):
            raise ValueError(field)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "the cursor is not one this list handed out (or the sort changed)", field="cursor"
        ) from None
    return value, row_id


def _state_condition(pos: Any, state: State, due_soon_days: int) -> ColumnElement[bool]:
    return state_column(pos, due_soon_days=due_soon_days) == state.value


def _state_of(state: str, disputed: int, days_overdue: int, due_soon_days: int) -> State:
    if state != "open":
        return State(state)
    return open_state(disputed=bool(disputed), due_in=-days_overdue, due_soon_days=due_soon_days)


def _open_only(where: InvoiceFilter) -> bool:
    """Whether the filter admits open invoices only (so the balance index can find them)."""
    return bool(where.overdue) or (bool(where.states) and set(where.states) <= OPEN_STATES)


def _key(source: Any, field: str) -> ColumnElement[Any]:
    """The sort column ``field`` of positions (or of the page cut from them)."""
    return source.c.invoice_id if field == "id" else source.c[field]


def _order(source: Any, field: str, descending: bool) -> list[UnaryExpression[Any]]:
    key, row_id = _key(source, field), _key(source, "id")
    order = [key.desc(), row_id.desc()] if descending else [key.asc(), row_id.asc()]
    return order[:1] if field == "id" else order


def _after(source: Any, field: str, descending: bool, last: tuple[Any, int]) -> ColumnElement[bool]:
    """Rows after the cursor's (sort value, id) in the page order."""
    value, last_id = last
    key, row_id = _key(source, field), _key(source, "id")
    if field == "id":
        return row_id < last_id if descending else row_id > last_id
    if descending:
        return or_(key < value, and_(key == value, row_id < last_id))
    return or_(key > value, and_(key == value, row_id > last_id))


@lru_cache(maxsize=256)
def _page_query(
    where: InvoiceFilter,
    *,
    actor: Actor,
    sort: InvoiceSort,
    limit: int,
    after: tuple[Any, int] | None,
    paid_by_then: bool,
) -> Select[*tuple[Any, ...]]:
    """The statement of one page (``limit + 1`` rows), built once per distinct request.

    Building this statement and fingerprinting it for SQLAlchemy's compiled cache cost several
    times what running it does, and a list is asked for again and again with the same filters
    on the same day; a statement is immutable, so threads share it safely.
    """
    open_only = _open_only(where)
    pos = positions(where.as_of, open_only=open_only, paid_by_then=paid_by_then)
    # The latest score's home (scoring.risk_scores.current()); the ledger reads the table since
    # it sits below the scoring domain.
    band_of = (
        select(RiskScoreCurrent.band)
        .where(RiskScoreCurrent.invoice_id == pos.c.invoice_id)
        .scalar_subquery()
    )
    field = sort.value.lstrip("-")
    descending = sort.value.startswith("-")
    query = select_many(
        pos.c.invoice_id,
        _key(pos, field).label("sort_key"),
        pos.c.paid_minor,
        pos.c.state,
        pos.c.disputed,
        pos.c.days_overdue,
        band_of.label("band"),
    )
    query = scoped(query, actor, pos.c.owner_id)
    if where.states:
        query = query.where(
            or_(*(_state_condition(pos, s, where.due_soon_days) for s in set(where.states)))
        )
    if where.overdue is not None:
        overdue = _state_condition(pos, State.OVERDUE, where.due_soon_days)
        query = query.where(overdue if where.overdue else ~overdue)
    if where.owner_id is not None:
        query = query.where(pos.c.owner_id == where.owner_id)
    if where.client_id is not None:
        query = query.where(pos.c.client_id == where.client_id)
    if where.due_from is not None:
        query = query.where(pos.c.due_date >= where.due_from)
    if where.due_to is not None:
        query = query.where(pos.c.due_date <= where.due_to)
    if where.risk_bands:
        query = query.where(band_of.in_(list(where.risk_bands)))
    if after is not None:
        query = query.where(_after(pos, field, descending, after))
    # The page is cut from the narrow positions first; only its rows are read in full.
    page = query.order_by(*_order(pos, field, descending)).limit(limit + 1).subquery("page")
    return (
        select_many(
            Invoice,
            page.c.paid_minor,
            page.c.state,
            page.c.disputed,
            page.c.days_overdue,
            page.c.band,
        )
        .join(page, page.c.invoice_id == Invoice.id)
        .order_by(*_order(page, "sort_key", descending))
    )


def search(
    session: Session,
    *,
    where: InvoiceFilter,
    actor: Actor,
    sort: InvoiceSort = InvoiceSort.DUE_DATE,
    limit: int = 50,
    cursor: str | None = None,
) -> InvoicePage:
    """One page of the invoices ``actor`` may see, issued by ``where.as_of``, matching every
    filter given."""
    paid_by_then = _open_only(where) and nothing_paid_after(session, as_of=where.as_of)
    rows = session.exec(
        _page_query(
            replace(where, states=tuple(where.states), risk_bands=tuple(where.risk_bands)),
            actor=actor,
            sort=sort,
            limit=limit,
            after=decode_cursor(cursor, sort=sort) if cursor else None,
            paid_by_then=paid_by_then,
        )
    ).all()
    field = sort.value.lstrip("-")
    hits = [
        InvoiceHit(
            invoice=invoice,
            state=_state_of(state, int(disputed), int(days), where.due_soon_days),
            paid_minor=int(paid),
            days_overdue=max(0, int(days)) if state == "open" else 0,
            risk_band=band,
        )
        for invoice, paid, state, disputed, days, band in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit and hits:
        last = hits[-1].invoice
        next_cursor = encode_cursor(getattr(last, field), last.id)
    return InvoicePage(items=hits, next_cursor=next_cursor)
