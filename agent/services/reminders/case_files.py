"""The case file an owner hands to a collection agency: every fact, as JSON or readable HTML."""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment
from sqlmodel import Session

from agent.actor import Actor
from agent.errors import InvoiceNotFound, ReferenceRateMissing
from agent.models.draft import Draft
from agent.money import format_plain
from agent.services.access import users
from agent.services.access.ownership import require_owner
from agent.services.charges import charges, claims
from agent.services.charges.statutes import jurisdiction_for
from agent.services.ledger import clients, history, invoices, payment_references, payments
from agent.services.reminders.collection import last_reminder_date


def build(session: Session, *, invoice_id: int, as_of: date, actor: Actor) -> dict[str, Any]:
    """Invoice, client, every reminder sent with its date and text, charges and the history."""
    invoice = invoices.get(session, invoice_id=invoice_id, actor=actor)
    require_owner(
        actor,
        invoice.owner_id,
        not_found=InvoiceNotFound(f"no invoice with id {invoice_id}", field="invoice"),
    )
    client = clients.get(session, client_id=invoice.client_id)
    owner = users.get(session, user_id=invoice.owner_id)
    events = history.list_for_invoice(session, invoice_id=invoice.id)
    paid = invoices.paid_minor(session, invoice_id=invoice.id, as_of=as_of)
    try:
        entitlement: dict[str, Any] = charges.compute(
            session, invoice=invoice, client=client, as_of=as_of
        ).as_json()
    except ReferenceRateMissing as exc:
        entitlement = {"error": exc.message}
    return {
        "as_of": as_of.isoformat(),
        "invoice": {
            "number": invoice.number,
            "issue_date": invoice.issue_date.isoformat(),
            "due_date": invoice.due_date.isoformat(),
            "original_due_date": invoice.original_due_date.isoformat(),
            "currency": invoice.currency,
            "amount_minor": invoice.amount_minor,
            "paid_minor": paid,
            "balance_minor": invoice.amount_minor - paid,
            "lifecycle": invoice.lifecycle.value,
            "payment_references": payment_references.for_invoice(invoice.id, invoice.number),
            "document_url": invoice.document_url,
        },
        "client": {
            "name": client.name,
            "country": client.country,
            "contact_emails": client.contact_emails,
            "jurisdiction": jurisdiction_for(client.country, client.jurisdiction).value,
            "late_charges": client.late_charges,
        },
        "owner": {"name": owner.name, "email": owner.email},
        "last_reminder_date": _iso(last_reminder_date(session, invoice_id=invoice.id)),
        "reminders_sent": [
            _reminder(session, event.occurred_at.isoformat(), event.data.get("draft_id"))
            for event in events
            if event.kind == "reminder_sent"
        ],
        "payments": [
            {
                "payment_date": p.payment_date.isoformat(),
                "amount_minor": p.amount_minor,
                "reference": p.reference,
            }
            for p in payments.list_for_invoice(session, invoice_id=invoice.id)
        ],
        "charges": entitlement,
        "claimed_charges": [
            {
                "kind": row.kind.value,
                "amount_minor": row.amount_minor,
                "outstanding_minor": row.outstanding_minor,
                "as_of_date": row.as_of_date.isoformat(),
            }
            for row in claims.list_for_invoice(session, invoice_id=invoice.id)
        ],
        "history": [
            {
                "occurred_at": e.occurred_at.isoformat(),
                "kind": e.kind,
                "actor": e.actor,
                "data": e.data,
            }
            for e in events
        ],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _reminder(session: Session, sent_at: str, draft_id: int | None) -> dict[str, Any]:
    draft = session.get(Draft, draft_id) if draft_id else None
    return {
        "sent_at": sent_at,
        "draft_id": draft_id,
        "subject": (draft.final_subject or draft.subject) if draft else None,
        "body": (draft.final_body or draft.body) if draft else None,
    }


_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Case file {{ c.invoice.number }}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}
</style></head><body>
<h1>Case file: invoice {{ c.invoice.number }}</h1>
<p>As of {{ c.as_of }}. Owner: {{ c.owner.name }} &lt;{{ c.owner.email }}&gt;.</p>
<h2>Invoice</h2><table>
<tr><th>Issued</th><td>{{ c.invoice.issue_date }}</td></tr>
<tr><th>Due</th><td>{{ c.invoice.due_date }}
 (originally {{ c.invoice.original_due_date }})</td></tr>
<tr><th>Amount</th><td>{{ money(c.invoice.amount_minor) }}</td></tr>
<tr><th>Paid</th><td>{{ money(c.invoice.paid_minor) }}</td></tr>
<tr><th>Outstanding</th><td>{{ money(c.invoice.balance_minor) }}</td></tr>
<tr><th>Payment references</th><td>OCR {{ c.invoice.payment_references.ocr }},
 {{ c.invoice.payment_references.rf }}</td></tr></table>
<h2>Client</h2><table>
<tr><th>Name</th><td>{{ c.client.name }}</td></tr>
<tr><th>Country</th><td>{{ c.client.country or "" }}</td></tr>
<tr><th>E-mail</th><td>{{ c.client.contact_emails | join(", ") }}</td></tr>
<tr><th>Statute</th><td>{{ c.client.jurisdiction }}</td></tr></table>
<h2>Late-payment charges</h2>
{% if c.charges.error %}<p>{{ c.charges.error }}</p>{% else %}<table>
<tr><th>Interest</th><td>{{ money(c.charges.interest_minor) }} over {{ c.charges.days }} days
 {% if c.charges.rate_percent %}({{ c.charges.rate_percent }} % on the last day){% endif %}
</td></tr>
<tr><th>Compensation</th><td>{{ money(c.charges.compensation_minor) }}</td></tr>
<tr><th>Reminder fees</th><td>{{ money(c.charges.reminder_fee_minor) }}</td></tr>
</table>{% endif %}
<h2>Reminders sent ({{ c.reminders_sent | length }})</h2>
{% for r in c.reminders_sent %}
<h3>{{ r.sent_at }}{% if r.subject %}: {{ r.subject }}{% endif %}</h3>
{% if r.body %}<pre>{{ r.body }}</pre>{% endif %}{% else %}<p>None.</p>{% endfor %}
<h2>Payments</h2>{% for p in c.payments %}<p>{{ p.payment_date }}: {{ money(p.amount_minor) }}
{{ p.reference or "" }}</p>{% else %}<p>None.</p>{% endfor %}
<h2>History</h2><table><tr><th>When</th><th>What</th><th>Who</th></tr>
{% for e in c.history %}<tr><td>{{ e.occurred_at }}</td><td>{{ e.kind }}</td>
<td>{{ e.actor }}</td></tr>{% endfor %}</table>
</body></html>
"""
)


def render_html(case: dict[str, Any]) -> str:
    """A readable, self-contained page; every value is escaped (client text is data)."""
    currency = case["invoice"]["currency"]
    return _HTML.render(c=case, money=lambda minor: format_plain(minor, currency))
