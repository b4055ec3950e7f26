"""Whether an invoice is on a pending draft is looked up by the invoice, not by every draft.

A sweep writes a pending draft per client group and asks this for every invoice it reads; a
plan that walks the pending drafts made each draft's cost grow with the drafts before it.
"""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.models import Invoice
from agent.services.review import drafts


def _plan(session: Session, engine: Engine, query: Select) -> str:
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
    return " | ".join(str(row[-1]) for row in rows)


def test_the_lookup_starts_at_the_invoice(engine: Engine) -> None:
    query = select(Invoice.id).where(Invoice.id == 1, drafts.on_pending_draft(Invoice.id))
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            plan = _plan(session, engine, query)
            assert "draft_invoice USING INDEX ix_draft_invoice_invoice_id" in plan, plan
            assert "ix_draft_status" not in plan, plan
        assert session.exec(query).all() == []
