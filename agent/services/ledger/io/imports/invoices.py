"""Importing invoices from a spreadsheet: validate every row first, then apply in one transaction.

Re-importing is idempotent. An invoice number already in the ledger with the same client,
amount and currency is "unchanged"; different facts are a row problem naming the field.
Import-created payments carry deterministic external ids: ``import:<number>:paid`` for the
first, and when a later file shows more paid than the ledger holds, the difference is recorded
as ``import:<number>:paid-to:<paid total in minor units>``, so the same file never pays twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import select_many
from agent.errors import ImportRejected, InvalidInput, PaytrackError, RowProblem
from agent.models import (
    Client,
    ClientCreate,
    Invoice,
    Lifecycle,
    User,
)
from agent.money import format_plain
from agent.services.access import users
from agent.services.ledger import clients, documents, invoices, payments
from agent.services.ledger.io.imports import client_details
from agent.services.ledger.io.imports.batch_writer import NewInvoice, write_new
from agent.services.ledger.io.imports.invoice_rows import (
    INVOICE_SYNONYMS,
    InvoiceRecord,
    InvoiceRowOptions,
    parse_invoice_rows,
)
from agent.services.ledger.io.imports.reading import SourceRow, Table, resolve_columns

CHUNK = 500
REQUIRED_COLUMNS = ("number", "client", "amount")

Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass
class InvoiceImportSummary:
    """What an import did (or, on a dry run, would do)."""

    source: str
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    payments_recorded: int = 0
    disputes_opened: int = 0
    clients_created: list[str] = field(default_factory=list)
    clients_updated: list[str] = field(default_factory=list)
    owners_created: list[str] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False


@dataclass(frozen=True)
class _Existing:
    id: int
    amount_minor: int
    currency: str
    client_name: str
    lifecycle: Lifecycle
    paid_minor: int


@dataclass(frozen=True)
class _TopUp:
    record: InvoiceRecord
    invoice_id: int
    amount_minor: int


def import_invoices(
    session: Session,
    *,
    path: Path,
    mapping: dict[str, str],
    options: InvoiceRowOptions,
    actor: Actor,
    dry_run: bool = False,
    skip_invalid: bool = False,
    on_progress: Progress | None = None,
) -> InvoiceImportSummary:
    """Validate the whole file, then create its invoices, payments and disputes.

    Any row problem refuses the file (``ImportRejected``) unless ``skip_invalid``; a dry run
    reports what would happen and stores nothing.
    """
    table = Table(path)
    columns = resolve_columns(table.headers, synonyms=INVOICE_SYNONYMS, mapping=mapping)
    for name in REQUIRED_COLUMNS:
        if not columns.has(name):
            raise InvalidInput(
                f"{path.name} has no column for {name!r} (columns: {', '.join(table.headers)}); "
                f"name it with --map {name}=COLUMN",
                field="map",
            )
    counted = _Counted(table.rows())
    records, problems = parse_invoice_rows(counted, columns=columns, options=options)
    new, top_ups, unchanged, conflicts = _against_ledger(session, records)
    problems = sorted(problems + conflicts, key=lambda p: p.line)
    if problems and not skip_invalid:
        raise ImportRejected(problems)
    summary = InvoiceImportSummary(
        source=path.name,
        rows=counted.count,
        unchanged=unchanged,
        skipped=problems,
        dry_run=dry_run,
    )
    known_clients = _clients_by_key(session, {r.client_key for r in new})
    summary.clients_updated = client_details.update_existing(
        session, records, actor=actor, dry_run=dry_run
    )
    if dry_run:
        _preview(session, summary, new, top_ups, known_clients)
        return summary
    _apply(
        session,
        summary,
        new,
        top_ups,
        known_clients,
        options=options,
        actor=actor,
        on_progress=on_progress,
    )
    return summary


class _Counted:
    """Passes rows through while counting them, so the summary can say how many were read."""

    def __init__(self, rows: Iterable[SourceRow]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[SourceRow]:
        for row in self._rows:
            self.count += 1
            yield row


def _against_ledger(
    session: Session, records: list[InvoiceRecord]
) -> tuple[list[InvoiceRecord], list[_TopUp], int, list[RowProblem]]:
    """Split records into new ones, payment top-ups, unchanged ones and conflicting ones."""
    existing = _existing_by_number(session, [r.number for r in records])
    new: list[InvoiceRecord] = []
    top_ups: list[_TopUp] = []
    conflicts: list[RowProblem] = []
    unchanged = 0
    for record in records:
        found = existing.get(record.number)
        if found is None:
            new.append(record)
            continue
        problem = _conflict(record, found)
        if problem is not None:
            conflicts.append(problem)
            continue
        unchanged += 1
        extra = record.paid_minor - found.paid_minor
        if extra > 0 and found.lifecycle not in (Lifecycle.VOID, Lifecycle.WRITTEN_OFF):
            top_ups.append(_TopUp(record=record, invoice_id=found.id, amount_minor=extra))
    return new, top_ups, unchanged, conflicts


def _conflict(record: InvoiceRecord, found: _Existing) -> RowProblem | None:
    said = f"invoice {record.number} was already imported with"
    if found.currency != record.currency:
        return RowProblem(
            record.line,
            record.column("currency"),
            f"{said} currency {found.currency}, file says {record.currency}",
        )
    if found.amount_minor != record.amount_minor:
        return RowProblem(
            record.line,
            record.column("amount"),
            f"{said} amount {format_plain(found.amount_minor, found.currency)}, "
            f"file says {format_plain(record.amount_minor, record.currency)}",
        )
    if clients.name_key(found.client_name) != record.client_key:
        return RowProblem(
            record.line,
            record.column("client"),
            f"{said} client {found.client_name!r}, file says {record.client!r}",
        )
    return None


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _existing_by_number(session: Session, numbers: list[str]) -> dict[str, _Existing]:
    """Invoices already in the ledger among ``numbers``, looked up in chunks of IN queries."""
    paid = invoices.paid_total()
    found: dict[str, _Existing] = {}
    for chunk in _chunks(sorted(set(numbers))):
        query = (
            select_many(
                Invoice.number,
                Invoice.id,
                Invoice.amount_minor,
                Invoice.currency,
                Invoice.lifecycle,
                Client.name,
                paid,
            )
            .join(Client, col(Client.id) == Invoice.client_id)
            .where(col(Invoice.number).in_(chunk))
        )
        for number, invoice_id, amount, currency, lifecycle, client_name, paid_sum in session.exec(
            query
        ):
            found[number] = _Existing(
                id=invoice_id,
                amount_minor=amount,
                currency=currency,
                client_name=client_name,
                lifecycle=Lifecycle(lifecycle),
                paid_minor=int(paid_sum),
            )
    return found


def _clients_by_key(session: Session, keys: set[str]) -> dict[str, Client]:
    found: dict[str, Client] = {}
    for chunk in _chunks(sorted(keys)):
        for client in session.exec(select(Client).where(col(Client.name_key).in_(chunk))):
            found[client.name_key] = client
    return found


def _preview(
    session: Session,
    summary: InvoiceImportSummary,
    new: list[InvoiceRecord],
    top_ups: list[_TopUp],
    known_clients: dict[str, Client],
) -> None:
    """Fill ``summary`` with what applying would do, touching nothing."""
    summary.created = len(new)
    summary.payments_recorded = sum(1 for r in new if r.paid_minor) + len(top_ups)
    summary.disputes_opened = sum(1 for r in new if r.disputed and r.paid_minor < r.amount_minor)
    seen: set[str] = set()
    for record in new:
        if record.client_key not in known_clients and record.client_key not in seen:
            seen.add(record.client_key)
            summary.clients_created.append(record.client)
    for text in dict.fromkeys(r.owner for r in new):
        name, email = users.parse_owner_text(text)
        user = users.find_by_email(session, email=email) if email else None
        if user is None and email is None:
            user = users.find_by_name(session, name=name)
        if user is None:
            summary.owners_created.append(text)


def _apply(
    session: Session,
    summary: InvoiceImportSummary,
    new: list[InvoiceRecord],
    top_ups: list[_TopUp],
    known_clients: dict[str, Client],
    *,
    options: InvoiceRowOptions,
    actor: Actor,
    on_progress: Progress | None,
) -> None:
    owners: dict[str, User] = {}
    total = len(new) + len(top_ups)
    done = 0
    rows: list[NewInvoice] = []
    for record in new:
        with _blame(record):
            client = _client_for(session, record, known_clients, summary, options)
            owner = _owner_for(session, record, owners, summary)
        rows.append(NewInvoice(record=record, client=client, owner=owner))

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if on_progress is not None:
            on_progress(done, total)

    written = write_new(session, rows, source=summary.source, actor=actor, on_batch=advance)
    _attach_documents(session, rows, options=options, actor=actor)
    summary.created += written.created
    summary.payments_recorded += written.payments_recorded
    summary.disputes_opened += written.disputes_opened
    for top_up in top_ups:
        with _blame(top_up.record):
            _pay(
                session,
                top_up.record,
                invoice_id=top_up.invoice_id,
                amount_minor=top_up.amount_minor,
                external_id=f"import:{top_up.record.number}:paid-to:{top_up.record.paid_minor}",
                actor=actor,
            )
            summary.payments_recorded += 1
        done += 1
        if on_progress is not None:
            on_progress(done, total)


@contextmanager
def _blame(record: InvoiceRecord) -> Iterator[None]:
    """Turn a service refusal while applying a row into a line-numbered ``ImportRejected``."""
    try:
        yield
    except ImportRejected:
        raise
    except PaytrackError as exc:
        column = record.column(exc.field) if exc.field else None
        raise ImportRejected([RowProblem(record.line, column, exc.message)]) from exc


def _client_for(
    session: Session,
    record: InvoiceRecord,
    known: dict[str, Client],
    summary: InvoiceImportSummary,
    options: InvoiceRowOptions,
) -> Client:
    client = known.get(record.client_key)
    if client is not None:
        return client
    client, created = clients.find_or_create(
        session,
        ClientCreate(
            name=record.client,
            contact_emails=[record.client_email] if record.client_email else [],
            language=record.client_language or options.default_language,
            country=record.client_country,
            timezone=record.client_timezone
            or clients.timezone_for_country(record.client_country)
            or "UTC",
            currency=record.currency,
            default_terms_days=options.default_terms_days,
        ),
    )
    if created:
        summary.clients_created.append(client.name)
    known[record.client_key] = client
    return client


def _owner_for(
    session: Session, record: InvoiceRecord, cache: dict[str, User], summary: InvoiceImportSummary
) -> User:
    owner = cache.get(record.owner)
    if owner is None:
        owner, created = users.resolve_owner(session, text=record.owner, create_missing=True)
        if created:
            summary.owners_created.append(f"{owner.name} <{owner.email}>")
        cache[record.owner] = owner
    return owner


def _pay(
    session: Session,
    record: InvoiceRecord,
    *,
    invoice_id: int,
    amount_minor: int,
    external_id: str,
    actor: Actor,
) -> None:
    assert record.paid_date is not None, "a record with money paid always has a paid date"
    payments.record(
        session,
        invoice_id=invoice_id,
        amount_minor=amount_minor,
        currency=record.currency,
        payment_date=record.paid_date,
        actor=actor,
        method=record.payment_method,
        reference=f"imported (line {record.line})",
        external_id=external_id,
    )


def _attach_documents(
    session: Session, rows: list[NewInvoice], *, options: InvoiceRowOptions, actor: Actor
) -> None:
    """Store the document files named beside the imported file (checked when parsed)."""
    if options.data_dir is None:
        return
    for row in rows:
        path = row.record.document_file
        if path is None:
            continue
        invoice = invoices.get_by_number(session, number=row.record.number)
        documents.attach(
            session,
            invoice_id=invoice.id,
            content=path.read_bytes(),
            filename=path.name,
            data_dir=options.data_dir,
            max_bytes=options.document_max_bytes,
            actor=actor,
        )
