"""Carrying out an accepted (or edited) proposal: the ledger action, the reply as its source.

The owner may edit what was proposed: another action, another date, reason or amount, fewer
invoices. Whatever goes to the client (a copy of the invoice) becomes a draft in the usual
review queue; nothing is sent from here.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from agent.actor import Actor
from agent.errors import InvalidDate, InvalidInput, InvalidTransition, InvoiceClosed
from agent.models import Client, Invoice
from agent.models.base import utcnow
from agent.models.draft import Tone
from agent.models.reply import ProposedAction, Reply
from agent.money import format_plain, to_minor
from agent.services.ledger import invoices, payments
from agent.services.review import drafts
from agent.settings import Settings

COPY_MILESTONE = "copy_request"
EDITABLE = (
    "action",
    "invoice_numbers",
    "promised_date",
    "reason",
    "amount",
    "payment_date",
    "reference",
    "note",
)


def carry_out(
    session: Session,
    *,
    reply: Reply,
    listed: list[Invoice],
    edits: dict[str, Any],
    actor: Actor,
    settings: Settings,
    as_of: date,
) -> dict[str, Any]:
    """Apply the reply's proposal, as edited; returns what was done (stored on the reply)."""
    unknown = sorted(set(edits) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"{unknown[0]} cannot be edited", field=unknown[0])
    proposal = dict(reply.action_data or {}) | {
        k: v for k, v in edits.items() if v not in (None, "")
    }
    action = _action(proposal.get("action") or reply.proposed_action)
    chosen = _chosen(listed, proposal.get("invoice_numbers"))
    source: dict[str, object] = {"reply_id": reply.id, "from": reply.from_addr}
    done: dict[str, Any] = {"action": str(action), "invoice_numbers": [i.number for i in chosen]}
    if edits:
        done["edited"] = sorted(edits)
    if action == ProposedAction.RECORD_PROMISE:
        day = _day(proposal.get("promised_date"), "promised_date")
        done["promised_date"] = day.isoformat()
        done["skipped"] = _each(
            chosen,
            lambda inv: _promise(
                session, inv, day, reply=reply, actor=actor, settings=settings, source=source
            ),
        )
    elif action == ProposedAction.OPEN_DISPUTE:
        reason = str(proposal.get("reason") or "").strip()
        done["reason"] = reason
        done["skipped"] = _each(
            chosen,
            lambda inv: invoices.open_dispute(
                session,
                invoice_id=inv.id,
                reason=reason,
                opened_date=as_of,
                actor=actor,
                settings=settings,
                source=source,
            ),
        )
    elif action == ProposedAction.FIND_PAYMENT:
        done |= _payment(session, reply, chosen, proposal, actor=actor, settings=settings)
    elif action == ProposedAction.SEND_COPY:
        done["draft_id"] = copy_draft(
            session, reply=reply, chosen=chosen, actor=actor, settings=settings, as_of=as_of
        )
    else:
        text = str(proposal.get("note") or f"reply #{reply.id} acknowledged").strip()
        for invoice in chosen:
            invoices.add_note(session, invoice_id=invoice.id, text=text, actor=actor)
    return done


def _action(value: object) -> ProposedAction:
    try:
        return ProposedAction(str(value))
    except ValueError:
        names = ", ".join(a.value for a in ProposedAction)
        raise InvalidInput(f"action must be one of {names}", field="action") from None


def _chosen(listed: list[Invoice], numbers: object) -> list[Invoice]:
    if not numbers:
        return listed
    if not isinstance(numbers, list):
        raise InvalidInput("invoice_numbers must be a list", field="invoice_numbers")
    by_number = {inv.number: inv for inv in listed}
    unknown = [n for n in numbers if n not in by_number]
    if unknown:
        raise InvalidInput(
            f"invoice {unknown[0]} is not one of this reply's invoices", field="invoice_numbers"
        )
    return [by_number[n] for n in numbers]


