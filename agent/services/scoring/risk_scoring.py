"""Payment risk: fetch the history set-wise, train and register models, score and explain.

The model code in ``risk/`` is pure; this module does the queries (three set-based selects
for invoices, payments and the events that matter), hands frames over, and stores every
score with the model version that produced it. See ``docs/risk.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, col, or_, select

from agent.db import select_many
from agent.errors import InsufficientHistory, InvoiceNotFound, RiskModelUnavailable
from agent.models import Client, EventKind, Invoice, InvoiceEvent, Lifecycle, Payment
from agent.models.rescore_request import RescoreRequest
from agent.models.risk import RiskModelRecord, RiskScore
from agent.services.ledger import invoices as ledger_invoices
from agent.services.scoring import model_health, risk_scores
from agent.services.scoring.client_batches import (
    BATCH_INVOICES,
    ClientIds,
    ClientRange,
    Clients,
    ranges,
)
from agent.settings import Settings
from risk import artifacts, timing
from risk.evaluation import classification_metrics, interval_metrics
from risk.features import build_features
from risk.labels import labels, settled_rows
from risk.ledger import Ledger
from risk.model import RiskModel
from risk.prior import PRIOR_VERSION
from risk.scoring import score
from risk.training import TooLittleHistory, family_label, train_and_evaluate

_EVENT_KINDS = {
    EventKind.DISPUTE_OPENED.value: "dispute",
    EventKind.DUE_DATE_EXTENDED.value: "extension",
    EventKind.PROMISE_RECORDED.value: "promise",
    EventKind.IMPORTED.value: "dispute",
}


@dataclass(frozen=True)
class HistoryFrames:
    """The ledger for ``risk/`` plus what the service shows next to a score."""

    ledger: Ledger
    numbers: np.ndarray
    client_names: dict[int, str]


@dataclass(frozen=True)
class InvoiceRisk:
    """One open invoice's score, as stored and shown."""

    invoice_id: int
    number: str
    client_id: int
    client_name: str
    currency: str
    outstanding_minor: int
    due_date: date
    p_late: float
    band: str
    expected_payment_date: date
    interval_low_date: date
    interval_high_date: date
    reasons: list[str]
    model_version: str
    as_of: date
    follow_up: timing.FollowUpPlan

    @property
    def is_prior(self) -> bool:
        return self.model_version == PRIOR_VERSION

    @property
    def exposure_minor(self) -> int:
        return round(self.outstanding_minor * self.p_late)


@dataclass(frozen=True)
class AccountRisk:
    """A client's open invoices taken together: exposure is outstanding × P(late), per currency."""

    client_id: int
    client_name: str
    open_invoices: int
    p_late: float
    band: str
    outstanding_minor: dict[str, int]
    exposure_minor: dict[str, int]
    reasons: list[str] = field(default_factory=list)


STORE_BATCH = 2_000


def model_dir(settings: Settings) -> Path:
    return settings.risk_model_dir or settings.data_dir / "models"


def load_history(session: Session, *, clients: Clients | None = None) -> HistoryFrames:
    """Every non-draft invoice with its payments and dated events, in three queries.

    With ``clients`` only those clients': every feature of an invoice depends on its own
    client's history alone, so scoring need not load the whole ledger at once.
    """
    query = select_many(
        Invoice.id,
        Invoice.client_id,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.original_due_date,
        Invoice.currency,
        Invoice.amount_minor,
        Invoice.lifecycle,
        Invoice.closed_date,
        Invoice.number,
        Invoice.owner_id,
        Client.country,
    ).join(Client, col(Client.id) == Invoice.client_id)
    query = query.where(Invoice.lifecycle != Lifecycle.DRAFT)
    if clients is not None:
        query = query.where(clients.holds(col(Invoice.client_id)))
    invoice_rows = session.exec(query).all()
    invoices = pd.DataFrame.from_records(
        invoice_rows,
        columns=[
            "invoice_id",
            "client_id",
            "issue_date",
            "due_date",
            "original_due_date",
            "currency",
            "amount_minor",
            "lifecycle",
            "closed_date",
            "number",
            "owner_id",
            "country",
        ],
    )
    payment_query = select_many(
        Payment.invoice_id, Payment.payment_date, Payment.amount_minor
    ).where(ledger_invoices.payment_counts())
    names_query = select(Client.id, Client.name)
    if clients is not None:
        payment_query = payment_query.join(Invoice, col(Invoice.id) == Payment.invoice_id).where(
            clients.holds(col(Invoice.client_id))
        )
        names_query = names_query.where(clients.holds(col(Client.id)))
    payments = pd.DataFrame.from_records(
        session.exec(payment_query).all(), columns=["invoice_id", "payment_date", "amount_minor"]
    )
    events = _events(session, invoices, clients=clients)
    names = dict(session.exec(names_query).all())
    ledger = Ledger.from_frames(invoices, payments, events)
    return HistoryFrames(
        ledger=ledger, numbers=invoices["number"].to_numpy(dtype=object), client_names=names
    )


