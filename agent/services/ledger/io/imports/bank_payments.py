"""Matching bank-statement lines to invoices and recording them as payments.

A line is matched only by an invoice number or payment reference found in its text, checked
against the amount: equal to the outstanding balance → paid; smaller with exactly one invoice
named → partial payment. Everything else (several invoices, none named, too much money, a closed
invoice) is listed for a person and never guessed. Each line gets a deterministic external id
(the bank's transaction id, or a hash of date, amount, currency, text and how many identical
lines came before it), so importing the same statement twice records nothing new.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import select_many
from agent.errors import ImportRejected, InvalidInput, PaytrackError, RowProblem
from agent.models import Invoice, Lifecycle, Payment
from agent.money import format_plain, normalise_currency, to_minor
from agent.services.ledger import invoices, payment_references, payments
from agent.services.ledger.io.imports.reading import ColumnMap, SourceRow, Table, resolve_columns
from agent.services.ledger.io.imports.values import CellError, parse_amount, parse_date, parse_text

STATEMENT_FIELDS = (
    "date",
    "amount",
    "currency",
    "description",
    "reference",
    "counterparty",
    "transaction_id",
)

STATEMENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": (
        "date", "booking date", "transaction date", "value date", "posting date", "booked",
        "datum", "boekdatum", "valutadatum", "buchungstag",
    ),
    "amount": ("amount", "credit", "amount received", "bedrag", "betrag", "value"),
    "currency": ("currency", "ccy", "valuta", "munt", "wahrung"),
    "description": (
        "description", "text", "details", "memo", "narrative", "remittance information",
        "omschrijving", "mededelingen", "verwendungszweck", "purpose",
    ),
    "reference": (
        "reference", "payment reference", "remittance reference", "structured reference",
        "kenmerk", "betalingskenmerk",
    ),
    "counterparty": (
        "counterparty", "counterparty name", "name", "payer", "from", "naam", "auftraggeber",
    ),
    "transaction_id": (
        "transaction id", "transaction reference", "bank reference", "id", "transactie id",
    ),
}  # fmt: skip

CHUNK = 500
_RUN = re.compile(r"[A-Z0-9]+(?:[-/._#][A-Z0-9]+)*")
_SEPARATOR = re.compile(r"[-/._#]")
_LOOKS_LIKE_AMOUNT = re.compile(r"\d+[.,]\d{1,2}")
_MAX_SEGMENTS = 8


class Status(StrEnum):
    MATCHED = "matched"
    ALREADY_RECORDED = "already_recorded"
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"
    IGNORED = "ignored"


@dataclass(frozen=True)
class StatementOptions:
    currency: str | None = None
    date_format: str | None = None
    decimal_comma: bool = False


@dataclass(frozen=True)
class StatementLine:
    line: int
    booked_date: date
    amount: Decimal
    currency: str | None
    text: str
    external_id: str


@dataclass
class LineOutcome:
    """What happened to one statement line, worded for the person who reviews it."""

    statement: StatementLine
    status: Status
    reason: str
    invoice_numbers: list[str] = field(default_factory=list)

    def describe(self) -> str:
        s = self.statement
        money = f"{s.amount:f}" + (f" {s.currency}" if s.currency else "")
        target = f" → {', '.join(self.invoice_numbers)}" if self.invoice_numbers else ""
        return f"line {s.line}  {s.booked_date}  {money}  {s.text[:60]!r}{target}: {self.reason}"


@dataclass
class StatementReport:
    source: str
    lines: list[LineOutcome] = field(default_factory=list)
    dry_run: bool = False

    def _with(self, status: Status) -> list[LineOutcome]:
        return [o for o in self.lines if o.status == status]

    @property
    def matched(self) -> list[LineOutcome]:
        return self._with(Status.MATCHED)

    @property
    def already_recorded(self) -> list[LineOutcome]:
        return self._with(Status.ALREADY_RECORDED)

    @property
    def unmatched(self) -> list[LineOutcome]:
        return self._with(Status.UNMATCHED)

    @property
    def ambiguous(self) -> list[LineOutcome]:
        return self._with(Status.AMBIGUOUS)

    @property
    def ignored(self) -> list[LineOutcome]:
        return self._with(Status.IGNORED)


@dataclass
class _Open:
    """An invoice as the matcher sees it, with a balance that drops as lines are matched."""

    id: int
    number: str
    currency: str
    issue_date: date
    lifecycle: Lifecycle
    balance_minor: int

    @property
    def closed(self) -> bool:
        return self.lifecycle in (Lifecycle.VOID, Lifecycle.WRITTEN_OFF)


def import_statement(
    session: Session,
    *,
    path: Path,
    mapping: dict[str, str],
    options: StatementOptions,
    actor: Actor,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> StatementReport:
    """Match every credit line of a statement and record the matches (unless ``dry_run``)."""
    lines = read_statement(path, mapping=mapping, options=options)
    ledger, references = _load_invoices(session)
    index = _KeyIndex(ledger, references)
    by_number = {entry.number: entry for entry in ledger.values()}
    recorded = _recorded_external_ids(session, [s.external_id for s in lines])
    report = StatementReport(source=path.name, dry_run=dry_run)
    for done, statement in enumerate(lines, start=1):
        outcome = _decide(statement, ledger=ledger, index=index, recorded=recorded)
        if outcome.status == Status.MATCHED:
            _record(session, outcome, by_number=by_number, actor=actor, dry_run=dry_run)
        recorded.setdefault(statement.external_id, "")
        report.lines.append(outcome)
        if on_progress is not None:
            on_progress(done, len(lines))
    return report


def read_statement(
    path: Path, *, mapping: dict[str, str], options: StatementOptions
) -> list[StatementLine]:
    """Every line of the statement, parsed; any unreadable cell refuses the whole file."""
    table = Table(path)
    columns = resolve_columns(table.headers, synonyms=STATEMENT_SYNONYMS, mapping=mapping)
    text_fields = [f for f in ("description", "reference", "counterparty") if columns.has(f)]
    missing = [f for f in ("date", "amount") if not columns.has(f)]
    if missing or not text_fields:
        needed = missing or ["description"]
        raise InvalidInput(
            f"{path.name} has no column for {', '.join(needed)} "
            f"(columns: {', '.join(table.headers)}); name it with --map FIELD=COLUMN",
            field="map",
        )
    default_currency = normalise_currency(options.currency) if options.currency else None
    lines: list[StatementLine] = []
    problems: list[RowProblem] = []
    occurrences: dict[str, int] = {}
    for row in table.rows():
        parsed = _parse_line(row, columns, text_fields, options, default_currency, problems)
        if parsed is None:
            continue
        booked, amount, currency, text, transaction_id = parsed
        key = f"{booked}|{amount:f}|{currency or ''}|{text}"
        occurrences[key] = occurrences.get(key, 0) + 1
        external_id = (
            f"bank:{transaction_id}"
            if transaction_id
            else "bank:" + hashlib.sha256(f"{key}|{occurrences[key]}".encode()).hexdigest()[:32]
        )
        lines.append(StatementLine(row.line, booked, amount, currency, text, external_id))
    if problems:
        raise ImportRejected(problems)
    return lines


def _parse_line(
    row: SourceRow,
    columns: ColumnMap,
    text_fields: Sequence[str],
    options: StatementOptions,
    default_currency: str | None,
    problems: list[RowProblem],
) -> tuple[date, Decimal, str | None, str, str | None] | None:
    cells = {name: row.cells.get(header) for name, header in columns.columns.items()}
    found = len(problems)

    def bad(name: str, reason: str) -> None:
        problems.append(RowProblem(row.line, columns.columns.get(name, name), reason))

    booked = amount = currency = None
    try:
        raw_date = cells.get("date")
        booked = parse_date(raw_date, date_format=options.date_format) if raw_date else None
        if booked is None:
            bad("date", "date is missing")
    except CellError as exc:
        bad("date", exc.reason)
    try:
        raw_amount = cells.get("amount")
        amount = parse_amount(raw_amount, decimal_comma=options.decimal_comma)[0]
        if raw_amount is None:
            bad("amount", "amount is missing")
    except CellError as exc:
        bad("amount", exc.reason)
    except TypeError:
        bad("amount", "amount is missing")
    try:
        raw_currency = cells.get("currency")
        currency = normalise_currency(str(raw_currency)) if raw_currency else default_currency
    except PaytrackError as exc:
        bad("currency", exc.message)
    text = " ".join(
        parse_text(cells[f], max_length=10_000) for f in text_fields if cells.get(f) is not None
    )
    raw_id = cells.get("transaction_id")
    transaction_id = parse_text(raw_id, max_length=150) if raw_id is not None else None
    if len(problems) > found or booked is None or amount is None:
        return None
    return booked, amount, currency, text, transaction_id


def _load_invoices(session: Session) -> tuple[dict[int, _Open], dict[int, str | None]]:
    """Every invoice with its outstanding balance, and each one's payment reference."""
    paid = invoices.paid_total()
    query = select_many(
        Invoice.id,
        Invoice.number,
        Invoice.reference,
        Invoice.currency,
        Invoice.issue_date,
        Invoice.lifecycle,
        Invoice.amount_minor,
        paid,
    )
    ledger: dict[int, _Open] = {}
    references: dict[int, str | None] = {}
    for row in session.exec(query):
        invoice_id, number, reference, currency, issued, lifecycle, amount, paid_sum = row
        balance = amount - int(paid_sum)
        ledger[invoice_id] = _Open(
            invoice_id, number, currency, issued, Lifecycle(lifecycle), balance
        )
        references[invoice_id] = reference
    return ledger, references


