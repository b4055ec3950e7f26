"""The dashboard's invoice table: filter, sort and group invoices as of a day; export any view.

Positions (paid by then, state, days overdue, bucket) come from ``positions.positions`` so the
table agrees with the aging report; risk is the newest stored score. The page shows at most
``DEFAULT_LIMIT`` rows; an export streams every row matching the same filters, in the same
order, with amounts as numbers beside a currency column and every text cell formula-safe.
Sorting by amount orders by currency first, so different currencies are never ranked together.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import SQLColumnExpression, case, func, nulls_last
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import AliasedReturnsRows
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import select_many
from agent.errors import InvalidInput
from agent.models import Client, Invoice, User
from agent.money import to_decimal
from agent.services.access.ownership import scoped
from agent.services.ledger.io.spreadsheet import Value, safe_cell
from agent.services.ledger.positions import AgingBucket, positions, state_column
from agent.services.scoring import risk_scores

DEFAULT_LIMIT = 500
UNLIMITED = None
STREAM_BATCH = 1_000
E = TypeVar("E", bound=StrEnum)


class TableSort(StrEnum):
    DUE_DATE = "due_date"
    AMOUNT = "amount"
    DAYS_OVERDUE = "days_overdue"
    RISK = "risk"


class TableStatus(StrEnum):
    """What the status filter offers: open states split as on the invoice page, then closed."""

    OPEN = "open"
    OVERDUE = "overdue"
    DISPUTED = "disputed"
    PAID = "paid"
    WRITTEN_OFF = "written_off"
    VOID = "void"


class TableGroup(StrEnum):
    NONE = ""
    CLIENT = "client"
    STATUS = "status"


@dataclass(frozen=True)
class TableQuery:
    as_of: date
    sort: TableSort = TableSort.DUE_DATE
    descending: bool = False
    status: TableStatus | None = None
    owner_id: int | None = None
    client_id: int | None = None
    currency: str | None = None
    bucket: AgingBucket | None = None
    group: TableGroup = TableGroup.NONE
    limit: int | None = DEFAULT_LIMIT


class TableRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    invoice_id: int
    number: str
    client_id: int
    client_name: str
    owner_id: int
    owner_name: str
    currency: str
    amount_minor: int
    outstanding_minor: int
    due_date: date
    status: TableStatus
    days_overdue: int
    bucket: AgingBucket | None
    p_late: float | None
    risk_band: str | None


class TableGroupTotal(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    rows: list[TableRow]
    outstanding_minor: dict[str, int]


class InvoiceTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    total_count: int
    shown_count: int
    groups: list[TableGroupTotal]


def parse_choice(kind: type[E], value: str | None, field: str) -> E | None:
    """An enum member from a query parameter; empty means no filter; junk is ``InvalidInput``."""
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind if member.value)
        raise InvalidInput(f"{field} must be one of {allowed}", field=field) from None


def _status_column(pos: AliasedReturnsRows) -> ColumnElement[str]:
    """The table's coarser status: the derived state, with not yet due and due soon as open."""
    derived = state_column(pos, due_soon_days=0)
    return case((derived.in_(["not_yet_due", "due_soon"]), TableStatus.OPEN.value), else_=derived)


def _statement(query: TableQuery, actor: Actor) -> tuple[Any, Any]:
    """(rows of invoices ``actor`` may see matching ``query`` in display order, the same rows
    unordered for counting)."""
    pos = positions(query.as_of)
    score = risk_scores.current()
    status = _status_column(pos)
    outstanding = case((pos.c.state == "open", pos.c.amount_minor - pos.c.paid_minor), else_=0)
    days = case((pos.c.state == "open", pos.c.days_overdue), else_=0)
    stmt = (
        select_many(
            pos.c.invoice_id,
            pos.c.number,
            pos.c.client_id,
            Client.name,
            Invoice.owner_id,
            User.name,
            pos.c.currency,
            pos.c.amount_minor,
            outstanding,
            pos.c.due_date,
            status,
            days,
            pos.c.bucket,
            score.p_late,
            score.band,
        )
        .select_from(pos)
        .join(Invoice, col(Invoice.id) == pos.c.invoice_id)
        .join(Client, col(Client.id) == pos.c.client_id)
        .join(User, col(User.id) == Invoice.owner_id)
        .outerjoin(score, col(score.invoice_id) == pos.c.invoice_id)
        .where(pos.c.state != "draft")
    )
    stmt = scoped(stmt, actor, Invoice.owner_id)
    if query.status is TableStatus.OPEN:
        stmt = stmt.where(pos.c.state == "open")
    elif query.status is not None:
        stmt = stmt.where(status == query.status.value)
    if query.owner_id is not None:
        stmt = stmt.where(Invoice.owner_id == query.owner_id)
    if query.client_id is not None:
        stmt = stmt.where(pos.c.client_id == query.client_id)
    if query.currency is not None:
        stmt = stmt.where(pos.c.currency == query.currency)
    if query.bucket is not None:
        stmt = stmt.where(pos.c.state == "open", pos.c.bucket == query.bucket.value)
    by_sort: dict[TableSort, list[SQLColumnExpression[Any]]] = {
        TableSort.DUE_DATE: [pos.c.due_date],
        TableSort.AMOUNT: [pos.c.currency, pos.c.amount_minor],
        TableSort.DAYS_OVERDUE: [days],
        TableSort.RISK: [col(score.p_late)],
    }
    keys = by_sort[query.sort]
    if query.sort is TableSort.AMOUNT:
        # Currency always ascending (grouping), the amount in the chosen direction within it.
        order = [keys[0].asc(), keys[1].desc() if query.descending else keys[1].asc()]
    else:
        order = [nulls_last(k.desc() if query.descending else k.asc()) for k in keys]
    ordered = stmt.order_by(*order, pos.c.number)
    if query.limit is not None:
        ordered = ordered.limit(query.limit)
    return ordered, stmt


