"""Reports: aging, KPIs and expected cash by week, as of any day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from agent.services.reporting import expected_cash, reports
from api.deps import Reader, ReportCacheDep, SessionDep, SettingsDep
from api.v1.responses import json_response
from api.v1.schemas import Day

router = APIRouter(prefix="/reports", tags=["reports"])
AsOf = Annotated[Day | None, Query(description="Defaults to today.")]


@router.get("/aging", summary="Receivables by days overdue", response_model=reports.AgingReport)
def aging(
    session: SessionDep, caller: Reader, cache: ReportCacheDep, as_of: AsOf = None
) -> Response:
    """Served from memory until the ledger next changes (the figures are the same)."""
    day = as_of or date.today()
    return json_response(
        cache.get_or_make(
            session,
            actor=caller.actor,
            key=("aging", day),
            make=lambda: (
                reports.aging(session, as_of=day, actor=caller.actor).model_dump_json().encode()
            ),
        )
    )


@router.get("/kpis", summary="Collection KPIs and late payers", response_model=reports.KpiReport)
def kpis(
    session: SessionDep,
    settings: SettingsDep,
    caller: Reader,
    cache: ReportCacheDep,
    as_of: AsOf = None,
) -> Response:
    """Served from memory until the ledger next changes (the figures are the same)."""
    day = as_of or date.today()
    return json_response(
        cache.get_or_make(
            session,
            actor=caller.actor,
            key=(
                "kpis",
                day,
                settings.dso_window_days,
                settings.late_grace_days,
                settings.consistent_late_min_invoices,
            ),
            make=lambda: (
                reports.kpis(session, as_of=day, settings=settings, actor=caller.actor)
                .model_dump_json()
                .encode()
            ),
        )
    )


@router.get(
    "/expected-cash",
    summary="Expected cash by week",
    response_model=expected_cash.ExpectedCashReport,
)
def cash_by_week(
    session: SessionDep,
    caller: Reader,
    as_of: AsOf = None,
    weeks: Annotated[int, Query(ge=1, le=104)] = 12,
) -> expected_cash.ExpectedCashReport:
    return expected_cash.expected_cash(
        session, as_of=as_of or date.today(), actor=caller.actor, weeks=weeks
    )