def _day(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidDate(
            f"{field} must be a date (YYYY-MM-DD), got {value!r}", field=field
        ) from None


def _each(chosen: list[Invoice], act: Any) -> list[str]:
    """Apply ``act`` to each invoice; closed, paid or already-disputed ones are skipped."""
    skipped: list[str] = []
    for invoice in chosen:
        try:
            act(invoice)
        except (InvoiceClosed, InvalidTransition) as exc:
            skipped.append(f"{invoice.number}: {exc.message}")
    if len(skipped) == len(chosen):
        raise InvalidTransition("; ".join(skipped), field="invoice_numbers")
    return skipped


def _promise(
    session: Session,
    invoice: Invoice,
    day: date,
    *,
    reply: Reply,
    actor: Actor,
    settings: Settings,
    source: dict[str, object],
) -> None:
    invoices.record_promise(
        session,
        invoice_id=invoice.id,
        promised_date=day,
        note=f"promised in reply #{reply.id}",
        actor=actor,
        settings=settings,
        source=source,
    )


def _payment(
    session: Session,
    reply: Reply,
    chosen: list[Invoice],
    proposal: dict[str, Any],
    *,
    actor: Actor,
    settings: Settings,
) -> dict[str, Any]:
    """With an amount and a date the owner confirms, record the payment; else note the claim."""
    if proposal.get("amount") is None or proposal.get("payment_date") is None:
        said = ", ".join(f"{k} {proposal[k]}" for k in ("date", "reference") if proposal.get(k))
        text = f"client says it paid ({said or 'no details'}) in reply #{reply.id}; look for it"
        for invoice in chosen:
            invoices.add_note(session, invoice_id=invoice.id, text=text, actor=actor)
        return {"noted": True}
    if len(chosen) != 1:
        raise InvalidInput("name the one invoice the payment is for", field="invoice_numbers")
    invoice = chosen[0]
    try:
        amount = Decimal(str(proposal["amount"]))
    except InvalidOperation:
        raise InvalidInput("amount must be a number", field="amount") from None
    paid = payments.record(
        session,
        invoice_id=invoice.id,
        amount_minor=to_minor(amount, invoice.currency),
        currency=invoice.currency,
        payment_date=_day(proposal["payment_date"], "payment_date"),
        actor=actor,
        reference=str(proposal.get("reference") or "")[:300] or None,
        external_id=f"reply:{reply.id}:{invoice.id}",
        settings=settings,
    )
    return {
        "payment_id": paid.payment.id,
        "amount": format_plain(paid.payment.amount_minor, invoice.currency),
    }


_COPY_TEXT = {
    "en": (
        "Copy of invoice {numbers}",
        "Hello,\n\nAs you asked, here is a copy of invoice {numbers}.\n\n{lines}\n\nKind regards",
    ),
    "sv": (
        "Kopia av faktura {numbers}",
        "Hej,\n\nSom ni bad om kommer här en kopia av faktura {numbers}.\n\n{lines}\n\n"
        "Med vänliga hälsningar",
    ),
    "nl": (
        "Kopie van factuur {numbers}",
        "Beste,\n\nZoals gevraagd sturen wij u een kopie van factuur {numbers}.\n\n"
        "{lines}\n\nMet vriendelijke groet",
    ),
    "bg": (
        "Копие на фактура {numbers}",
        "Здравейте,\n\nКакто поискахте, изпращаме копие на фактура {numbers}.\n\n"
        "{lines}\n\nПоздрави",
    ),
}


def copy_draft(
    session: Session,
    *,
    reply: Reply,
    chosen: list[Invoice],
    actor: Actor,
    settings: Settings,
    as_of: date,
) -> int:
    """A draft carrying a copy of the invoices, for the owner to approve like any reminder."""
    client = session.get_one(Client, chosen[0].client_id)
    language = client.language if client.language in _COPY_TEXT else "en"
    subject, body = _COPY_TEXT[language]
    numbers = ", ".join(inv.number for inv in chosen)
    listed = []
    lines = []
    for invoice in chosen:
        standing = invoices.standing(
            session, invoice=invoice, as_of=as_of, due_soon_days=settings.due_soon_days
        )
        lines.append(
            f"{invoice.number}: {format_plain(invoice.amount_minor, invoice.currency)} "
            f"{invoice.currency}, {invoice.due_date.isoformat()}"
        )
        listed.append(
            drafts.ListedInvoice(
                invoice_id=invoice.id,
                number=invoice.number,
                milestone=COPY_MILESTONE,
                outstanding_minor=standing.outstanding_minor,
                currency=invoice.currency,
                due_date=invoice.due_date,
                days_overdue=standing.days_overdue,
                invoice_version=invoice.version,
            )
        )
    digest = hashlib.sha256(f"{reply.id}:{numbers}".encode()).hexdigest()[:8]
    draft = drafts.store(
        session,
        drafts.NewDraft(
            thread_id=f"reply-copy:{reply.id}:{digest}",
            client_id=client.id,
            owner_id=chosen[0].owner_id,
            milestone=COPY_MILESTONE,
            tone=Tone.FORMAL,
            tone_reason=f"the client asked for a copy in reply #{reply.id}",
            language=language,
            subject=subject.format(numbers=numbers),
            body=body.format(numbers=numbers, lines="\n".join(lines)),
            risk_snapshot={},
            suggested_send_at=utcnow(),
            drafter="template",
            model="template",
            prompt_version="copy/v1",
            fallback_reason=None,
            broken_promise_date=None,
            sweep_date=as_of,
            invoices=listed,
        ),
        actor=actor,
    )
    return int(draft.id)
