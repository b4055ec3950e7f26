"""Client replies: inbound messages (``message/rfc822``), the list, and the owner's decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from agent.errors import ReplyRejected
from agent.models.reply import ReplyStatus
from agent.services.replies import replies, views
from agent.services.replies.reading import build_reader
from api.deps import Admin, Approver, Reader, SessionDep, SettingsDep
from api.v1.schemas import MAX_ID, Text

router = APIRouter(prefix="/replies", tags=["replies"])
ReplyId = Annotated[int, Path(ge=1, le=MAX_ID)]
RFC822 = "message/rfc822"


class ReplyInvoiceOut(BaseModel):
    id: int
    number: str


class ClassificationOut(BaseModel):
    intent: str
    details: dict[str, Any]
    confidence: float
    classified_by: str


class ReplyOut(BaseModel):
    """A reply as stored: the new text only (quotes stripped, HTML reduced to text)."""

    id: int
    received_at: str
    sent_at: str
    from_: str = Field(alias="from")
    from_name: str | None
    subject: str
    text: str
    html_only: bool
    source: str
    client_id: int | None
    owner_id: int | None
    match: str
    invoices: list[ReplyInvoiceOut]
    classification: ClassificationOut
    proposed_action: dict[str, Any]
    payment_candidates: list[dict[str, Any]]
    status: str
    postpone_until: str | None
    handled_by: str | None
    outcome: dict[str, Any]


class AcceptIn(BaseModel):
    """Accept the proposal as it is (empty body), or edited by any of these fields."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{}, {"promised_date": "2026-12-15"}]},
    )

    action: (
        Annotated[
            str,
            Field(
                pattern="^(record_promise|open_dispute|find_payment|send_copy|acknowledge|none)$"
            ),
        ]
        | None
    ) = None
    invoice_numbers: (
        Annotated[list[Annotated[Text, Field(max_length=64)]], Field(max_length=50)] | None
    ) = None
    promised_date: Annotated[Text, Field(max_length=10)] | None = None
    reason: Annotated[Text, Field(min_length=1, max_length=2000)] | None = None
    amount: Annotated[Text, Field(max_length=30)] | None = None
    payment_date: Annotated[Text, Field(max_length=10)] | None = None
    reference: Annotated[Text, Field(max_length=300)] | None = None
    note: Annotated[Text, Field(max_length=2000)] | None = None


class IgnoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[Text, Field(max_length=2000)] | None = None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_numbers: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=64)]],
        Field(min_length=1, max_length=50),
    ]


def _out(session: SessionDep, reply: Any) -> ReplyOut:
    return ReplyOut.model_validate(views.describe(session, [reply])[0])


@router.post(
    "",
    status_code=201,
    summary="Receive a client's e-mail (raw RFC 5322)",
    response_model=ReplyOut,
    responses={
        200: {"description": "Already stored (same Message-ID or content)", "model": ReplyOut}
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {RFC822: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def receive_reply(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep, caller: Admin
) -> ReplyOut:
    """For mail services' inbound webhooks: the body is the message itself. Stored once."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != RFC822:
        raise ReplyRejected(f"send the message as Content-Type: {RFC822}", field="content-type")
    raw = await request.body()
    outcome = replies.ingest(
        session,
        raw=raw,
        source="api",
        reader=build_reader(settings),
        settings=settings,
        actor=caller.actor,
    )
    if not outcome.created:
        response.status_code = 200
    return _out(session, outcome.reply)


@router.get("", summary="List replies", response_model=list[ReplyOut])
def list_replies(
    session: SessionDep,
    caller: Reader,
    status: ReplyStatus | None = None,
    unmatched: bool = False,
    invoice_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReplyOut]:
    """Owners see replies about their invoices; unmatched replies only reach admins."""
    found = replies.list_replies(
        session,
        actor=caller.actor,
        status=status,
        unmatched=unmatched,
        invoice_id=invoice_id,
        limit=limit,
    )
    return [ReplyOut.model_validate(row) for row in views.describe(session, found)]


@router.get("/{reply_id}", summary="Get a reply", response_model=ReplyOut)
def get_reply(reply_id: ReplyId, session: SessionDep, caller: Reader) -> ReplyOut:
    return _out(session, replies.get(session, reply_id=reply_id, actor=caller.actor))


@router.post("/{reply_id}/accept", summary="Accept (or edit) the proposal", response_model=ReplyOut)
def accept_reply(
    reply_id: ReplyId, body: AcceptIn, session: SessionDep, settings: SettingsDep, caller: Approver
) -> ReplyOut:
    """Writes the ledger action with the reply as its source; a copy becomes a draft to approve."""
    reply = replies.accept(
        session,
        reply_id=reply_id,
        actor=caller.actor,
        settings=settings,
        edits=body.model_dump(exclude_none=True),
    )
    return _out(session, reply)


@router.post("/{reply_id}/ignore", summary="Ignore the reply", response_model=ReplyOut)
def ignore_reply(
    reply_id: ReplyId, body: IgnoreIn, session: SessionDep, caller: Approver
) -> ReplyOut:
    reply = replies.ignore(session, reply_id=reply_id, actor=caller.actor, note=body.note)
    return _out(session, reply)


@router.post("/{reply_id}/assign", summary="Assign an unmatched reply", response_model=ReplyOut)
def assign_reply(
    reply_id: ReplyId, body: AssignIn, session: SessionDep, settings: SettingsDep, caller: Approver
) -> ReplyOut:
    """Admins assign any reply; owners their clients' unmatched replies to their invoices."""
    reply = replies.assign(
        session,
        reply_id=reply_id,
        invoice_numbers=body.invoice_numbers,
        actor=caller.actor,
        settings=settings,
        reader=build_reader(settings),
    )
    return _out(session, reply)
