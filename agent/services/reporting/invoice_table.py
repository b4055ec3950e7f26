"""The dashboard's invoice table: filter, sort and group invoices as of a day, export as CSV.

Positions (paid by then, state, days overdue, bucket) come from ``positions.positions`` so the
table agrees with the aging report; risk is the newest stored score. The CSV holds exactly the
rows shown, every text cell made formula-safe.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import SQLColumnExpression, Subquery, case, func, nulls_last
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import select_many
from agent.errors import InvalidInput
from agent.models import Client, Invoice, User
from agent.money import format_plain
from agent.services.access.ownership import scoped
from agent.services.ledger.io.spreadsheet import safe_cell
from agent.services.ledger.positions import AgingBucket, positions, state_column
from agent.services.scoring import risk_scores

DEFAULT_LIMIT = 500
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
    bucket: AgingBucket | None = None
    group: TableGroup = TableGroup.NONE
    limit: int = DEFAULT_LIMIT


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


def _status_column(pos: Subquery) -> ColumnElement[str]:
    """The table's coarser status: the derived state, with not yet due and due soon as open."""
    derived = state_column(pos, due_soon_days=0)
    return case((derived.in_(["not_yet_due", "due_soon"]), TableStatus.OPEN.value), else_=derived)


def build(session: Session, *, query: TableQuery, actor: Actor) -> InvoiceTable:
    """The rows of the invoices ``actor`` may see matching ``query`` (at most ``limit``),
    sorted, grouped, with group totals."""
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
    if query.bucket is not None:
        stmt = stmt.where(pos.c.state == "open", pos.c.bucket == query.bucket.value)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    key: SQLColumnExpression[Any] = {
        TableSort.DUE_DATE: pos.c.due_date,
        TableSort.AMOUNT: pos.c.amount_minor,
        TableSort.DAYS_OVERDUE: days,
        TableSort.RISK: score.p_late,
    }[query.sort]
    order = nulls_last(key.desc() if query.descending else key.asc())
    rows = session.exec(stmt.order_by(order, pos.c.number).limit(query.limit)).all()
    items = [
        TableRow(
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
        for r in rows
    ]
    return InvoiceTable(
        as_of=query.as_of,
        total_count=int(total),
        shown_count=len(items),
        groups=_group(items, query.group),
    )


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


CSV_HEADER = (
    "group",
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


def to_csv(table: InvoiceTable) -> str:
    """Exactly the rows of ``table`` as CSV; amounts in major units as the currency writes them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group in table.groups:
        for row in group.rows:
            writer.writerow(
                [
                    safe_cell(value)
                    for value in (
                        group.key,
                        row.number,
                        row.client_name,
                        row.owner_name,
                        row.currency,
                        format_plain(row.amount_minor, row.currency),
                        format_plain(row.outstanding_minor, row.currency),
                        row.due_date,
                        row.status.value,
                        row.days_overdue,
                        row.bucket.value if row.bucket else "",
                        "" if row.p_late is None else f"{row.p_late:.3f}",
                        row.risk_band or "",
                    )
                ]
            )
    return out.getvalue()


def client_choices(session: Session, *, limit: int = 2_000) -> list[tuple[int, str]]:
    """(id, name) of clients by name, for the table's client filter."""
    rows = session.exec(select(Client.id, Client.name).order_by(Client.name).limit(limit))
    return [(int(client_id), name) for client_id, name in rows]
