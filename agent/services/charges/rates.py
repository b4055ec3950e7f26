"""Reference rates per half-year: the shipped file, overridden by rows a person set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from sqlmodel import Session, select

from agent.actor import Actor
from agent.errors import InvalidDate, InvalidRate, ReferenceRateMissing
from agent.models import ReferenceRate
from agent.services.charges.statutes import Jurisdiction, is_half_year_start

RATES_FILE = Path(__file__).with_name("reference_rates.json")
SHIPPED = "file"


@dataclass(frozen=True)
class Rate:
    jurisdiction: Jurisdiction
    effective_from: date
    rate_percent: Decimal
    source: str
    origin: str  # "file" or who set it

    def as_json(self) -> dict[str, str]:
        return {
            "jurisdiction": self.jurisdiction.value,
            "effective_from": self.effective_from.isoformat(),
            "rate_percent": str(self.rate_percent),
            "source": self.source,
            "origin": self.origin,
        }


@cache
def shipped() -> tuple[Rate, ...]:
    """The rates file shipped with paytrack (reference_rates.json)."""
    rows = json.loads(RATES_FILE.read_text(encoding="utf-8"))["rates"]
    return tuple(
        Rate(
            jurisdiction=Jurisdiction(row["jurisdiction"]),
            effective_from=date.fromisoformat(row["effective_from"]),
            rate_percent=Decimal(row["rate_percent"]),
            source=row["source"],
            origin=SHIPPED,
        )
        for row in rows
    )


def list_rates(session: Session, *, jurisdiction: Jurisdiction | None = None) -> list[Rate]:
    """Every known rate, oldest first; a row set in the database wins over the file's."""
    merged = {(r.jurisdiction, r.effective_from): r for r in shipped()}
    for row in session.exec(select(ReferenceRate)):
        rate = _from_row(row)
        merged[(rate.jurisdiction, rate.effective_from)] = rate
    rates = sorted(merged.values(), key=lambda r: (r.jurisdiction.value, r.effective_from))
    return [r for r in rates if jurisdiction is None or r.jurisdiction is jurisdiction]


def reference_rate(session: Session, *, jurisdiction: Jurisdiction, half_year: date) -> Rate:
    """The reference rate for the half-year starting on ``half_year``, or ReferenceRateMissing."""
    row = session.exec(
        select(ReferenceRate).where(
            ReferenceRate.jurisdiction == jurisdiction.value,
            ReferenceRate.effective_from == half_year,
        )
    ).first()
    if row is not None:
        return _from_row(row)
    for rate in shipped():
        if rate.jurisdiction is jurisdiction and rate.effective_from == half_year:
            return rate
    raise ReferenceRateMissing(
        f"no {jurisdiction.value} reference rate for the half-year from {half_year}; "
        f"set it with `paytrack rates set --jurisdiction {jurisdiction.value} "
        f"--from {half_year} --rate …`",
        field="as_of",
    )


def set_rate(
    session: Session,
    *,
    jurisdiction: str,
    effective_from: date,
    rate_percent: str,
    source: str,
    actor: Actor,
) -> Rate:
    """Add or replace the rate of one half-year (effective_from is 1 January or 1 July)."""
    code = _jurisdiction(jurisdiction)
    if not is_half_year_start(effective_from):
        raise InvalidDate(
            f"{effective_from} is not 1 January or 1 July: reference rates are fixed per half-year",
            field="from",
        )
    rate = _rate(rate_percent)
    if not source.strip():
        raise InvalidRate("say where the rate comes from (a URL or publication)", field="source")
    row = session.exec(
        select(ReferenceRate).where(
            ReferenceRate.jurisdiction == code.value,
            ReferenceRate.effective_from == effective_from,
        )
    ).first()
    if row is None:
        row = ReferenceRate(
            jurisdiction=code.value,
            effective_from=effective_from,
            rate_percent=str(rate),
            source=source.strip(),
            set_by=actor.label,
        )
    else:
        row.rate_percent = str(rate)
        row.source = source.strip()
        row.set_by = actor.label
    session.add(row)
    session.flush()
    return _from_row(row)


def _jurisdiction(value: str) -> Jurisdiction:
    try:
        code = Jurisdiction(value.strip().upper() if value.strip().lower() != "none" else "none")
    except ValueError:
        code = Jurisdiction.NONE
    if code is Jurisdiction.NONE:
        raise InvalidRate(f"{value!r} is not SE, EU or UK", field="jurisdiction")
    return code


def _rate(value: str) -> Decimal:
    try:
        rate = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidRate(f"{value!r} is not a number", field="rate") from None
    if not rate.is_finite() or not Decimal(-5) <= rate <= Decimal(30):
        raise InvalidRate(f"{value!r} is not a plausible rate in percent", field="rate")
    if rate != rate.quantize(Decimal("0.001")):
        raise InvalidRate(f"{value!r} has more than three decimals", field="rate")
    return rate


def _from_row(row: ReferenceRate) -> Rate:
    return Rate(
        jurisdiction=Jurisdiction(row.jurisdiction),
        effective_from=row.effective_from,
        rate_percent=Decimal(row.rate_percent),
        source=row.source,
        origin=row.set_by,
    )