def _recorded_external_ids(session: Session, external_ids: list[str]) -> dict[str, str]:
    """External id → invoice number, for the ids among ``external_ids`` already recorded."""
    found: dict[str, str] = {}
    unique = sorted(set(external_ids))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        query = (
            select(Payment.external_id, Invoice.number)
            .join(Invoice, col(Invoice.id) == Payment.invoice_id)
            .where(col(Payment.external_id).in_(chunk))
        )
        for external_id, number in session.exec(query):
            if external_id is not None:
                found[external_id] = number
    return found


def _minor(amount: Decimal, currency: str) -> int | None:
    try:
        return to_minor(amount, currency)
    except PaytrackError:
        return None


def _decide(
    statement: StatementLine,
    *,
    ledger: dict[int, _Open],
    index: _KeyIndex,
    recorded: dict[str, str],
) -> LineOutcome:
    """The fate of one line; balances in ``ledger`` already reflect earlier lines."""

    def outcome(status: Status, reason: str, found: Sequence[_Open] = ()) -> LineOutcome:
        return LineOutcome(statement, status, reason, [o.number for o in found])

    if statement.external_id in recorded:
        number = recorded[statement.external_id]
        return LineOutcome(
            statement, Status.ALREADY_RECORDED, "already recorded", [number] if number else []
        )
    if statement.amount <= 0:
        return outcome(Status.IGNORED, "not money received (zero or outgoing)")
    named = sorted((ledger[i] for i in index.find(statement.text)), key=lambda o: o.number)
    if not named:
        return _by_amount_only(statement, ledger, outcome)
    usable = [o for o in named if _fits_currency(statement, o)]
    if not usable:
        return outcome(Status.UNMATCHED, "currency differs from the invoice named", named)
    open_ones = [o for o in usable if not o.closed and o.balance_minor > 0]
    exact = [o for o in open_ones if _minor(statement.amount, o.currency) == o.balance_minor]
    if len(exact) == 1:
        return outcome(Status.MATCHED, "pays the outstanding balance", exact)
    if len(exact) > 1:
        return outcome(Status.AMBIGUOUS, "amount equals the balance of several invoices", exact)
    if len(usable) > 1:
        return outcome(Status.AMBIGUOUS, "several invoices named, none with this balance", usable)
    return _single(statement, usable[0], outcome)


