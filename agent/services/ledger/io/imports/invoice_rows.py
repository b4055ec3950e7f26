"""Parsing and validating invoice rows: each bad cell becomes a ``RowProblem``; nothing stored."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from agent.errors import InvalidDocument, InvalidInput, PaytrackError, RowProblem
from agent.money import format_plain, normalise_currency, to_minor
from agent.services.access import users
from agent.services.ledger import clients, documents
from agent.services.ledger.io.imports.reading import Cell, ColumnMap, SourceRow
from agent.services.ledger.io.imports.values import (
    CellError,
    parse_amount,
    parse_bool,
    parse_date,
    parse_terms,
    parse_text,
)

INVOICE_FIELDS = (
    "number",
    "client",
    "client_email",
    "client_language",
    "client_country",
    "client_timezone",
    "owner",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "amount_paid",
    "paid_date",
    "terms",
    "payment_method",
    "reference",
    "disputed",
    "notes",
    "document",
    "status",
)

# Header names recognised without --map, compared after folding case, spaces and punctuation.
INVOICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": (
        "number", "invoice number", "invoice #", "invoice no", "inv number", "inv no", "inv #",
        "invoice", "invoice id", "invoice nr", "factuurnummer", "factuur nr", "factuurnr",
        "rechnungsnummer", "document number", "doc no",
    ),
    "client": (
        "client", "customer", "client name", "customer name", "klant", "klantnaam", "debtor",
        "debiteur", "company", "bill to", "kunde",
    ),
    "client_email": (
        "client email", "customer email", "email", "e-mail", "contact email", "billing email",
    ),
    "client_language": ("client language", "customer language", "language", "taal"),
    "client_country": ("client country", "customer country", "country", "land"),
    "client_timezone": ("client time zone", "client timezone", "time zone", "timezone"),
    "owner": ("owner", "account owner", "account manager", "sales rep", "salesperson"),
    "issue_date": (
        "issue date", "invoice date", "issued", "issued on", "date issued", "date",
        "factuurdatum", "document date",
    ),
    "due_date": ("due date", "due", "due on", "payment due", "vervaldatum"),
    "currency": ("currency", "currency code", "ccy", "cur", "valuta"),
    "amount": (
        "amount", "total", "invoice amount", "amount due", "total amount", "invoice total",
        "gross amount", "grand total", "bedrag", "totaal",
    ),
    "amount_paid": ("amount paid", "paid amount", "paid", "received", "amount received", "betaald"),
    "paid_date": (
        "paid date", "paid on", "payment date", "date paid", "settled date", "settled on",
        "settled", "betaaldatum", "betaald op",
    ),
    "terms": ("terms", "payment terms", "terms days", "net days", "betalingstermijn"),
    "payment_method": ("payment method", "method", "betaalmethode"),
    "reference": ("reference", "payment reference", "ref", "kenmerk", "betalingskenmerk"),
    "disputed": ("disputed", "dispute", "in dispute", "betwist"),
    "notes": ("notes", "note", "memo", "comments", "comment", "opmerkingen"),
    "document": ("document", "document url", "document path", "invoice pdf", "pdf", "attachment"),
    "status": ("status", "invoice status"),
}  # fmt: skip

# A spreadsheet row says an invoice is closed or unsent but not when or why; importing it as an
# open, sent invoice would reopen it (and remind its client), so such rows are refused.
_NOT_IMPORTABLE = {"void": "void", "written_off": "written off", "draft": "a draft"}

T = TypeVar("T")
# A file repeats a handful of codes, zones and owners on every row; check each text once.
# (A refusal raises and is not remembered, so every bad row is still reported.)
_language = functools.lru_cache(maxsize=1024)(clients.validate_language)
_country = functools.lru_cache(maxsize=1024)(clients.validate_country)
_timezone = functools.lru_cache(maxsize=1024)(clients.validate_timezone)
_currency_code = functools.lru_cache(maxsize=1024)(normalise_currency)
_owner_parts = functools.lru_cache(maxsize=1024)(users.parse_owner_text)
_SPACE_RUNS = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class InvoiceRowOptions:
    """Defaults for columns a file lacks, and how to read its dates and numbers."""

    default_currency: str
    default_owner: str
    default_terms_days: int
    default_language: str
    today: date
    date_format: str | None = None
    decimal_comma: bool = False
    # A "document" cell that is not an http(s) URL names a file relative to source_dir.
    source_dir: Path | None = None
    data_dir: Path | None = None  # where such files are stored (documents.attach)
    document_max_bytes: int = 1_000_000


@dataclass
class InvoiceRecord:
    """One valid invoice row, ready to apply."""

    line: int
    number: str
    client: str
    owner: str
    issue_date: date
    due_date: date | None
    terms_days: int | None
    currency: str
    amount_minor: int
    paid_minor: int
    paid_date: date | None
    client_email: str | None = None
    client_language: str | None = None
    client_country: str | None = None
    client_timezone: str | None = None
    payment_method: str | None = None
    reference: str | None = None
    disputed: bool = False
    notes: str | None = None
    document_url: str | None = None
    document_file: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)

    @functools.cached_property
    def client_key(self) -> str:
        return clients.name_key(self.client)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


class _RowReader:
    """Reads one row's cells by field, collecting a problem per bad cell instead of stopping."""

    def __init__(self, row: SourceRow, columns: ColumnMap) -> None:
        self.row = row
        self.columns = columns.columns
        self.problems: list[RowProblem] = []

    def raw(self, name: str) -> Cell:
        header = self.columns.get(name)
        return None if header is None else self.row.cells.get(header)

    def problem(self, name: str, reason: str) -> None:
        self.problems.append(RowProblem(self.row.line, self.columns.get(name, name), reason))

    def get(self, name: str, parse: Callable[[Cell], T]) -> T | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return parse(value)
        except CellError as exc:
            self.problem(name, exc.reason)
        except PaytrackError as exc:
            self.problem(name, exc.message)
        return None


