"""``paytrack clients``: list, show and change clients (every field, with history)."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from agent.actor import Actor
from agent.cli.context import command_session, console
from agent.models import Client, ClientUpdate
from agent.services.ledger import clients

app = typer.Typer(help="List, show and change clients.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="clients")


def _find(session: object, key: str) -> Client:
    """A client by id (digits) or by name."""
    if key.isdigit():
        return clients.get(session, client_id=int(key))  # type: ignore[arg-type]
    return clients.get_by_name(session, name=key)  # type: ignore[arg-type]


def _as_dict(client: Client) -> dict[str, object]:
    return client.model_dump(mode="json", exclude={"name_key"})


@app.command("list")
def list_command(
    search: str = typer.Option("", "--search", help="Part of the client's name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Clients by name."""
    with command_session() as (session, _settings):
        rows = clients.list_visible(session, actor=Actor.cli(), search=search, limit=10_000)
        data = [_as_dict(c) for c in rows]
    if as_json:
        console.print_json(json.dumps(data))
        return
    table = Table()
    for heading in ("id", "name", "contact", "language", "time zone", "terms", "reminders"):
        table.add_column(heading)
    for c in data:
        table.add_row(
            str(c["id"]),
            str(c["name"]),
            ", ".join(c["contact_emails"]),  # type: ignore[arg-type]
            str(c["language"]),
            str(c["timezone"]),
            str(c["default_terms_days"]),
            "paused" if c["reminders_paused"] else "on",
        )
    console.print(table)


@app.command("show")
def show_command(
    client: str = typer.Argument(..., help="Client id or name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One client's details and change history."""
    with command_session() as (session, _settings):
        found = _find(session, client)
        data = _as_dict(found)
        data["history"] = [
            e.model_dump(mode="json", include={"occurred_at", "actor", "data"})
            for e in clients.history_of(session, client_id=found.id)
        ]
    if as_json:
        console.print_json(json.dumps(data))
        return
    for key, value in data.items():
        if key != "history":
            console.print(f"{key}: {value}", markup=False, highlight=False)
    for event in data["history"]:  # type: ignore[attr-defined]
        console.print(
            f"  {event['occurred_at']} {event['actor']}: {event['data']}",
            markup=False,
            highlight=False,
        )


@app.command("set")
def set_command(
    client: str = typer.Argument(..., help="Client id or name."),
    name: str | None = typer.Option(None, help="New name."),
    email: list[str] | None = typer.Option(
        None, "--email", help="Contact e-mail; repeat for several (replaces the list)."
    ),
    language: str | None = typer.Option(None, help="Language code, e.g. sv."),
    country: str | None = typer.Option(None, help="ISO country code, e.g. SE ('' clears)."),
    timezone: str | None = typer.Option(None, help="IANA time zone, e.g. Europe/Stockholm."),
    currency: str | None = typer.Option(None, help="Default currency of new invoices."),
    terms: int | None = typer.Option(None, "--terms", help="Payment terms in days."),
    notes: str | None = typer.Option(None, help="Notes ('' clears)."),
    pause: bool | None = typer.Option(None, "--pause/--resume", help="Pause or resume reminders."),
) -> None:
    """Change any client field; each change is recorded in the client's history."""
    given: dict[str, Any] = {
        "name": name,
        "contact_emails": email or None,
        "language": language,
        "country": country,
        "timezone": timezone,
        "currency": currency,
        "default_terms_days": terms,
        "notes": notes,
        "reminders_paused": pause,
    }
    changes = ClientUpdate(**{k: v for k, v in given.items() if v is not None})
    with command_session() as (session, _settings):
        found = _find(session, client)
        before = clients.history_of(session, client_id=found.id)
        updated = clients.update(session, client_id=found.id, changes=changes, actor=Actor.cli())
        after = clients.history_of(session, client_id=found.id)
        label = f"{updated.name} (id {updated.id})"
    if len(after) == len(before):
        console.print(f"{label}: nothing changed", markup=False, highlight=False)
    else:
        fields = ", ".join(sorted(after[0].data))
        console.print(f"{label}: changed {fields}", markup=False, highlight=False)