def _events(
    session: Session, invoices: pd.DataFrame, *, clients: Clients | None = None
) -> pd.DataFrame:
    """Disputes, extensions and promises with the day they became known.

    An import that marks a settled invoice disputed dates the dispute to the issue date, the
    same convention the importer uses for open disputes (the file does not say when).
    """
    imported_dispute = (InvoiceEvent.kind == EventKind.IMPORTED.value) & col(InvoiceEvent.data)[
        "disputed"
    ].as_boolean().is_(True)
    listed = [k for k in _EVENT_KINDS if k != EventKind.IMPORTED.value]
    query = select(
        InvoiceEvent.invoice_id, InvoiceEvent.kind, InvoiceEvent.occurred_at, InvoiceEvent.data
    ).where(or_(col(InvoiceEvent.kind).in_(listed), imported_dispute))
    if clients is not None:
        query = query.join(Invoice, col(Invoice.id) == InvoiceEvent.invoice_id).where(
            clients.holds(col(Invoice.client_id))
        )
    rows = session.exec(query).all()
    issue = dict(zip(invoices["invoice_id"], invoices["issue_date"], strict=True))
    records = []
    for invoice_id, kind, occurred_at, data in rows:
        if kind == EventKind.IMPORTED.value:
            day = issue.get(invoice_id)
        elif kind == EventKind.DISPUTE_OPENED.value and data.get("opened_date"):
            day = date.fromisoformat(data["opened_date"])
        else:
            day = occurred_at.date()
        records.append((invoice_id, _EVENT_KINDS[kind], day))
    return pd.DataFrame.from_records(records, columns=["invoice_id", "kind", "event_date"])


def _new_version(session: Session, trained_at: datetime) -> str:
    base = trained_at.strftime("%Y%m%dT%H%M%S")
    taken = set(
        session.exec(
            select(RiskModelRecord.version).where(col(RiskModelRecord.version).startswith(base))
        ).all()
    )
    version, n = base, 1
    while version in taken:
        n += 1
        version = f"{base}-{n}"
    return version


def train(session: Session, *, settings: Settings, now: datetime | None = None) -> RiskModelRecord:
    """Fit on the settled history, evaluate on its newest share, save and register the model."""
    trained_at = now or datetime.now(UTC)
    history = load_history(session)
    version = _new_version(session, trained_at)
    try:
        outcome = train_and_evaluate(
            history.ledger,
            version=version,
            grace_days=settings.late_grace_days,
            min_rows=settings.risk_min_history_rows,
            test_share=settings.risk_test_share,
            coverage=settings.risk_interval_coverage,
        )
    except TooLittleHistory as exc:
        raise InsufficientHistory(
            f"{exc}; until a model is trained, scores use the documented prior "
            "(the client's own history, else a base rate for the payment terms)",
            field="history",
        ) from None
    return register(session, model=outcome.model, settings=settings, trained_at=trained_at)


