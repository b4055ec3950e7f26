"""The lossless ledger archive: ``paytrack export ledger`` and ``paytrack import ledger``.

A JSON document with every user, client, invoice (lifecycle, closing dates, dispute, promise,
extended due date), payment (with its id and external id) and history event (which carries
the reasons of voids, write-offs, extensions and disputes), each with its id. Importing it into
an empty ledger restores exactly that ledger. Passwords are not exported: people set a new
one after the move (``paytrack users set-password``); API keys, drafts and the outbox move with
``paytrack db copy``, which copies a whole database.

Import has two stages so a faster writer can replace the second alone: ``parse_archive``
validates the whole document and names every problem (table, row, field), storing nothing;
``restore`` writes a parsed archive.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from agent.db_copy import advance_sequences
from agent.errors import ImportRejected, LedgerNotEmpty, RowProblem
from agent.inputs import unsafe_reason
from agent.models import Client, Invoice, InvoiceEvent, Payment, User

FORMAT = "paytrack-ledger"
VERSION = 1
# Parents before children: restoring in this order satisfies every foreign key.
MODELS: dict[str, type[SQLModel]] = {
    "user": User,
    "client": Client,
    "invoice": Invoice,
    "payment": Payment,
    "invoice_event": InvoiceEvent,
}
M = TypeVar("M", bound=SQLModel)
_NOT_EXPORTED = {"user": {"password_hash"}}
_FREE_TEXT = {"notes", "dispute_reason", "reference"}


@dataclass(frozen=True)
class LedgerArchive:
    """A validated archive: model instances per table, and the money totals it declares."""

    rows: dict[str, list[SQLModel]]
    invoiced: dict[str, int]
    paid: dict[str, int]


def export_archive(session: Session) -> dict[str, Any]:
    """The whole ledger as JSON-ready data."""
    tables = {
        name: [
            row.model_dump(mode="json", exclude=_NOT_EXPORTED.get(name, set()))
            for row in session.exec(select(model).order_by(model.id))  # type: ignore[attr-defined]
        ]
        for name, model in MODELS.items()
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "invoiced": _sums(session, Invoice),
        "paid": _sums(session, Payment),
        "tables": tables,
    }


def write_archive(session: Session, *, path: Path) -> dict[str, int]:
    """Write the archive to ``path``; row counts per table."""
    data = export_archive(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
    return {name: len(rows) for name, rows in data["tables"].items()}


def read_archive(path: Path) -> LedgerArchive:
    """Read and validate an archive file (nothing stored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRejected([RowProblem(1, None, f"not a JSON ledger archive: {exc}")]) from None
    return parse_archive(data)


def parse_archive(data: Any) -> LedgerArchive:
    """Validate every row of an archive; ``ImportRejected`` names each bad table row and field."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRejected([RowProblem(1, "format", f"is not {FORMAT!r}")])
    if data.get("version") != VERSION:
        raise ImportRejected([RowProblem(1, "version", f"is not {VERSION}")])
    problems: list[RowProblem] = []
    rows: dict[str, list[SQLModel]] = {}
    tables = data.get("tables") or {}
    for name, model in MODELS.items():
        rows[name] = []
        for index, raw in enumerate(tables.get(name) or [], start=1):
            parsed = _parse_row(name, model, index, raw, problems)
            if parsed is not None:
                rows[name].append(parsed)
    archive = LedgerArchive(
        rows=rows, invoiced=_money(data.get("invoiced")), paid=_money(data.get("paid"))
    )
    problems += _ledger_problems(archive)
    if problems:
        raise ImportRejected(problems)
    return archive


def _parse_row(
    name: str, model: type[SQLModel], index: int, raw: Any, problems: list[RowProblem]
) -> SQLModel | None:
    if not isinstance(raw, dict):
        problems.append(RowProblem(index, name, "is not an object"))
        return None
    for field, value in raw.items():
        if isinstance(value, str):
            reason = unsafe_reason(value, multiline=field in _FREE_TEXT)
            if reason is not None:
                problems.append(RowProblem(index, f"{name}.{field}", reason))
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(RowProblem(index, f"{name}.{where}", error["msg"]))
        return None


def _ledger_problems(archive: LedgerArchive) -> list[RowProblem]:
    """References that point nowhere, overpaid invoices, and totals that do not add up."""
    problems: list[RowProblem] = []
    users = {u.id for u in _typed(archive, "user", User)}
    clients = {c.id for c in _typed(archive, "client", Client)}
    invoices = {i.id: i for i in _typed(archive, "invoice", Invoice)}
    payments = _typed(archive, "payment", Payment)
    paid: dict[int | None, int] = defaultdict(int)
    for index, invoice in enumerate(invoices.values(), start=1):
        if invoice.client_id not in clients:
            problems.append(RowProblem(index, "invoice.client_id", "names no client"))
        if invoice.owner_id not in users:
            problems.append(RowProblem(index, "invoice.owner_id", "names no user"))
    for index, payment in enumerate(payments, start=1):
        owed = invoices.get(payment.invoice_id)
        if owed is None:
            problems.append(RowProblem(index, "payment.invoice_id", "names no invoice"))
            continue
        if payment.currency != owed.currency:
            problems.append(RowProblem(index, "payment.currency", "differs from the invoice's"))
        paid[owed.id] += payment.amount_minor
        if paid[owed.id] > owed.amount_minor:
            problems.append(RowProblem(index, "payment.amount_minor", "overpays its invoice"))
    for index, event in enumerate(_typed(archive, "invoice_event", InvoiceEvent), start=1):
        if event.invoice_id not in invoices:
            problems.append(RowProblem(index, "invoice_event.invoice_id", "names no invoice"))
    for label, declared, sums in (
        ("invoiced", archive.invoiced, _row_sums(list(invoices.values()))),
        ("paid", archive.paid, _row_sums(payments)),
    ):
        if declared != sums:
            problems.append(RowProblem(1, label, "the totals do not match the rows"))
    return problems


def _typed(archive: LedgerArchive, name: str, model: type[M]) -> list[M]:
    return [row for row in archive.rows[name] if isinstance(row, model)]


def restore(session: Session, archive: LedgerArchive) -> dict[str, int]:
    """Write a parsed archive into an empty ledger, ids and all; row counts per table."""
    occupied = [
        name
        for name, model in MODELS.items()
        if session.exec(select(func.count()).select_from(model)).one()
    ]
    if occupied:
        raise LedgerNotEmpty(
            f"the ledger already holds {', '.join(occupied)} rows; import an archive into an "
            "empty database"
        )
    for rows in archive.rows.values():
        session.add_all(rows)
        session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        advance_sequences(connection, [model.__table__ for model in MODELS.values()])  # type: ignore[attr-defined]
    return {name: len(rows) for name, rows in archive.rows.items()}


def _sums(session: Session, model: type[Invoice] | type[Payment]) -> dict[str, int]:
    query = select(model.currency, func.sum(model.amount_minor)).group_by(model.currency)
    return {currency: int(total) for currency, total in session.exec(query)}


def _row_sums(rows: Sequence[Invoice | Payment]) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        sums[row.currency] += row.amount_minor
    return dict(sums)


def _money(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}