def _row(r: Any) -> TableRow:
    return TableRow(
        invoice_id=r[0],
        number=r[1],
        client_id=r[2],
        client_name=r[3],
        owner_id=r[4],
        owner_name=r[5],
        currency=r[6],
        amount_minor=int(r[7]),
        outstanding_minor=int(r[8]),
        due_date=r[9],
        status=TableStatus(r[10]),
        days_overdue=max(0, int(r[11])),
        bucket=AgingBucket(r[12]) if r[10] in ("open", "overdue", "disputed") else None,
        p_late=float(r[13]) if r[13] is not None else None,
        risk_band=r[14],
    )


def count(session: Session, *, query: TableQuery, actor: Actor) -> int:
    """How many invoices match ``query``'s filters: the number the page and its links promise."""
    _, unordered = _statement(query, actor)
    return int(session.exec(select(func.count()).select_from(unordered.subquery())).one())


def build(session: Session, *, query: TableQuery, actor: Actor) -> InvoiceTable:
    """The rows of the invoices ``actor`` may see matching ``query`` (at most ``limit``),
    sorted, grouped, with group totals."""
    ordered, _ = _statement(query, actor)
    items = [_row(r) for r in session.exec(ordered).all()]
    return InvoiceTable(
        as_of=query.as_of,
        total_count=count(session, query=query, actor=actor),
        shown_count=len(items),
        groups=_group(items, query.group),
    )


def stream(session: Session, *, query: TableQuery, actor: Actor) -> Iterator[TableRow]:
    """Every row ``actor`` may see matching ``query``'s filters (no limit), in display order,
    fetched in batches."""
    ordered, _ = _statement(replace(query, limit=None), actor)
    result = session.exec(ordered.execution_options(yield_per=STREAM_BATCH))
    for r in result:
        yield _row(r)


def _group(items: list[TableRow], group: TableGroup) -> list[TableGroupTotal]:
    """Groups in order of first appearance, so the chosen sort still orders rows and groups."""
    keyed: dict[str, list[TableRow]] = {}
    for row in items:
        key = {
            TableGroup.NONE: "",
            TableGroup.CLIENT: row.client_name,
            TableGroup.STATUS: row.status.value,
        }[group]
        keyed.setdefault(key, []).append(row)
    result = []
    for key, rows in keyed.items():
        owed: dict[str, int] = {}
        for row in rows:
            owed[row.currency] = owed.get(row.currency, 0) + row.outstanding_minor
        result.append(
            TableGroupTotal(key=key, rows=rows, outstanding_minor=dict(sorted(owed.items())))
        )
    return result


EXPORT_HEADER = (
    "number",
    "client",
    "owner",
    "currency",
    "amount",
    "outstanding",
    "due_date",
    "status",
    "days_overdue",
    "bucket",
    "p_late",
    "risk_band",
)


def export_row(row: TableRow) -> list[Value]:
    """One row as a spreadsheet reads it: amounts as numbers in major units, text made safe."""
    return [
        safe_cell(value)
        for value in (
            row.number,
            row.client_name,
            row.owner_name,
            row.currency,
            to_decimal(row.amount_minor, row.currency),
            to_decimal(row.outstanding_minor, row.currency),
            row.due_date,
            row.status.value,
            row.days_overdue,
            row.bucket.value if row.bucket else "",
            None if row.p_late is None else Decimal(f"{row.p_late:.3f}"),
            row.risk_band or "",
        )
    ]


def csv_chunks(rows: Iterable[TableRow], *, batch: int = 500) -> Iterator[str]:
    """The header and rows as CSV text, a few hundred rows per chunk, for a streamed response."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for index, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else _text(v) for v in export_row(row)])
        if index % batch == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _text(value: Value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def write_xlsx(rows: Iterable[TableRow], handle: IO[bytes]) -> int:
    """Every row into a one-sheet workbook written to ``handle``; returns the row count."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Invoices")
    sheet.append(list(EXPORT_HEADER))
    written = 0
    for row in rows:
        sheet.append(export_row(row))
        written += 1
    workbook.save(handle)
    return written


def client_choices(session: Session, *, limit: int = 2_000) -> list[tuple[int, str]]:
    """(id, name) of clients by name, for the table's client filter."""
    rows = session.exec(select(Client.id, Client.name).order_by(Client.name).limit(limit))
    return [(int(client_id), name) for client_id, name in rows]
