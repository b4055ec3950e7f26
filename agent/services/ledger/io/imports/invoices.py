"""Importing invoices from a spreadsheet: stream the file, validate every row, write in batches.

The file is never held whole: two cheap passes over its number column find the numbers it
repeats (``repeats``), then rows are parsed, compared with the ledger and written ``CHUNK`` at a
time (``batch_writer``), so memory stays flat however long the file. All or nothing: the writes
sit in a savepoint, and a file with any bad row stores nothing (``ImportRejected`` names every
problem by line and column) unless ``skip_invalid``; after the first problem the rest of the
file is only validated.

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
from itertools import islice
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.bulk import in_list
from agent.db import hold_write_lock, select_many
from agent.errors import ImportRejected, InvalidInput, PaytrackError, RowProblem
from agent.models import Client, ClientCreate, Invoice, Lifecycle, User
from agent.money import format_plain
from agent.services.access import users
from agent.services.ledger import clients, documents, invoices, payments
from agent.services.ledger.io.imports import client_details
from agent.services.ledger.io.imports.batch_writer import BatchWriter, NewInvoice
from agent.services.ledger.io.imports.invoice_rows import (
    INVOICE_SYNONYMS,
    InvoiceRecord,
    InvoiceRowOptions,
    number_text,
    parse_invoice_rows,
)
from agent.services.ledger.io.imports.reading import ColumnMap, SourceRow, Table, resolve_columns
from agent.services.ledger.io.imports.repeats import Repeats, repeated_numbers

CHUNK = 1_000
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
    """Validate the whole file, creating its invoices, payments and disputes as it goes.

    Any row problem refuses the file (``ImportRejected``, nothing stored) unless
    ``skip_invalid``; a dry run reports what would happen and stores nothing. ``on_progress``
    hears (rows done, rows in the file) after each chunk.
    """
    table = Table(path)
    columns = _columns(table, mapping)
    number = columns.columns["number"]
    repeats = repeated_numbers(lambda: ((ln, number_text(c)) for ln, c in table.column(number)))
    run = _Run(
        session,
        summary=InvoiceImportSummary(source=path.name, dry_run=dry_run),
        columns=columns,
        repeats=repeats,
        options=options,
        actor=actor,
        skip_invalid=skip_invalid,
    )
    with _savepoint(session, dry_run=dry_run):
        for chunk in _chunked(table.rows(), CHUNK):
            run.chunk(chunk)
            if on_progress is not None:
                on_progress(min(run.summary.rows, repeats.rows), repeats.rows)
        return run.finish()


@contextmanager
def _savepoint(session: Session, *, dry_run: bool) -> Iterator[None]:
    """Everything the import writes, undone together when it raises (``ImportRejected`` too).

    SQLite's write lock is taken first, so that the savepoint sits inside a transaction.
    """
    if dry_run:
        yield
        return
    hold_write_lock(session)
    with session.begin_nested():
        yield


def _columns(table: Table, mapping: dict[str, str]) -> ColumnMap:
    columns = resolve_columns(table.headers, synonyms=INVOICE_SYNONYMS, mapping=mapping)
    for name in REQUIRED_COLUMNS:
        if not columns.has(name):
            raise InvalidInput(
                f"{table.path.name} has no column for {name!r} "
                f"(columns: {', '.join(table.headers)}); name it with --map {name}=COLUMN",
                field="map",
            )
    return columns


def _chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Run:
    """One import in progress: its caches, the problems so far, its batch writer."""

    def __init__(
        self,
        session: Session,
        *,
        summary: InvoiceImportSummary,
        columns: ColumnMap,
        repeats: Repeats,
        options: InvoiceRowOptions,
        actor: Actor,
        skip_invalid: bool,
    ) -> None:
        self.session, self.summary, self.columns, self.repeats = session, summary, columns, repeats
        self.options, self.actor, self.skip_invalid = options, actor, skip_invalid
        self.problems: list[RowProblem] = []
        # Clients by name key: those in the ledger before the import (the file may update their
        # details), those it created, and (on a dry run) those it would create.
        self.existing: dict[str, Client] = {}
        self.created: dict[str, Client] = {}
        self.absent: set[str] = set()
        self.owners: dict[str, User] = {}
        self.updated: set[str] = set()
        self.previewed_clients: set[str] = set()
        self.previewed_owners: set[str] = set()
        self.writer: BatchWriter | None = None

    def chunk(self, rows: list[SourceRow]) -> None:
        """Validate ``rows`` and, while the file is still good (or bad rows are skipped), write."""
        self.summary.rows += len(rows)
        records, problems = parse_invoice_rows(
            rows, columns=self.columns, options=self.options, repeated=self.repeats.lines
        )
        new, top_ups, unchanged, conflicts = _against_ledger(self.session, records)
        self.problems += problems + conflicts
        self.summary.unchanged += unchanged
        if self.summary.dry_run:
            self._preview(records, new, top_ups)
        elif self.skip_invalid or not self.problems:
            self._apply(records, new, top_ups)

    def finish(self) -> InvoiceImportSummary:
        """The summary, or ``ImportRejected`` naming every problem (bad rows not skipped)."""
        self.problems.sort(key=lambda p: p.line)
        if self.problems and not self.skip_invalid:
            raise ImportRejected(self.problems)
        self.summary.skipped = self.problems
        self.summary.clients_updated = sorted(self.updated)
        return self.summary

    def _writer(self) -> BatchWriter:
        if self.writer is None:
            self.writer = BatchWriter(self.session, source=self.summary.source, actor=self.actor)
        return self.writer

    def _apply(
        self, records: list[InvoiceRecord], new: list[InvoiceRecord], top_ups: list[_TopUp]
    ) -> None:
        writer = self._writer()
        self._load_clients(records)
        self.updated.update(
            client_details.update_existing(
                self.session, records, known=self.existing, actor=self.actor, dry_run=False
            )
        )
        self._create_clients(new)
        rows = [NewInvoice(record=r, client=self._client(r), owner=self._owner(r)) for r in new]
        before = writer.written.payments_recorded
        writer.write(rows)
        self.summary.created += len(rows)
        self.summary.payments_recorded += writer.written.payments_recorded - before
        self.summary.disputes_opened = writer.written.disputes_opened
        _attach_documents(self.session, rows, options=self.options, actor=self.actor)
        for top_up in top_ups:
            with _blame(top_up.record):
                _pay(
                    self.session,
                    top_up.record,
                    invoice_id=top_up.invoice_id,
                    amount_minor=top_up.amount_minor,
                    external_id=f"import:{top_up.record.number}:paid-to:{top_up.record.paid_minor}",
                    actor=self.actor,
                )
            self.summary.payments_recorded += 1

    def _load_clients(self, records: list[InvoiceRecord]) -> None:
        """The ledger's clients among those the rows name, looked up once per import."""
        keys = {r.client_key for r in records}
        unknown = keys - self.existing.keys() - self.created.keys() - self.absent
        found = _clients_by_key(self.session, unknown)
        self.existing.update(found)
        self.absent.update(unknown - found.keys())

    def _create_clients(self, records: list[InvoiceRecord]) -> None:
        """The clients the ledger lacks, built from their first row and added with one flush."""
        fresh: dict[str, Client] = {}
        for record in records:
            key = record.client_key
            if key in self.absent and key not in fresh:
                with _blame(record):
                    fresh[key] = clients.build(_client_data(record, self.options))
        if fresh:
            self.session.add_all(fresh.values())
            self.session.flush()
            self.created.update(fresh)
            self.absent.difference_update(fresh)
            self.summary.clients_created += [c.name for c in fresh.values()]

    def _client(self, record: InvoiceRecord) -> Client:
        client = self.existing.get(record.client_key)
        return client if client is not None else self.created[record.client_key]

    def _owner(self, record: InvoiceRecord) -> User:
        owner = self.owners.get(record.owner)
        if owner is None:
            with _blame(record):
                owner, created = users.resolve_owner(
                    self.session, text=record.owner, create_missing=True
                )
            if created:
                self.summary.owners_created.append(f"{owner.name} <{owner.email}>")
            self.owners[record.owner] = owner
        return owner

    def _preview(
        self, records: list[InvoiceRecord], new: list[InvoiceRecord], top_ups: list[_TopUp]
    ) -> None:
        """Count what applying would do, touching nothing."""
        summary = self.summary
        self._load_clients(records)
        self.updated.update(
            client_details.update_existing(
                self.session, records, known=self.existing, actor=self.actor, dry_run=True
            )
        )
        summary.created += len(new)
        summary.payments_recorded += sum(1 for r in new if r.paid_minor) + len(top_ups)
        summary.disputes_opened += sum(
            1 for r in new if r.disputed and r.paid_minor < r.amount_minor
        )
        for record in new:
            key = record.client_key
            if key in self.absent and key not in self.previewed_clients:
                self.previewed_clients.add(key)
                summary.clients_created.append(record.client)
        for text in dict.fromkeys(r.owner for r in new):
            if text in self.previewed_owners:
                continue
            self.previewed_owners.add(text)
            name, email = users.parse_owner_text(text)
            user = users.find_by_email(self.session, email=email) if email else None
            if user is None and email is None:
                user = users.find_by_name(self.session, name=name)
            if user is None:
                summary.owners_created.append(text)


def _client_data(record: InvoiceRecord, options: InvoiceRowOptions) -> ClientCreate:
    return ClientCreate(
        name=record.client,
        contact_emails=[record.client_email] if record.client_email else [],
        language=record.client_language or options.default_language,
        country=record.client_country,
        timezone=record.client_timezone
        or clients.timezone_for_country(record.client_country)
        or "UTC",
        currency=record.currency,
        default_terms_days=options.default_terms_days,
    )


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
            .where(col(Invoice.number).in_(in_list(chunk)))
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
        for client in session.exec(select(Client).where(col(Client.name_key).in_(in_list(chunk)))):
            found[client.name_key] = client
    return found


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