def register(
    session: Session, *, model: RiskModel, settings: Settings, trained_at: datetime
) -> RiskModelRecord:
    """Save a fitted model's artifact and register it as the newest (deployed) model."""
    model.metadata["trained_at"] = trained_at.isoformat()
    path = artifacts.save(model, model_dir(settings))
    record = RiskModelRecord(
        version=model.version,
        trained_at=trained_at,
        family=family_label(model.metadata),
        artifact_path=str(path),
        details=_jsonable(model.metadata),
    )
    session.add(record)
    session.flush()
    return record


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def load_model(record: RiskModelRecord) -> RiskModel:
    """The model behind ``record``, loaded once per version and artifact file."""
    path = Path(record.artifact_path)
    if not path.exists():
        raise RiskModelUnavailable(
            f"model {record.version}: artifact {path} is missing; run `paytrack risk train`",
            field="model",
        )
    return _cached_model(record.version, str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _cached_model(version: str, path: str, _mtime_ns: int) -> RiskModel:
    """Models are immutable once saved; the file's mtime guards against a replaced artifact."""
    return artifacts.load(Path(path))


def evaluate(session: Session, *, settings: Settings) -> dict[str, Any]:
    """The deployed model's test-split metrics, and how it does on invoices settled since."""
    record = model_health.deployed(session)
    if record is None:
        raise RiskModelUnavailable("no trained risk model; run `paytrack risk train`")
    model = load_model(record)
    details = record.details
    result: dict[str, Any] = {
        "version": record.version,
        "trained_at": record.trained_at.isoformat(),
        **details["metrics"],
        "family": details["metrics"].get("measured", {}).get("model", record.family),
        "deployed_family": record.family,
        "rows_total": details["rows_total"],
        "data_through": details["data_through"],
        "validation": details["evaluated_families"],
    }
    health = model_health.check(session, settings=settings, today=date.today())
    result["health"] = {
        "stale": health.stale,
        "reasons": health.reasons,
        "age_days": health.age_days,
        "settled_since_training": health.settled_since,
        "train_late_share": health.train_late_share,
        "live_late_share": health.live_late_share,
    }
    result["since_training"] = _since_training(load_history(session).ledger, model, settings)
    return result


def _since_training(ledger: Ledger, model: RiskModel, settings: Settings) -> dict[str, Any]:
    """Drift check: score at issue every invoice settled after the model's data cut-off."""
    cutoff = np.datetime64(model.metadata["data_through"], "D").astype(int)
    rows = settled_rows(ledger)
    rows = rows[ledger.invoices["settled_day"].to_numpy()[rows] > cutoff]
    found: dict[str, Any] = {"rows": len(rows), "since": model.metadata["data_through"]}
    if len(rows) == 0:
        return found
    grace = int(model.metadata.get("grace_days", settings.late_grace_days))
    issue = ledger.invoices["issue_day"].to_numpy()[rows]
    features = build_features(ledger, rows=rows, as_of_days=issue, grace_days=grace)
    target = labels(ledger, rows, grace_days=grace)
    predicted = model.predict_days_late(features)
    found.update(classification_metrics(target["late"].to_numpy(), model.predict_late(features)))
    found.update(
        interval_metrics(
            target["days_late"].to_numpy(),
            predicted["days_late"].to_numpy(),
            predicted["low"].to_numpy(),
            predicted["high"].to_numpy(),
        )
    )
    found["late_share"] = float(target["late"].mean())
    return found


def _deployed_model(session: Session) -> RiskModel | None:
    record = model_health.deployed(session)
    return load_model(record) if record is not None else None


def _day(value: date) -> int:
    return (value - date(1970, 1, 1)).days


def _as_date(day: int) -> date:
    return date.fromordinal(date(1970, 1, 1).toordinal() + int(day))


def open_rows(ledger: Ledger, *, as_of: date) -> np.ndarray:
    """Positions of invoices open on ``as_of``: issued, not settled, not closed by then."""
    inv = ledger.invoices
    day = _day(as_of)
    still_open = (
        (inv["issue_day"].to_numpy() <= day)
        & (inv["settled_day"].to_numpy() > day)
        & (inv["closed_day"].to_numpy() > day)
    )
    return np.flatnonzero(still_open)


def score_rows(
    session: Session,
    *,
    settings: Settings,
    history: HistoryFrames,
    rows: np.ndarray,
    as_of_days: np.ndarray,
    trigger: str,
    model: RiskModel | None,
    store: bool = True,
) -> list[InvoiceRisk]:
    """Score the given ledger positions, each judged on its own day, and store the scores."""
    ledger = history.ledger
    inv = ledger.invoices
    if len(rows) == 0:
        return []
    features = build_features(
        ledger, rows=rows, as_of_days=as_of_days, grace_days=settings.late_grace_days
    )
    due = inv["original_due_day"].to_numpy()[rows]
    scored = score(
        model,
        features,
        due_days=due,
        as_of_days=as_of_days,
        grace_days=settings.late_grace_days,
        medium=settings.risk_band_medium,
        high=settings.risk_band_high,
        current_due_days=inv["due_day"].to_numpy()[rows],
    )
    overdue_days = tuple(settings.reminder_overdue_days)
    paid = _paid_through(ledger, rows, as_of_days)
    results = []
    for i, row in enumerate(rows):
        s = scored.iloc[i]
        as_of = _as_date(as_of_days[i])
        expected = _as_date(s["expected_day"])
        due_date = _as_date(inv["due_day"].iat[row])
        results.append(
            InvoiceRisk(
                invoice_id=int(inv["invoice_id"].iat[row]),
                number=str(history.numbers[row]),
                client_id=int(inv["client_id"].iat[row]),
                client_name=history.client_names.get(int(inv["client_id"].iat[row]), "?"),
                currency=str(inv["currency"].iat[row]),
                outstanding_minor=int(inv["amount_minor"].iat[row] - paid[i]),
                due_date=due_date,
                p_late=float(s["p_late"]),
                band=str(s["band"]),
                expected_payment_date=expected,
                interval_low_date=_as_date(s["low_day"]),
                interval_high_date=_as_date(s["high_day"]),
                reasons=list(s["reasons"]),
                model_version=str(s["model_version"]),
                as_of=as_of,
                follow_up=timing.plan(
                    band=str(s["band"]),
                    due_date=due_date,
                    expected_payment_date=expected,
                    as_of=as_of,
                    overdue_days=overdue_days,
                ),
            )
        )
    if store:
        _store(session, results, trigger=trigger)
    return results


def _paid_through(ledger: Ledger, rows: np.ndarray, as_of_days: np.ndarray) -> np.ndarray:
    pay = ledger.payments
    position = pd.Series(np.arange(len(rows)), index=rows)
    where = position.reindex(pay["row"].to_numpy()).to_numpy()
    known = ~np.isnan(where)
    target = where[known].astype(np.int64)
    counted = pay["day"].to_numpy()[known] <= as_of_days[target]
    amounts = pay["amount_minor"].to_numpy()[known][counted]
    return np.bincount(target[counted], weights=amounts, minlength=len(rows)).astype(np.int64)


def _store(session: Session, results: list[InvoiceRisk], *, trigger: str) -> None:
    """Append the scores to the history and make them each invoice's current score."""
    if not results:
        return
    now = datetime.now(UTC)
    rows = [
        {
            "invoice_id": r.invoice_id,
            "model_version": r.model_version,
            "as_of_date": r.as_of,
            "p_late": r.p_late,
            "expected_payment_date": r.expected_payment_date,
            "interval_low_date": r.interval_low_date,
            "interval_high_date": r.interval_high_date,
            "band": r.band,
            "reasons": r.reasons,
            "trigger": trigger,
            "scored_at": now,
        }
        for r in results
    ]
    for start in range(0, len(rows), STORE_BATCH):
        batch = rows[start : start + STORE_BATCH]
        table = RiskScore.__table__  # type: ignore[attr-defined]
        ids = (
            session.connection()
            .execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), batch)
            .scalars()
        )
        risk_scores.make_current(
            session, [row | {"score_id": i} for row, i in zip(batch, ids, strict=True)]
        )


