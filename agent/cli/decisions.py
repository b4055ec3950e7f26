"""``paytrack drafts approve|reject|snooze|cancel|requeue``: the review loop from a terminal.

Each decision is a person's: ``--as`` names the user who decides, as the pages and API do.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from sqlmodel import Session

from agent import runtime
from agent.cli.context import command_session, console, ready_engine
from agent.cli.monitor import drafts_app
from agent.errors import UserNotFound
from agent.models import User
from agent.services.access import users
from agent.services.review import outbox, reviews
from agent.settings import load_settings

AS_OPTION = typer.Option(..., "--as", help="E-mail of the person deciding (owner or admin).")


def register(root: typer.Typer) -> None:
    """The commands join ``paytrack drafts`` (registered by ``agent.cli.monitor``)."""


def _person(session: Session, email: str) -> User:
    viewer = users.find_by_email(session, email=email)
    if viewer is None:
        raise UserNotFound(f"no user with e-mail {email!r}", field="as")
    return viewer


def _resume(draft_id: int) -> None:
    """Hand the stored decision to the paused agent thread, after the decision is committed."""
    settings = load_settings()
    engine = ready_engine(settings)
    try:
        runtime.resume_thread(engine, draft_id=draft_id, settings=settings)
    finally:
        engine.dispose()


@drafts_app.command("approve")
def approve_command(
    draft_id: int = typer.Argument(..., help="Draft id."),
    who: str = AS_OPTION,
    subject: str | None = typer.Option(None, "--subject", help="Edited subject."),
    body_file: Path | None = typer.Option(
        None, "--body-file", exists=True, dir_okay=False, help="Edited body, read from a file."
    ),
    send_now: bool = typer.Option(False, "--send-now", help="Skip the client's send window."),
) -> None:
    """Approve a draft (edits pass the draft's guardrails) and queue its e-mail."""
    body = body_file.read_text(encoding="utf-8") if body_file else None
    with command_session() as (session, settings):
        viewer = _person(session, who)
        draft = reviews.approve(
            session,
            draft_id=draft_id,
            viewer=viewer,
            settings=settings,
            final_subject=subject,
            final_body=body,
            send_now=send_now,
        )
        email = outbox.email_for_draft(session, draft=draft, settings=settings)
    _resume(draft_id)
    console.print(
        f"draft {draft_id} approved; e-mail {email.status} for {email.send_after:%Y-%m-%d %H:%M} "
        f"UTC\nSubject: {email.email.subject}",
        markup=False,
        highlight=False,
    )


@drafts_app.command("reject")
def reject_command(
    draft_id: int = typer.Argument(..., help="Draft id."),
    who: str = AS_OPTION,
    reason: str = typer.Option(..., "--reason", help="Why nothing should be sent."),
) -> None:
    """Reject a draft with a reason; nothing is sent."""
    with command_session() as (session, _settings):
        reviews.reject(session, draft_id=draft_id, viewer=_person(session, who), reason=reason)
    _resume(draft_id)
    console.print(f"draft {draft_id} rejected", markup=False)


@drafts_app.command("snooze")
def snooze_command(
    draft_id: int = typer.Argument(..., help="Draft id."),
    who: str = AS_OPTION,
    until: datetime = typer.Option(
        ..., "--until", formats=["%Y-%m-%d"], help="Hide it from the queue until this day."
    ),
) -> None:
    """Hide a pending draft from the queue until a later day."""
    day = until.date()
    with command_session() as (session, _settings):
        reviews.snooze(session, draft_id=draft_id, viewer=_person(session, who), until=day)
    console.print(f"draft {draft_id} snoozed until {day}", markup=False)


@drafts_app.command("cancel")
def cancel_command(
    draft_id: int = typer.Argument(..., help="Draft id."),
    who: str = AS_OPTION,
    reason: str = typer.Option(..., "--reason", help="Why the e-mail must not leave."),
) -> None:
    """Cancel an approved e-mail that has not left yet."""
    with command_session() as (session, _settings):
        viewer = _person(session, who)
        outbox.cancel(session, draft_id=draft_id, actor=reviews.actor_for(viewer), reason=reason)
    console.print(f"draft {draft_id}: e-mail cancelled", markup=False)


@drafts_app.command("requeue")
def requeue_command(
    draft_id: int = typer.Argument(..., help="Draft id."),
    who: str = AS_OPTION,
    reason: str = typer.Option("", "--reason", help="Why it needs another look."),
) -> None:
    """Take an approval back: the e-mail is withdrawn and the draft awaits review again."""
    with command_session() as (session, _settings):
        viewer = _person(session, who)
        outbox.back_to_queue(
            session, draft_id=draft_id, actor=reviews.actor_for(viewer), reason=reason
        )
    console.print(f"draft {draft_id} is back in the review queue", markup=False)
