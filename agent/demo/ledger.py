"""Demo ledgers: two years of realistic, deterministic receivables history, streamed in batches.

Clients pay in recognisable ways (prompt, average, late, partial, disputing and deteriorating
payers) so that reports, the risk model and the review queue have something true to show. Every
value derives from ``seed`` and ``end_date``: the same arguments always write the same rows.

Invoices, payments and history go in with Core ``insert`` (one transaction per batch) rather
than through the per-row services, which would take hours at a million invoices. The rows mirror
what those services write (columns, event kinds and event data), and the tests walk a generated
ledger with the services' own read functions to hold the two together.
"""

from __future__ import annotations

import bisect
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, func, insert, text
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlmodel import Session, SQLModel, col, select

from agent.actor import Actor
from agent.bulk import BulkInsert
from agent.db import session_scope
from agent.errors import InvalidInput, LedgerNotEmpty
from agent.models import (
    Client,
    ClientCreate,
    EventKind,
    Invoice,
    InvoiceEvent,
    Lifecycle,
    Payment,
    User,
    UserRole,
)
from agent.money import minor_digits, normalise_currency
from agent.services.access import users as users_service
from agent.services.ledger import clients as clients_service

DEMO_ACTOR = Actor.system("demo")
DEMO_EMAIL_DOMAIN = "demo.paytrack.example"
DEMO_NUMBER_PREFIX = "DEMO-"
DEMO_NOTE_PREFIX = "Demo client"
HISTORY_DAYS = 730

BEHAVIOURS = ("prompt", "average", "late", "partial", "disputer", "deteriorating")
_BEHAVIOUR_WEIGHTS = (30, 25, 15, 10, 10, 10)
_BEHAVIOUR_NOTES = {
    "prompt": "pays on or before the due date",
    "average": "usually pays around the due date",
    "late": "habitually pays 5 to 40 days late",
    "partial": "pays in two or three instalments",
    "disputer": "often disputes invoices and pays slowly",
    "deteriorating": "paid on time at first, later and later since",
}


@dataclass(frozen=True)
class GeneratedLedger:
    """What ``generate_ledger`` wrote; ``profiles`` maps each client name to its behaviour."""

    clients: int
    owners: int
    invoices: int
    payments: int
    events: int
    profiles: dict[str, str]


class LedgerContents(StrEnum):
    EMPTY = "empty"
    DEMO = "demo"
    OTHER = "other"


@dataclass(frozen=True)
class _Region:
    """Where a client sits: language, currency and the words its company name is made of."""

    country: str
    language: str
    currency: str
    weight: int
    timezones: tuple[str, ...]
    suffixes: tuple[str, ...]
    stems: tuple[str, ...]
    sectors: tuple[str, ...]
    cities: tuple[str, ...]


def _region(country: str, language: str, currency: str, weight: int, *words: str) -> _Region:
    """A region from five comma-separated word lists: zones, suffixes, stems, sectors, cities."""
    zones, suffixes, stems, sectors, cities = (tuple(w.split(", ")) for w in words)
    return _Region(country, language, currency, weight, zones, suffixes, stems, sectors, cities)


_EN_SECTORS = (
    "Engineering, Consulting, Logistics, Software, Builders, Foods, Print, Analytics, Media"
)
_NL_SECTORS = (
    "Bouw, Logistiek, Installatietechniek, Advies, Techniek, Transport, Groothandel, Metaal"
)