def worst_first(risk: InvoiceRisk) -> tuple[float, date, str]:
    """The order scores are listed in: highest P(late), then earliest due, then number."""
    return (-risk.p_late, risk.due_date, risk.number)


def score_open_batches(
    session: Session,
    *,
    settings: Settings,
    as_of: date,
    on_batch: Callable[[list[InvoiceRisk]], None],
    trigger: str = "scheduled",
    batch_invoices: int = BATCH_INVOICES,
) -> int:
    """Score and store every invoice open on ``as_of``, whole clients at a time; the count.

    Each batch's history is loaded, scored, stored and handed to ``on_batch``, then dropped,
    so memory is bounded by ``batch_invoices`` rather than by the ledger. Re-scores requested
    before the run are answered by it and leave the queue.
    """
    answered = risk_scores.last_request_id(session)
    model = _deployed_model(session)
    scored = 0
    for clients in ranges(session, batch_invoices=batch_invoices):
        history = load_history(session, clients=clients)
        rows = open_rows(history.ledger, as_of=as_of)
        results = score_rows(
            session,
            settings=settings,
            history=history,
            rows=rows,
            as_of_days=np.full(len(rows), _day(as_of), dtype=np.int64),
            trigger=trigger,
            model=model,
        )
        scored += len(results)
        on_batch(results)
    risk_scores.drop_requests(session, up_to=answered)
    return scored


def score_open(
    session: Session, *, settings: Settings, as_of: date, trigger: str = "scheduled"
) -> list[InvoiceRisk]:
    """Score every invoice open on ``as_of`` with the deployed model (or the prior), worst first.

    Holds every result: callers that only need some of them use ``score_open_batches``.
    """
    results: list[InvoiceRisk] = []
    score_open_batches(
        session, settings=settings, as_of=as_of, on_batch=results.extend, trigger=trigger
    )
    return sorted(results, key=worst_first)


