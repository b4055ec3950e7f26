"""The facts a stored draft may state, rebuilt from what it lists; edits are checked on them."""

from __future__ import annotations

from typing import cast

from sqlmodel import Session

from agent.drafting.facts import Consequence, DraftFacts, InvoiceFact, Language, locale_for
from agent.models import Client, User
from agent.models.draft import Draft
from agent.services.review import drafts


def for_draft(session: Session, *, draft: Draft) -> DraftFacts:
    """The draft's facts as it stated them (amounts and due dates from its listed invoices)."""
    client = session.get_one(Client, draft.client_id)
    owner = session.get_one(User, draft.owner_id)
    listed = drafts.listed_invoices(session, draft_id=draft.id)
    consequence = client.reminder_consequence
    return DraftFacts(
        client_name=client.name,
        language=cast(Language, draft.language),
        locale=locale_for(draft.language, client.country),
        invoices=[
            InvoiceFact(
                number=invoice.number,
                outstanding_minor=row.outstanding_minor,
                currency=row.currency,
                due_date=row.due_date,
                days_overdue=row.days_overdue,
                milestone=row.milestone,
            )
            for row, invoice in listed
        ],
        tone=draft.tone,
        tone_reason=draft.tone_reason,
        broken_promise_date=draft.broken_promise_date,
        owner_name=owner.name,
        signature=f"{owner.name}\n{owner.email}",
        allowed_consequence=Consequence(consequence) if consequence else None,
    )