def parse_invoice_rows(
    rows: Iterable[SourceRow],
    *,
    columns: ColumnMap,
    options: InvoiceRowOptions,
    repeated: Mapping[str, list[int]],
) -> tuple[list[InvoiceRecord], list[RowProblem]]:
    """Validate rows; returns the good records and a problem for each bad cell.

    ``repeated`` maps each invoice number the whole file holds more than once to its lines
    (``repeats.repeated_numbers``); every such row is a problem naming the other lines.
    """
    records: list[InvoiceRecord] = []
    problems: list[RowProblem] = []
    number_column = columns.columns.get("number", "number")
    for row in rows:
        reader = _RowReader(row, columns)
        record = _parse_row(reader, options)
        problems.extend(reader.problems)
        number = reader.raw("number")
        text = number_text(number) if number is not None else None
        lines = repeated.get(text) if text is not None else None
        if lines:
            others = ", ".join(str(other) for other in lines if other != row.line)
            reason = f"invoice number {text} appears more than once (also on line {others})"
            problems.append(RowProblem(row.line, number_column, reason))
        elif record is not None and not reader.problems:
            records.append(record)
    problems.sort(key=lambda p: p.line)
    return records, problems


def number_text(value: Cell) -> str:
    """The invoice number a cell holds, as repeats are compared."""
    try:
        return parse_text(value, max_length=10_000)
    except CellError:
        return str(value)


def _parse_row(reader: _RowReader, options: InvoiceRowOptions) -> InvoiceRecord | None:
    text64 = lambda v: parse_text(v, max_length=64)  # noqa: E731
    text200 = lambda v: parse_text(v, max_length=200)  # noqa: E731
    number = reader.get("number", text64)
    client = reader.get("client", lambda v: parse_text(v, max_length=300))
    if reader.raw("number") is None:
        reader.problem("number", "invoice number is missing")
    if reader.raw("client") is None:
        reader.problem("client", "client is missing")
    currency = _currency(reader, options)
    amount_minor = _amount(reader, "amount", currency, options)
    if reader.raw("amount") is None:
        reader.problem("amount", "amount is missing")
    elif amount_minor is not None and amount_minor <= 0:
        reader.problem("amount", f"amount must be positive, got {_show(amount_minor, currency)}")
        amount_minor = None
    _refuse_closed(reader)
    dates = _dates(reader, options)
    terms = reader.get("terms", parse_terms)
    disputed = reader.get("disputed", parse_bool) or False
    document = reader.get("document", lambda v: _document(v, options))
    owner = _owner(reader, options)
    email = reader.get("client_email", _email)
    language = reader.get("client_language", lambda v: _language(str(v)))
    country = reader.get("client_country", lambda v: _country(str(v)))
    zone = reader.get("client_timezone", lambda v: _timezone(str(v).strip()))
    issue_date, due_date, paid_date = dates
    if issue_date is None and due_date is not None and reader.raw("issue_date") is None:
        issue_date = due_date - timedelta(days=terms or options.default_terms_days)
    elif issue_date is None and reader.raw("issue_date") is None:
        reader.problem("issue_date", "issue date is missing (and no due date to count back from)")
    paid_minor = _paid(reader, currency, amount_minor, options)
    if issue_date is not None:
        _check_date_order(reader, issue_date, due_date, paid_date)
    if paid_minor and paid_date is None:
        # Without a date, the payment is taken as received on the day of the import.
        paid_date = options.today
        if issue_date is not None and paid_date < issue_date:
            reader.problem("amount_paid", "amount paid but no paid date, and not yet issued")
    if paid_date is not None and paid_minor is None and amount_minor is not None:
        paid_minor = amount_minor
    if reader.problems or None in (number, client, currency, amount_minor, issue_date, owner):
        return None
    assert number and client and currency and amount_minor and issue_date and owner
    return InvoiceRecord(
        line=reader.row.line,
        number=number,
        client=_SPACE_RUNS.sub(" ", client),
        owner=owner,
        issue_date=issue_date,
        due_date=due_date,
        terms_days=terms,
        currency=currency,
        amount_minor=amount_minor,
        paid_minor=paid_minor or 0,
        paid_date=paid_date if paid_minor else None,
        client_email=email,
        client_language=language,
        client_country=country,
        client_timezone=zone,
        payment_method=reader.get("payment_method", text64),
        reference=reader.get("reference", text200),
        disputed=disputed,
        notes=reader.get("notes", lambda v: parse_text(v, max_length=10_000, multiline=True)),
        document_url=document if isinstance(document, str) else None,
        document_file=document if isinstance(document, Path) else None,
        columns=reader.columns,
    )


