"""Payment risk: an invoice's score, clients by exposure, and which model is answering."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from agent.services.ledger import invoices
from agent.services.scoring import model_health, risk_scoring
from api.deps import Reader, SessionDep, SettingsDep
from api.v1.schemas import MAX_ID, AccountRiskOut, Day, InvoiceRiskOut, RiskModelOut
from risk.prior import PRIOR_VERSION

router = APIRouter(prefix="/risk", tags=["risk"])
AsOf = Annotated[Day | None, Query(description="Defaults to today.")]


@router.get("/invoices/{invoice_id}", summary="Score one invoice", response_model=InvoiceRiskOut)
def invoice_risk(
    invoice_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    settings: SettingsDep,
    caller: Reader,
    as_of: AsOf = None,
) -> InvoiceRiskOut:
    """P(late), expected payment date with an interval, and the reasons; the score is stored."""
    invoices.get(session, invoice_id=invoice_id, actor=caller.actor)
    scored = risk_scoring.score_invoice(
        session,
        settings=settings,
        invoice_id=invoice_id,
        as_of=as_of or date.today(),
        trigger="api",
    )
    return InvoiceRiskOut.model_validate(asdict(scored))


@router.get("/accounts", summary="Clients by risk exposure", response_model=list[AccountRiskOut])
def account_risk(
    session: SessionDep, settings: SettingsDep, _caller: Reader, as_of: AsOf = None
) -> list[AccountRiskOut]:
    accounts = risk_scoring.accounts(session, settings=settings, as_of=as_of or date.today())
    return [AccountRiskOut.model_validate(asdict(a)) for a in accounts]


@router.get("/model", summary="The deployed risk model", response_model=RiskModelOut)
def model_info(session: SessionDep, settings: SettingsDep, _caller: Reader) -> RiskModelOut:
    record = model_health.deployed(session)
    if record is None:
        return RiskModelOut(deployed=False, version=PRIOR_VERSION)
    health = model_health.check(session, settings=settings, today=date.today())
    return RiskModelOut(
        deployed=True,
        version=record.version,
        family=record.family,
        trained_at=record.trained_at,
        details=record.details,
        stale=health.stale,
        stale_reasons=health.reasons,
        settled_since_training=health.settled_since,
        live_late_share=health.live_late_share,
    )