def _single(
    statement: StatementLine, only: _Open, outcome: Callable[..., LineOutcome]
) -> LineOutcome:
    if only.closed:
        state = only.lifecycle.value.replace("_", " ")
        return outcome(Status.UNMATCHED, f"invoice is {state}", [only])
    if only.balance_minor <= 0:
        return outcome(Status.UNMATCHED, "invoice is already paid", [only])
    minor = _minor(statement.amount, only.currency)
    if minor is None:
        return outcome(Status.UNMATCHED, f"amount has more decimals than {only.currency}", [only])
    if statement.booked_date < only.issue_date:
        return outcome(Status.UNMATCHED, "booked before the invoice was issued", [only])
    if minor > only.balance_minor:
        balance = format_plain(only.balance_minor, only.currency)
        return outcome(Status.UNMATCHED, f"more than the outstanding {balance}", [only])
    left = format_plain(only.balance_minor - minor, only.currency)
    return outcome(Status.MATCHED, f"partial payment; {left} left", [only])


def _by_amount_only(
    statement: StatementLine, ledger: dict[int, _Open], outcome: Callable[..., LineOutcome]
) -> LineOutcome:
    same = sorted(
        (
            o
            for o in ledger.values()
            if not o.closed
            and o.balance_minor > 0
            and _fits_currency(statement, o)
            and _minor(statement.amount, o.currency) == o.balance_minor
        ),
        key=lambda o: o.number,
    )
    if len(same) > 1:
        return outcome(
            Status.AMBIGUOUS, "no invoice named; amount equals several open balances", same
        )
    if len(same) == 1:
        return outcome(
            Status.UNMATCHED, "no invoice named; amount equals this open balance (check it)", same
        )
    return outcome(Status.UNMATCHED, "no invoice number or reference found")