def _document(value: Cell, options: InvoiceRowOptions) -> str | Path:
    """An http(s) URL as given, or a PDF/PNG/JPEG file beside the imported one, checked now."""
    text = parse_text(value, max_length=2000)
    if re.match(r"https?://\S+$", text):
        return text
    if options.source_dir is None:
        raise CellError("give an http(s) URL (files are accepted from the CLI import only)")
    base = options.source_dir.resolve()
    candidate = (base / text).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        raise CellError(f"no file {text!r} next to the imported file")
    if candidate.stat().st_size > options.document_max_bytes:
        raise CellError(f"{text!r} is larger than {options.document_max_bytes} bytes")
    try:
        documents.kind_of(candidate.read_bytes(), max_bytes=options.document_max_bytes)
    except InvalidDocument as exc:
        raise CellError(exc.message) from None
    return candidate


def _refuse_closed(reader: _RowReader) -> None:
    status = reader.raw("status")
    state = str(status).strip().lower().replace(" ", "_").replace("-", "_") if status else ""
    if state in _NOT_IMPORTABLE:
        reader.problem(
            "status",
            f"the invoice is {_NOT_IMPORTABLE[state]}; a spreadsheet cannot carry its dates and "
            "reasons, so move whole ledgers with `paytrack export ledger` and "
            "`paytrack import ledger`",
        )


def _show(amount_minor: int, currency: str | None) -> str:
    return format_plain(amount_minor, currency) if currency else str(amount_minor)


def _currency(reader: _RowReader, options: InvoiceRowOptions) -> str | None:
    if reader.raw("currency") is None:
        try:
            return _currency_code(options.default_currency)
        except PaytrackError as exc:
            reader.problem("currency", exc.message)
            return None
    return reader.get("currency", lambda v: _currency_code(str(v)))


def _amount(
    reader: _RowReader, name: str, currency: str | None, options: InvoiceRowOptions
) -> int | None:
    parsed = reader.get(name, lambda v: parse_amount(v, decimal_comma=options.decimal_comma))
    if parsed is None or currency is None:
        return None
    amount, allowed = parsed
    if allowed and currency not in allowed:
        reader.problem(
            name, f"the amount is marked {'/'.join(sorted(allowed))} but the currency is {currency}"
        )
        return None
    if amount < 0:
        reader.problem(name, f"negative amount {reader.raw(name)!s} is not allowed")
        return None
    try:
        return to_minor(amount, currency, field=name)
    except PaytrackError as exc:
        reader.problem(name, exc.message)
        return None


def _paid(
    reader: _RowReader, currency: str | None, amount_minor: int | None, options: InvoiceRowOptions
) -> int | None:
    paid_flag = _paid_flag(reader.raw("amount_paid"))
    if paid_flag is not None:
        # A "Paid" column of yes/no: yes means paid in full, no means nothing paid yet.
        return amount_minor if paid_flag else 0
    paid = _amount(reader, "amount_paid", currency, options)
    if paid is not None and amount_minor is not None and paid > amount_minor:
        reader.problem(
            "amount_paid",
            f"amount paid {_show(paid, currency)} is more than the amount "
            f"{_show(amount_minor, currency)}",
        )
        return None
    return paid


def _paid_flag(value: Cell | None) -> bool | None:
    """True/False for a yes/no word in the paid column; None for amounts (and 1/0)."""
    if value is None or isinstance(value, int | float):
        return None
    text = str(value).strip()
    if not text or text[0].isdigit():
        return None
    try:
        return parse_bool(text)
    except CellError:
        return None


def _dates(
    reader: _RowReader, options: InvoiceRowOptions
) -> tuple[date | None, date | None, date | None]:
    parse = lambda v: parse_date(v, date_format=options.date_format)  # noqa: E731
    return (
        reader.get("issue_date", parse),
        reader.get("due_date", parse),
        reader.get("paid_date", parse),
    )


def _check_date_order(
    reader: _RowReader, issue_date: date, due_date: date | None, paid_date: date | None
) -> None:
    if due_date is not None and due_date < issue_date:
        reader.problem("due_date", f"due date {due_date} is before the issue date {issue_date}")
    if paid_date is not None and paid_date < issue_date:
        reader.problem("paid_date", f"paid date {paid_date} is before the issue date {issue_date}")


def _owner(reader: _RowReader, options: InvoiceRowOptions) -> str | None:
    text = reader.get("owner", lambda v: parse_text(v, max_length=400)) or options.default_owner
    try:
        _owner_parts(text)
    except InvalidInput as exc:
        reader.problem("owner", exc.message)
        return None
    return text


def _email(value: Cell) -> str:
    text = str(value).strip().lower()
    if not _EMAIL.match(text):
        raise CellError(f"{value!r} is not an e-mail address")
    return text