def _row_of(history: HistoryFrames, invoice_id: int) -> int:
    found = np.flatnonzero(history.ledger.invoices["invoice_id"].to_numpy() == invoice_id)
    if len(found) == 0:
        raise InvoiceNotFound(f"no scorable invoice with id {invoice_id}", field="invoice")
    return int(found[0])


def score_invoice(
    session: Session,
    *,
    settings: Settings,
    invoice_id: int,
    as_of: date | None,
    trigger: str,
    store: bool = True,
) -> InvoiceRisk:
    """Score one invoice on ``as_of`` (its issue date when None: only what was known then)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice with id {invoice_id}", field="invoice")
    history = load_history(session, clients=ClientRange.one(invoice.client_id))
    row = _row_of(history, invoice_id)
    day = int(history.ledger.invoices["issue_day"].iat[row]) if as_of is None else _day(as_of)
    return score_rows(
        session,
        settings=settings,
        history=history,
        rows=np.array([row]),
        as_of_days=np.array([day]),
        trigger=trigger,
        model=_deployed_model(session),
        store=store,
    )[0]


def rescore_requested(
    session: Session, *, settings: Settings, request: RescoreRequest
) -> InvoiceRisk | None:
    """The new score a logged dispute, promise, extension or payment asks for (not stored).

    None when the invoice has been settled by then or cannot be scored any more.
    """
    return rescore_all_requested(session, settings=settings, requests=[request])[0]


def rescore_all_requested(
    session: Session, *, settings: Settings, requests: Sequence[RescoreRequest]
) -> list[InvoiceRisk | None]:
    """``rescore_requested`` for each request, in order, with one history load and one model
    pass for them all: their clients are loaded whole, so each scores as it would alone."""
    results: list[InvoiceRisk | None] = [None] * len(requests)
    clients: dict[int, int] = dict(
        session.exec(
            select(Invoice.id, Invoice.client_id).where(
                col(Invoice.id).in_({r.invoice_id for r in requests}),
                Invoice.lifecycle != Lifecycle.DRAFT,
            )
        ).all()
    )
    if not clients:
        return results
    history = load_history(session, clients=ClientIds(frozenset(clients.values())))
    settled_day = history.ledger.invoices["settled_day"]
    wanted = [
        (index, row, _day(r.as_of_date))
        for index, r in enumerate(requests)
        if r.invoice_id in clients
        and settled_day.iat[row := _row_of(history, r.invoice_id)] > _day(r.as_of_date)
    ]
    if not wanted:
        return results
    risks = score_rows(
        session,
        settings=settings,
        history=history,
        rows=np.array([row for _, row, _ in wanted]),
        as_of_days=np.array([day for _, _, day in wanted]),
        trigger="",
        model=_deployed_model(session),
        store=False,
    )
    for (index, _, _), risk in zip(wanted, risks, strict=True):
        results[index] = risk
    return results


def store_requested(session: Session, *, request: RescoreRequest, risk: InvoiceRisk) -> None:
    _store(session, [risk], trigger=f"event:{request.kind}")


def accounts(session: Session, *, settings: Settings, as_of: date) -> list[AccountRisk]:
    """Clients with open invoices by exposure, with the reasons of their riskiest invoice."""
    scored = score_open(session, settings=settings, as_of=as_of, trigger="accounts")
    by_client: dict[int, list[InvoiceRisk]] = {}
    for risk in scored:
        by_client.setdefault(risk.client_id, []).append(risk)
    result = []
    for client_id, items in by_client.items():
        weights = np.array([max(r.outstanding_minor, 1) for r in items], dtype=np.float64)
        p = float(np.average([r.p_late for r in items], weights=weights))
        outstanding: dict[str, int] = {}
        exposure: dict[str, int] = {}
        for r in items:
            outstanding[r.currency] = outstanding.get(r.currency, 0) + r.outstanding_minor
            exposure[r.currency] = exposure.get(r.currency, 0) + r.exposure_minor
        worst = max(items, key=lambda r: r.p_late)
        band = (
            "high"
            if p >= settings.risk_band_high
            else "medium"
            if p >= settings.risk_band_medium
            else "low"
        )
        result.append(
            AccountRisk(
                client_id=client_id,
                client_name=worst.client_name,
                open_invoices=len(items),
                p_late=p,
                band=band,
                outstanding_minor=outstanding,
                exposure_minor=exposure,
                reasons=worst.reasons,
            )
        )
    return sorted(result, key=lambda a: (-sum(a.exposure_minor.values()), a.client_name))