def _fits_currency(statement: StatementLine, entry: _Open) -> bool:
    return statement.currency is None or statement.currency == entry.currency


def _record(
    session: Session,
    outcome: LineOutcome,
    *,
    by_number: dict[str, _Open],
    actor: Actor,
    dry_run: bool,
) -> None:
    statement = outcome.statement
    entry = by_number[outcome.invoice_numbers[0]]
    minor = _minor(statement.amount, entry.currency)
    assert minor is not None, "a matched amount always converts"
    if not dry_run:
        payments.record(
            session,
            invoice_id=entry.id,
            amount_minor=minor,
            currency=entry.currency,
            payment_date=statement.booked_date,
            actor=actor,
            method="bank transfer",
            reference=statement.text[:300] or None,
            external_id=statement.external_id,
        )
    entry.balance_minor -= minor


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


class _KeyIndex:
    """Invoice numbers and references, found in free text without substring mistakes.

    Text is cut into runs like ``INV-2024-001``; every run of whole segments is looked up by
    its letters and digits only, so ``INV-1`` never matches inside ``INV-12``, and when a match
    lies inside a longer match (``2024-001`` inside ``INV-2024-001``) only the longer counts.
    References written with spaces (``RF18 5390 0754``) are searched in the compacted text.
    """

    def __init__(self, ledger: dict[int, _Open], references: dict[int, str | None]) -> None:
        self.by_key: dict[str, set[int]] = {}
        self.spaced: dict[str, set[int]] = {}
        for invoice_id, entry in ledger.items():
            self._add(entry.number, invoice_id)
            reference = references.get(invoice_id)
            if reference:
                self._add(reference, invoice_id)
            for derived in payment_references.for_invoice(invoice_id, entry.number).values():
                self._add(derived, invoice_id)

    def _add(self, key: str, invoice_id: int) -> None:
        compact = _compact(key)
        # Two-character keys like "S1" are fine, but short all-digit ones are too common in text.
        if len(compact) < 2 or (compact.isdigit() and len(compact) < 3):
            return
        self.by_key.setdefault(compact, set()).add(invoice_id)
        if re.search(r"\s", key.strip()) and len(compact) >= 8:
            self.spaced.setdefault(compact, set()).add(invoice_id)

    def find(self, text: str) -> set[int]:
        upper = text.upper()
        spans: list[tuple[int, int, set[int]]] = []
        for run in _RUN.finditer(upper):
            spans.extend(self._in_run(run.group(0), run.start()))
        found: set[int] = set()
        for start, end, ids in spans:
            if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans):
                found |= ids
        if self.spaced:
            compact = _compact(text)
            for key, ids in self.spaced.items():
                if key in compact:
                    found |= ids
        return found

    def _in_run(self, run: str, offset: int) -> Iterator[tuple[int, int, set[int]]]:
        whole = self.by_key.get(_compact(run))
        if whole:
            yield offset, offset + len(run), whole
            return
        if _LOOKS_LIKE_AMOUNT.fullmatch(run):
            return
        pieces = [(m.start(), m.end()) for m in re.finditer(r"[A-Z0-9]+", run)]
        if len(pieces) > _MAX_SEGMENTS:
            pieces = pieces[:_MAX_SEGMENTS]
        for i in range(len(pieces)):
            for j in range(i, len(pieces)):
                start, end = pieces[i][0], pieces[j][1]
                ids = self.by_key.get(_compact(run[start:end]))
                if ids:
                    yield offset + start, offset + end, ids
