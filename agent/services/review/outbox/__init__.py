"""The transactional e-mail outbox: approval enqueues, a sender delivers each message once.

Enqueueing happens in the approver's transaction; the row's ``dedupe_key`` (``draft:{id}``) is
unique, so a second enqueue (a resumed thread, a double submit) finds the row and adds nothing.
The Message-ID is fixed at enqueue time (``<draft-{id}.{hash}@{domain}>``), so every attempt
sends the same message and receivers can tell a repeat.

One delivery attempt, step by step:

1. **claim** — a conditional ``UPDATE … WHERE status = 'pending'`` (on PostgreSQL after a
   ``FOR UPDATE SKIP LOCKED`` pick) sets ``sending``, phase ``claimed``, ``attempts + 1`` and a
   lease, and COMMITS before any connection is made. Two senders never hold the same row.
2. **commit point** — the message text goes to the server, then phase ``committing`` is
   committed, and only then the final ``.`` that makes an SMTP server accept the message (for the
   ``.eml`` transport: the atomic rename of the written file).
3. **record** — ``sent``, the Message-ID in every listed invoice's history, the draft ``sent``.

A sender that dies leaves ``sending`` with a lease; once the lease has passed, the next sender:
- phase ``claimed`` (died before the commit point): the server cannot have accepted the message,
  so it is sent again — same Message-ID — and is still delivered exactly once;
- phase ``committing`` (died between the commit point and the record): the message may have been
  delivered. The ``.eml`` transport checks the file and records it. SMTP cannot be asked, so the
  row becomes ``unconfirmed`` and is NOT sent again: a person checks and either confirms it or
  re-sends it (``outbox_resend_unconfirmed`` re-sends automatically). A re-send carries the same
  Message-ID, so mail clients that de-duplicate on it show one message: at-least-once at the
  SMTP level in that one narrow window, exactly-once everywhere else.
"""

from agent.services.review.outbox.enqueue import (
    OUTBOX_ACTOR,
    Composed,
    EmailView,
    compose_for_draft,
    confirm_delivered,
    earlier_message_ids,
    email_for_draft,
    enqueue_for_draft,
    enqueue_owner_notifications,
    find_for_draft,
    get,
    list_messages,
    mark_sent,
    resend,
)
from agent.services.review.outbox.message import build_message, mail_domain, message_id_for
from agent.services.review.outbox.transport import (
    FileTransport,
    SmtpTransport,
    Transport,
    leaves_machine,
    transport_from_settings,
)
from agent.services.review.outbox.withdraw import STOPPABLE, back_to_queue, cancel
from agent.services.review.outbox.worker import (
    DeliveryReport,
    SenderLoop,
    deliver_due,
    deliver_one,
    recover_expired,
    send_pass,
)

__all__ = [
    "OUTBOX_ACTOR",
    "STOPPABLE",
    "Composed",
    "DeliveryReport",
    "EmailView",
    "FileTransport",
    "SenderLoop",
    "SmtpTransport",
    "Transport",
    "back_to_queue",
    "build_message",
    "cancel",
    "compose_for_draft",
    "confirm_delivered",
    "deliver_due",
    "deliver_one",
    "earlier_message_ids",
    "email_for_draft",
    "enqueue_for_draft",
    "enqueue_owner_notifications",
    "find_for_draft",
    "get",
    "leaves_machine",
    "list_messages",
    "mail_domain",
    "mark_sent",
    "message_id_for",
    "recover_expired",
    "resend",
    "send_pass",
    "transport_from_settings",
]