# fmt: off
_REGIONS = (
    _region(
        "NL", "nl", "EUR", 25, "Europe/Amsterdam", "B.V.",
        "Van Dijk, De Vries, Bakker, Visser, Smit, Meijer, De Boer, Mulder, Bos, Vos, Hendriks, "
        "Dekker, Brouwer, Koster, Groen, Hoekstra",
        _NL_SECTORS, "Utrecht, Zwolle, Breda, Delft, Leiden, Arnhem, Haarlem, Tilburg",
    ),
    _region(
        "BE", "nl", "EUR", 8, "Europe/Brussels", "BV, NV",
        "Peeters, Janssens, Maes, Claes, Wouters, Goossens, Willems, Mertens",
        _NL_SECTORS, "Gent, Antwerpen, Leuven, Brugge, Hasselt, Mechelen",
    ),
    _region(
        "DE", "en", "EUR", 12, "Europe/Berlin", "GmbH",
        "Becker, Schmidt, Hoffmann, Krüger, Wagner, Neumann, Schulz, Richter, Wolf, Braun, Vogel",
        "Maschinenbau, Logistik, Elektrotechnik, Bau, Software, Handel, Beratung",
        "Köln, Bremen, Leipzig, Hannover, Dortmund, Mainz",
    ),
    _region(
        "IE", "en", "EUR", 8, "Europe/Dublin", "Ltd, DAC",
        "Liffey, Shannon, Connolly, Brennan, Kinsale, Burren, Doyle, Kerry",
        _EN_SECTORS, "Cork, Galway, Limerick, Sligo, Waterford",
    ),
    _region(
        "BG", "bg", "EUR", 10, "Europe/Sofia", "EOOD, OOD, AD",
        "Balkan, Rila, Pirin, Vitosha, Struma, Dunav, Maritsa, Rodopi, Iskar, Yantra, Arda, Emona",
        "Trade, Stroy, Soft, Logistics, Invest, Tech, Agro, Energy",
        "Plovdiv, Varna, Burgas, Ruse, Pleven",
    ),
    _region(
        "SE", "sv", "SEK", 13, "Europe/Stockholm", "AB",
        "Nordvik, Lindqvist, Berg, Sjöberg, Ek, Holm, Lund, Strand, Björk, Fors, Dahl, Ström, "
        "Wallin, Falk",
        "Bygg, Logistik, Konsult, Teknik, Transport, Data, El, Fastigheter, Media, Maskin",
        "Malmö, Uppsala, Umeå, Luleå, Örebro, Västerås",
    ),
    _region(
        "GB", "en", "GBP", 12, "Europe/London", "Ltd, plc, LLP",
        "Thames, Pennine, Cotswold, Harrow, Kingsley, Ashford, Whitfield, Brampton, Mersey, "
        "Severn, Hadley, Marlow",
        _EN_SECTORS, "Leeds, Bristol, York, Derby, Norwich, Bath, Exeter",
    ),
    _region(
        "US", "en", "USD", 12, "America/New_York, America/Chicago, America/Los_Angeles",
        "Inc., LLC, Corp.",
        "Harbor, Summit, Redwood, Lakeside, Granite, Prairie, Bluewater, Ironwood, Cascade, "
        "Pioneer, Evergreen, Keystone, Beacon, Frontier",
        _EN_SECTORS, "Austin, Denver, Boston, Portland, Raleigh, Omaha, Tucson",
    ),
)
# fmt: on

# Roughly how many units of each currency buy what one euro buys, so amounts look local.
_CURRENCY_FACTOR = {"EUR": 1.0, "USD": 1.1, "GBP": 0.85, "SEK": 11.0}

_OWNERS = (
    ("Maria Lindqvist", UserRole.ADMIN),
    ("Pieter Bakker", UserRole.OWNER),
    ("Elena Petrova", UserRole.OWNER),
    ("James Whitfield", UserRole.OWNER),
    ("Sofia Jansen", UserRole.OWNER),
    ("Daniel Ek", UserRole.OWNER),
)

_EXTENSION_REASONS = (
    "client asked for more time",
    "waiting for the client's budget approval",
    "goods delivered late",
    "agreed at the quarterly review",
)
_DISPUTES = (
    ("hours billed do not match the timesheet", "timesheets shared; client accepted the hours"),
    ("delivery incomplete", "missing items delivered"),
    ("price differs from the quote", "quote confirmed; client accepted the price"),
    ("invoice sent to the wrong entity", "re-sent to the right entity"),
    ("service level not met", "service review held; client accepted the invoice"),
)
# ``Enum.value`` is a property lookup; these run once per invoice and per event.
_SENT = Lifecycle.SENT.value
_KIND_TEXT = {kind: kind.value for kind in EventKind}

