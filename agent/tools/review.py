"""Putting a checked draft into the review queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from agent.actor import Actor
from agent.db import session_scope
from agent.models.draft import Tone
from agent.services.review import drafts
from agent.settings import Settings

AGENT_ACTOR = Actor.system("agent")


def queue(engine: Engine, *, state: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Store the thread's draft (idempotent per thread): its id, and its subject and body as
    stored (what the person reviews and what would leave, byte for byte)."""
    context, plan, written = state["context"], state["plan"], state["draft"]
    listed = [drafts.ListedInvoice.from_context(row) for row in context["invoices"]]
    promise = context.get("broken_promise_date")
    new = drafts.NewDraft(
        thread_id=state["thread_id"],
        client_id=context["client"]["id"],
        owner_id=context["owner"]["id"],
        milestone=plan["milestone"],
        tone=Tone(plan["tone"]),
        tone_reason=plan["tone_reason"],
        language=written["language"],
        subject=written["subject"],
        body=written["body"],
        risk_snapshot=state.get("risk", {}),
        suggested_send_at=datetime.fromisoformat(plan["suggested_send_at"]),
        drafter=written["drafter"],
        model=written["model"],
        prompt_version=written["prompt_version"],
        fallback_reason=written.get("fallback_reason"),
        broken_promise_date=date.fromisoformat(promise) if promise else None,
        sweep_date=date.fromisoformat(state["as_of"]),
        invoices=listed,
    )
    with session_scope(engine) as session:
        stored = drafts.store(session, new, actor=AGENT_ACTOR)
        return {"id": stored.id, "subject": stored.subject, "body": stored.body}
