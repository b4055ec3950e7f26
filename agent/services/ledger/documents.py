"""The invoice document a reminder attaches: checked by its bytes, stored under data_dir.

Only PDF, PNG and JPEG are accepted, recognised by their leading bytes (never by the name or
the declared type), and never larger than ``document_max_bytes``. The stored name is the
content's hash, so no caller-chosen name or path ever reaches the file system.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlmodel import Session

from agent.actor import Actor
from agent.errors import InvalidDocument, InvoiceNotFound
from agent.models import EventKind, Invoice
from agent.services.access.ownership import require_owner
from agent.services.ledger import history, invoices

SIGNATURES = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"))
FOLDER = "documents"


def kind_of(content: bytes, *, max_bytes: int, field: str = "document") -> str:
    """The file extension for ``content``, or ``InvalidDocument`` naming the field."""
    if not content:
        raise InvalidDocument("the document is empty", field=field)
    if len(content) > max_bytes:
        raise InvalidDocument(
            f"the document has {len(content)} bytes; at most {max_bytes} are accepted",
            field=field,
        )
    for signature, extension in SIGNATURES:
        if content.startswith(signature):
            return extension
    raise InvalidDocument("only PDF, PNG or JPEG documents are accepted", field=field)


def attach(
    session: Session,
    *,
    invoice_id: int,
    content: bytes,
    filename: str,
    data_dir: Path,
    max_bytes: int,
    actor: Actor,
) -> Invoice:
    """Store the document and point the invoice at it (path relative to data_dir)."""
    invoice = invoices.lock(session, invoice_id=invoice_id, actor=actor)
    require_owner(
        actor,
        invoice.owner_id,
        not_found=InvoiceNotFound(f"no invoice with id {invoice_id}", field="invoice"),
    )
    extension = kind_of(content, max_bytes=max_bytes)
    digest = hashlib.sha256(content).hexdigest()
    relative = Path(FOLDER) / str(invoice.id) / f"{digest[:32]}.{extension}"
    _write_atomically(data_dir / relative, content)
    invoice.document_path = relative.as_posix()
    history.record(
        session,
        invoice=invoice,
        kind=EventKind.UPDATED,
        actor=actor,
        data={"document": Path(filename).name[:200], "sha256": digest, "bytes": len(content)},
    )
    session.add(invoice)
    session.flush()
    return invoice


def _write_atomically(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