_WRITE_OFF_REASONS = ("uncollectable after repeated reminders", "client insolvent")
_VOID_REASONS = ("issued twice by mistake", "wrong client", "order cancelled before delivery")


@dataclass(frozen=True)
class _DemoClient:
    id: int
    name: str
    behaviour: str
    currency: str
    terms_days: int
    owner_id: int
    typical_units: float
    max_units: float
    payment_method: str


@dataclass
class _Action:
    """One planned happening on an invoice; it becomes rows only if it falls by ``end_date``."""

    day: date
    kind: EventKind
    amount_minor: int = 0
    text: str = ""
    other_day: date | None = None


@dataclass
class _InvoicePlan:
    """One invoice's rows, ready for ``insert``: the invoice, its payments, its history."""

    row: dict[str, Any]
    first_payment_id: int
    payments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def default_client_count(invoices: int) -> int:
    """About one client per 40 invoices, at least 8 and at most 20,000."""
    return max(8, min(20_000, round(invoices / 40)))


def generate_ledger(
    engine: Engine,
    *,
    invoices: int,
    seed: int = 7,
    end_date: date,
    clients: int | None = None,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> GeneratedLedger:
    """Write a demo ledger of ``invoices`` invoices issued over the two years up to ``end_date``.

    The database must hold no users, clients or invoices. Owners and clients are created first
    in one transaction; invoices then follow in issue-date order, ``batch_size`` per
    transaction, so memory stays flat. ``progress`` is called after each batch with the number
    of invoices written so far. The rows depend only on the arguments, not on ``batch_size``:
    clients, invoices and payments get explicit ids counted from 1.
    """
    if invoices < 0:
        raise InvalidInput("the number of invoices cannot be negative", field="invoices")
    if batch_size < 1:
        raise InvalidInput("the batch size must be at least 1", field="batch_size")
    client_count = default_client_count(invoices) if clients is None else clients
    if client_count < 1:
        raise InvalidInput("a demo ledger needs at least one client", field="clients")
    rng = random.Random(seed)
    start_date = end_date - timedelta(days=HISTORY_DAYS)
    with session_scope(engine) as session:
        _require_empty(session)
        owner_ids = _create_owners(session, rng=rng, start_date=start_date)
        demo_clients = _create_clients(
            session.connection(),
            rng=rng,
            count=client_count,
            owner_ids=owner_ids,
            start_date=start_date,
        )
    cumulative = _cumulative_weights(rng, len(demo_clients))
    days = _business_days(start_date, end_date)
    payments = events = 0
    batch: list[_InvoicePlan] = []
    writer = _Writer(engine.dialect)
    for index in range(invoices):
        issue_date = days[index * len(days) // invoices]
        client = demo_clients[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
        plan = _plan_invoice(
            rng,
            client=client,
            owner_ids=owner_ids,
            sequence=index + 1,
            first_payment_id=payments + 1,
            issue_date=issue_date,
            start_date=start_date,
            end_date=end_date,
        )
        batch.append(plan)
        payments += len(plan.payments)
        events += len(plan.events)
        if len(batch) == batch_size or index == invoices - 1:
            with engine.begin() as connection:
                writer.write(connection, batch)
            batch = []
            if progress is not None:
                progress(index + 1)
    # Bulk-loaded tables have no planner statistics yet; without them PostgreSQL picks nested
    # loops over the payment aggregates and list queries take minutes.
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return GeneratedLedger(
        clients=len(demo_clients),
        owners=len(owner_ids),
        invoices=invoices,
        payments=payments,
        events=events,
        profiles={c.name: c.behaviour for c in demo_clients},
    )


def ledger_contents(session: Session) -> LedgerContents:
    """Whether the database is empty, holds only a demo ledger, or holds anything else."""
    people = session.exec(select(func.count()).select_from(User)).one()
    customers = session.exec(select(func.count()).select_from(Client)).one()
    bills = session.exec(select(func.count()).select_from(Invoice)).one()
    if people == customers == bills == 0:
        return LedgerContents.EMPTY
    foreign_people = select(User.id).where(~col(User.email).endswith(f"@{DEMO_EMAIL_DOMAIN}"))
    foreign_customers = select(Client.id).where(
        func.coalesce(Client.notes, "").not_like(f"{DEMO_NOTE_PREFIX}%")
    )
    foreign_bills = select(Invoice.id).where(~col(Invoice.number).startswith(DEMO_NUMBER_PREFIX))
    for query in (foreign_people, foreign_customers, foreign_bills):
        if session.exec(query.limit(1)).first() is not None:
            return LedgerContents.OTHER
    return LedgerContents.DEMO


def clear_demo_ledger(session: Session) -> bool:
    """Delete a previous demo ledger and all rows hanging off it; True when there was one.

    Refuses (``LedgerNotEmpty``) when the database holds users, clients or invoices that the
    demo did not create, so that real data is never deleted.
    """
    contents = ledger_contents(session)
    if contents == LedgerContents.OTHER:
        raise LedgerNotEmpty(
            "the database holds clients, users or invoices the demo did not create; it was "
            "left untouched (use another database for the demo)",
            field="database",
        )
    if contents == LedgerContents.EMPTY:
        return False
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.exec(table.delete())
    session.flush()
    return True


def _require_empty(session: Session) -> None:
    if ledger_contents(session) != LedgerContents.EMPTY:
        raise LedgerNotEmpty(
            "a demo ledger can only be generated into a database without users, clients "
            "or invoices",
            field="database",
        )


@functools.lru_cache(maxsize=16_384)
def _at(day: date, minute: int = 0) -> datetime:
    """09:00 UTC on ``day`` plus ``minute``: a timestamp that derives from the date alone."""
    return datetime.combine(day, time(9, 0), tzinfo=UTC) + timedelta(minutes=minute)


def _create_owners(session: Session, *, rng: random.Random, start_date: date) -> list[int]:
    """4–6 people who own invoices; the first is the admin."""
    ids: list[int] = []
    for name, role in _OWNERS[: rng.randint(4, 6)]:
        email = f"{name.lower().replace(' ', '.')}@{DEMO_EMAIL_DOMAIN}"
        user = users_service.create(session, name=name, email=email, role=role)
        user.created_at = _at(start_date)
        ids.append(user.id)
    session.flush()
    return ids


def _client_name(rng: random.Random, region: _Region, taken: set[str]) -> str:
    suffix = rng.choice(region.suffixes)
    for attempt in range(30):
        stem, sector = rng.choice(region.stems), rng.choice(region.sectors)
        if attempt >= 10:
            stem = f"{stem} & {rng.choice(region.stems)}"
        if attempt >= 20:
            sector = f"{sector} {rng.choice(region.cities)}"
        name = f"{stem} {sector} {suffix}"
        if clients_service.name_key(name) not in taken:
            return name
    return f"{name} {len(taken) + 1}"


def _create_clients(
    connection: Connection,
    *,
    rng: random.Random,
    count: int,
    owner_ids: list[int],
    start_date: date,
) -> list[_DemoClient]:
    """Clients as ``clients.create`` would store them, inserted in bulk (20,000 at 1M invoices).

    The first six cover every behaviour, so even the smallest ledger shows them all.
    """
    region_weights = [r.weight for r in _REGIONS]
    # The admin follows up fewer clients than the account managers do.
    owner_weights = [1] + [3] * (len(owner_ids) - 1)
    taken: set[str] = set()
    made: list[_DemoClient] = []
    rows: list[dict[str, Any]] = []
    for index in range(count):
        if index < len(BEHAVIOURS):
            behaviour = BEHAVIOURS[index]
        else:
            behaviour = rng.choices(BEHAVIOURS, weights=_BEHAVIOUR_WEIGHTS)[0]
        region = rng.choices(_REGIONS, weights=region_weights)[0]
        name = _client_name(rng, region, taken)
        key = clients_service.name_key(name)
        taken.add(key)
        mailbox = rng.choice(("accounts", "ap", "invoices", "finance"))
        slug = "".join(ch for ch in key if ch.isascii() and ch.isalnum())[:40]
        data = ClientCreate(
            name=name,
            contact_emails=[f"{mailbox}@{slug}.example"],
            language=clients_service.validate_language(region.language),
            country=region.country,
            timezone=clients_service.validate_timezone(rng.choice(region.timezones)),
            currency=normalise_currency(region.currency),
            default_terms_days=rng.choice((14, 30, 30, 30, 45, 60)),
            notes=f"{DEMO_NOTE_PREFIX}: {_BEHAVIOUR_NOTES[behaviour]}.",
        )
        rows.append(
            data.model_dump()
            | {
                "id": index + 1,
                "name_key": key,
                "reminders_paused": False,
                "created_at": _at(start_date),
            }
        )
        big = rng.random() < 0.06
        made.append(
            _DemoClient(
                id=index + 1,
                name=name,
                behaviour=behaviour,
                currency=data.currency,
                terms_days=data.default_terms_days,
                owner_id=rng.choices(owner_ids, weights=owner_weights)[0],
                typical_units=min(15_000.0, max(300.0, rng.lognormvariate(7.8, 0.7)))
                * (4 if big else 1),
                max_units=100_000.0 if big else 25_000.0,
                payment_method=rng.choice(("bank_transfer",) * 4 + ("direct_debit", "card")),
            )
        )
    for chunk in range(0, len(rows), 5_000):
        connection.execute(insert(_table(Client)), rows[chunk : chunk + 5_000])
    advance_id_sequences(connection, Client)
    return made


def _cumulative_weights(rng: random.Random, count: int) -> list[float]:
    """How often each client is invoiced: a few big accounts, a long tail of small ones."""
    total = 0.0
    cumulative: list[float] = []
    for _ in range(count):
        total += min(6.0, max(0.3, rng.lognormvariate(0.0, 0.8)))
        cumulative.append(total)
    return cumulative


def _business_days(start_date: date, end_date: date) -> list[date]:
    days = (start_date + timedelta(days=n) for n in range((end_date - start_date).days + 1))
    return [d for d in days if d.weekday() < 5] or [end_date]


def _amount_minor(rng: random.Random, client: _DemoClient) -> int:
    units = min(client.max_units, max(200.0, client.typical_units * rng.lognormvariate(0, 0.35)))
    units *= _CURRENCY_FACTOR.get(client.currency, 1.0)
    scale = 10 ** _digits(client.currency)
    if rng.random() < 0.7:
        return max(1, round(units / 5) * 5 * scale)
    return max(1, round(units * scale))


def _settle_delay(rng: random.Random, behaviour: str, terms: int, progress: float) -> int:
    """Days after the due date on which the invoice ends up fully paid (negative: early)."""
    if behaviour == "prompt":
        return 0 if rng.random() < 0.3 else -rng.randint(0, min(10, terms))
    if behaviour == "late":
        return round(rng.triangular(5, 40, 14))
    if behaviour == "deteriorating":
        return round(-3 + 55 * progress**1.5 + rng.uniform(-4, 6))
    if behaviour == "disputer":
        return round(rng.triangular(3, 50, 15))
    if behaviour == "partial":
        return round(rng.triangular(-5, 15, 3))
    return round(rng.triangular(-7, 20, 0))


def _split(rng: random.Random, amount_minor: int, parts: int) -> list[int]:
    """``parts`` positive amounts summing to ``amount_minor`` (fewer if the amount is tiny)."""
    parts = min(parts, amount_minor)
    shares: list[int] = []
    left = amount_minor
    for remaining in range(parts, 1, -1):
        share = max(1, min(left - (remaining - 1), round(left * rng.uniform(0.3, 0.6))))
        shares.append(share)
        left -= share
    return [*shares, left]


def _plan_invoice(
    rng: random.Random,
    *,
    client: _DemoClient,
    owner_ids: list[int],
    sequence: int,
    first_payment_id: int,
    issue_date: date,
    start_date: date,
    end_date: date,
) -> _InvoicePlan:
    owner_id = client.owner_id if rng.random() < 0.95 else rng.choice(owner_ids)
    row: dict[str, Any] = {
        "id": sequence,
        "number": f"{DEMO_NUMBER_PREFIX}{issue_date.year}-{sequence:07d}",
        "client_id": client.id,
        "owner_id": owner_id,
        "issue_date": issue_date,
        "due_date": issue_date + timedelta(days=client.terms_days),
        "original_due_date": issue_date + timedelta(days=client.terms_days),
        "currency": client.currency,
        "amount_minor": _amount_minor(rng, client),
        "terms_days": client.terms_days,
        "payment_method": client.payment_method,
        "reference": f"PO-{rng.randint(10_000, 99_999)}" if rng.random() < 0.4 else None,
        "document_url": None,
        "document_path": None,
        "notes": None,
        "lifecycle": _SENT,
        "sent_date": issue_date,
        "closed_date": None,
        "dispute_opened_date": None,
        "dispute_reason": None,
        "promised_date": None,
        "reminders_paused": False,
        "paid_minor": 0,
        "last_payment_date": None,
    }
    progress = (issue_date - start_date).days / HISTORY_DAYS
    if (end_date - issue_date).days <= 3 and rng.random() < 0.1:
        row["lifecycle"], row["sent_date"] = Lifecycle.DRAFT.value, None
        actions: list[_Action] = []
    elif rng.random() < 0.007:
        actions = [
            _Action(
                issue_date + timedelta(days=rng.randint(0, 10)),
                EventKind.VOIDED,
                text=rng.choice(_VOID_REASONS),
            )
        ]
    else:
        actions = _plan_actions(rng, row=row, behaviour=client.behaviour, progress=progress)
    return _realise(_InvoicePlan(row, first_payment_id), actions, end_date=end_date)


def _write_off_chance(behaviour: str, progress: float) -> float:
    return {
        "late": 0.02,
        "disputer": 0.03,
        "deteriorating": 0.06 * progress**2,
        "partial": 0.01,
        "average": 0.003,
    }.get(behaviour, 0.0)


def _plan_actions(
    rng: random.Random, *, row: dict[str, Any], behaviour: str, progress: float
) -> list[_Action]:
    """The invoice's whole future, in order; ``_realise`` keeps what happened by the end date."""
    issue, due, amount = row["issue_date"], row["due_date"], row["amount_minor"]
    terms = row["terms_days"]
    if rng.random() < _write_off_chance(behaviour, progress):
        actions: list[_Action] = []
        if rng.random() < 0.4 and amount > 1:
            part = max(1, amount * rng.randint(20, 60) // 100)
            actions.append(
                _Action(due + timedelta(days=rng.randint(5, 40)), EventKind.PAYMENT_RECORDED, part)
            )
        closed = due + timedelta(days=rng.randint(120, 270))
        return [
            *actions,
            _Action(closed, EventKind.WRITTEN_OFF, text=rng.choice(_WRITE_OFF_REASONS)),
        ]
    actions = []
    delay = _settle_delay(rng, behaviour, terms, progress)
    not_before = issue
    extension_chance = {"late": 0.08, "partial": 0.1, "deteriorating": 0.08 * progress}
    if rng.random() < extension_chance.get(behaviour, 0.02):
        asked = max(issue, due - timedelta(days=rng.randint(0, 6)))
        new_due = due + timedelta(days=rng.choice((7, 14, 14, 30)))
        actions.append(
            _Action(
                asked,
                EventKind.DUE_DATE_EXTENDED,
                text=rng.choice(_EXTENSION_REASONS),
                other_day=new_due,
            )
        )
        if behaviour in ("prompt", "average"):
            delay = (new_due - due).days + rng.randint(-5, 0 if behaviour == "prompt" else 3)
        not_before = asked + timedelta(days=1)
    if rng.random() < (0.35 if behaviour == "disputer" else 0.02):
        opened = max(not_before, issue + timedelta(days=rng.randint(3, terms + 10)))
        resolved = opened + timedelta(days=rng.randint(7, 45))
        reason, resolution = rng.choice(_DISPUTES)
        actions.append(_Action(opened, EventKind.DISPUTE_OPENED, text=reason))
        actions.append(
            _Action(resolved, EventKind.DISPUTE_RESOLVED, text=resolution, other_day=opened)
        )
        not_before = resolved + timedelta(days=rng.randint(2, 15))
    settled = max(not_before, due + timedelta(days=delay))
    if delay > 7 and behaviour in ("late", "deteriorating", "partial") and rng.random() < 0.25:
        asked = max(not_before, due + timedelta(days=rng.randint(1, delay - 1)))
        if asked < settled:
            promised = max(issue, settled + timedelta(days=rng.randint(-3, 2)))
            actions.append(
                _Action(
                    asked, EventKind.PROMISE_RECORDED, text="promised by phone", other_day=promised
                )
            )
    instalments = rng.choice((2, 2, 3)) if behaviour == "partial" else 1
    if instalments == 1 and behaviour in ("average", "late") and rng.random() < 0.06:
        instalments = 2
    shares = _split(rng, amount, instalments)
    day = settled
    for share in shares:
        actions.append(_Action(day, EventKind.PAYMENT_RECORDED, share))
        day += timedelta(days=rng.randint(10, 35))
    actions.sort(key=lambda action: action.day)
    return actions


def _realise(plan: _InvoicePlan, actions: list[_Action], *, end_date: date) -> _InvoicePlan:
    """Fold the actions dated by ``end_date`` into the row, its payments and its history."""
    row = plan.row
    currency, number = row["currency"], row["number"]
    _event(
        plan,
        row["issue_date"],
        EventKind.CREATED,
        {
            "number": number,
            "amount": _plain(row["amount_minor"], currency),
            "due_date": row["due_date"].isoformat(),
        },
    )
    balance = row["amount_minor"]
    for action in actions:
        if action.day > end_date:
            break
        day = action.day.isoformat()
        if action.kind == EventKind.PAYMENT_RECORDED:
            balance -= action.amount_minor
            _pay(plan, action, balance=balance)
        elif action.kind == EventKind.DUE_DATE_EXTENDED:
            assert action.other_day is not None
            _event(
                plan,
                action.day,
                action.kind,
                {
                    "from": row["due_date"].isoformat(),
                    "to": action.other_day.isoformat(),
                    "original_due_date": row["original_due_date"].isoformat(),
                    "reason": action.text,
                },
            )
            row["due_date"] = action.other_day
        elif action.kind == EventKind.DISPUTE_OPENED:
            row["dispute_opened_date"], row["dispute_reason"] = action.day, action.text
            _event(plan, action.day, action.kind, {"opened_date": day, "reason": action.text})
        elif action.kind == EventKind.DISPUTE_RESOLVED:
            assert action.other_day is not None
            row["dispute_opened_date"] = row["dispute_reason"] = None
            _event(
                plan,
                action.day,
                action.kind,
                {
                    "opened_date": action.other_day.isoformat(),
                    "resolved_date": day,
                    "resolution": action.text,
                },
            )
        elif action.kind == EventKind.PROMISE_RECORDED:
            assert action.other_day is not None
            row["promised_date"] = action.other_day
            _event(
                plan,
                action.day,
                action.kind,
                {"promised_date": action.other_day.isoformat(), "note": action.text},
            )
        elif action.kind == EventKind.WRITTEN_OFF:
            row["lifecycle"], row["closed_date"] = Lifecycle.WRITTEN_OFF.value, action.day
            _event(
                plan,
                action.day,
                action.kind,
                {
                    "closed_date": day,
                    "reason": action.text,
                    "written_off": _plain(balance, currency),
                },
            )
        elif action.kind == EventKind.VOIDED:
            row["lifecycle"], row["closed_date"] = Lifecycle.VOID.value, action.day
            _event(plan, action.day, action.kind, {"closed_date": day, "reason": action.text})
    # history.record bumps the version once per event, starting from 1.
    row["version"] = 1 + len(plan.events)
    row["created_at"] = plan.events[0]["occurred_at"]
    row["updated_at"] = plan.events[-1]["occurred_at"]
    return plan


def _event(plan: _InvoicePlan, day: date, kind: EventKind, data: dict[str, Any]) -> None:
    # Same-day events keep their order: a few minutes apart, in the order they happened.
    plan.events.append(
        {
            "invoice_id": plan.row["id"],
            "kind": _KIND_TEXT[kind],
            "occurred_at": _at(day, 7 * len(plan.events)),
            "actor": DEMO_ACTOR.label,
            "actor_user_id": None,
            "data": data,
        }
    )


def _pay(plan: _InvoicePlan, action: _Action, *, balance: int) -> None:
    """A payment row plus the payment_recorded (and, once settled, paid) events."""
    row = plan.row
    currency, number = row["currency"], row["number"]
    reference = row["reference"] or number
    payment_id = plan.first_payment_id + len(plan.payments)
    row["paid_minor"] += action.amount_minor
    row["last_payment_date"] = max(action.day, row["last_payment_date"] or action.day)
    plan.payments.append(
        {
            "id": payment_id,
            "invoice_id": row["id"],
            "amount_minor": action.amount_minor,
            "currency": currency,
            "payment_date": action.day,
            "method": row["payment_method"],
            "reference": reference,
            "external_id": f"demo-{number}-{len(plan.payments) + 1}",
            "recorded_by": DEMO_ACTOR.label,
            "created_at": _at(action.day, 7 * len(plan.events)),
        }
    )
    _event(
        plan,
        action.day,
        EventKind.PAYMENT_RECORDED,
        {
            "payment_id": payment_id,
            "amount": _plain(action.amount_minor, currency),
            "payment_date": action.day.isoformat(),
            "balance": _plain(balance, currency),
            "reference": reference,
        },
    )
    if balance == 0:
        _event(plan, action.day, EventKind.PAID, {"paid_date": action.day.isoformat()})


@functools.cache
def _digits(currency: str) -> int:
    return minor_digits(currency)


def _plain(amount_minor: int, currency: str) -> str:
    """Exactly ``money.format_plain``, minus its Decimal round-trip: called millions of times."""
    digits = _digits(currency)
    whole, part = divmod(abs(amount_minor), 10**digits)
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}{whole}.{part:0{digits}d} {currency}" if digits else f"{sign}{whole} {currency}"


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined]


class _Writer:
    """The three bulk inserts of a batch: invoices, their payments, their history."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.inserts: dict[str, BulkInsert] = {}

    def write(self, connection: Connection, batch: list[_InvoicePlan]) -> None:
        self._insert(connection, Invoice, [plan.row for plan in batch])
        self._insert(connection, Payment, [p for plan in batch for p in plan.payments])
        self._insert(connection, InvoiceEvent, [e for plan in batch for e in plan.events])
        advance_id_sequences(connection, Invoice, Payment)

    def _insert(
        self, connection: Connection, model: type[SQLModel], rows: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        table = _table(model)
        bulk = self.inserts.get(table.name)
        if bulk is None:  # the columns of the first row, which every row of the kind shares
            bulk = self.inserts[table.name] = BulkInsert(table, rows[0], dialect=self.dialect)
        bulk.execute(connection, rows)


def advance_id_sequences(connection: Connection, *models: type[SQLModel]) -> None:
    """Explicit ids leave PostgreSQL's id sequences behind; move them past the rows written."""
    if connection.dialect.name != "postgresql":
        return
    for model in models:
        name = _table(model).name
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
            )
        )


@dataclass(frozen=True)
class LedgerCounts:
    """How many rows of each kind the ledger holds."""

    clients: int
    owners: int
    invoices: int
    payments: int
    events: int


def count_rows(session: Session) -> LedgerCounts:
    """Row counts of the ledger tables (the money figures come from ``reports``)."""

    def count(table: type[SQLModel]) -> int:
        return int(session.exec(select(func.count()).select_from(table)).one())

    return LedgerCounts(
        clients=count(Client),
        owners=count(User),
        invoices=count(Invoice),
        payments=count(Payment),
        events=count(InvoiceEvent),
    )
