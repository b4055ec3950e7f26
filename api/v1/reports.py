"""Reports: aging, KPIs and expected cash by week, as of any day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from agent.services.reporting import expected_cash, reports
from api.deps import Reader, SessionDep, SettingsDep
from api.v1.schemas import Day

router = APIRouter(prefix="/reports", tags=["reports"])
AsOf = Annotated[Day | None, Query(description="Defaults to today.")]


@router.get("/aging", summary="Receivables by days overdue", response_model=reports.AgingReport)
def aging(session: SessionDep, caller: Reader, as_of: AsOf = None) -> reports.AgingReport:
    return reports.aging(session, as_of=as_of or date.today(), actor=caller.actor)


@router.get("/kpis", summary="Collection KPIs and late payers", response_model=reports.KpiReport)
def kpis(
    session: SessionDep, settings: SettingsDep, caller: Reader, as_of: AsOf = None
) -> reports.KpiReport:
    return reports.kpis(session, as_of=as_of or date.today(), settings=settings, actor=caller.actor)


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
