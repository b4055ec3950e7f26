"""``paytrack users``, ``paytrack keys`` and ``paytrack webhooks``: people, API keys, delivery."""

from __future__ import annotations

from contextlib import suppress

import typer
from rich.table import Table
from sqlmodel import Session

from agent.cli.context import command_session, console, ready_engine
from agent.errors import InvalidInput
from agent.models import User, UserRole
from agent.services.access import api_keys, users
from agent.services.webhooks import worker as webhook_worker
from agent.settings import load_settings

users_app = typer.Typer(help="People who own invoices and use the API.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: created once, stored hashed.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Outgoing webhooks.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(users_app, name="users")
    root.add_typer(keys_app, name="keys")
    root.add_typer(webhooks_app, name="webhooks")


def _user_by_email(session: Session, email: str) -> User:
    user = users.find_by_email(session, email=email)
    if user is None:
        raise InvalidInput(f"no user with e-mail {email}", field="email")
    return user


@users_app.command("add")
def add_user(
    name: str = typer.Argument(..., help="Full name."),
    email: str = typer.Argument(..., help="E-mail address (their identity)."),
    role: UserRole = typer.Option(UserRole.OWNER, help="owner or admin."),
    password_prompt: bool = typer.Option(
        False, "--password-prompt", help="Ask for a sign-in password (for the review pages)."
    ),
) -> None:
    """Add a person."""
    password = (
        typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if password_prompt
        else None
    )
    with command_session() as (session, _settings):
        user = users.create(session, name=name, email=email, role=role)
        if password is not None:
            users.set_password(session, user_id=user.id, password=password)
    console.print(f"added {user.email} ({user.role}) with id {user.id}", markup=False)


@users_app.command("list")
def list_users() -> None:
    """Everyone, by e-mail."""
    with command_session() as (session, _settings):
        rows = users.list_users(session)
    table = Table("id", "name", "email", "role", "active")
    for user in rows:
        table.add_row(str(user.id), user.name, user.email, str(user.role), str(user.is_active))
    console.print(table)


@users_app.command("set-password")
def set_password(email: str = typer.Argument(..., help="The user's e-mail.")) -> None:
    """Set or replace a user's sign-in password (at least 10 characters)."""
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with command_session() as (session, _settings):
        user = _user_by_email(session, email)
        users.set_password(session, user_id=user.id, password=password)
    console.print(f"password set for {user.email}", markup=False)


@keys_app.command("create")
def create_key(
    user: str = typer.Option(..., "--user", help="E-mail of the key's user."),
    scope: list[str] = typer.Option(
        ..., "--scope", help="read, write, approve or admin; repeat or comma-separate."
    ),
    name: str = typer.Option("", "--name", help="What the key is for."),
) -> None:
    """Create an API key and print it once; only its hash is kept."""
    with command_session() as (session, _settings):
        owner = _user_by_email(session, user)
        issued = api_keys.create(session, user_id=owner.id, scopes=scope, name=name)
    console.print(
        f"key {issued.key.prefix} for {owner.email} ({', '.join(issued.key.scopes)}); "
        "store it now, it is not shown again:",
        markup=False,
    )
    typer.echo(issued.token)


@keys_app.command("list")
def list_keys(
    user: str | None = typer.Option(None, "--user", help="Only this user's keys."),
) -> None:
    """Keys with their scopes and last use (never the secret)."""
    with command_session() as (session, _settings):
        owner_id = _user_by_email(session, user).id if user else None
        rows = api_keys.list_keys(session, user_id=owner_id)
        emails = {u.id: u.email for u in users.list_users(session)}
    table = Table("prefix", "user", "name", "scopes", "last used", "revoked")
    for key in rows:
        table.add_row(
            key.prefix,
            emails.get(key.user_id, "?"),
            key.name,
            ",".join(key.scopes),
            key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never",
            key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke_key(
    prefix: str = typer.Argument(..., help="The key's prefix (see `keys list`)."),
) -> None:
    """Revoke a key for good."""
    with command_session() as (session, _settings):
        key = api_keys.revoke(session, prefix=prefix)
    console.print(f"key {key.prefix} revoked", markup=False)


@webhooks_app.command("deliver")
def deliver(
    loop: bool = typer.Option(False, "--loop", help="Keep delivering until interrupted."),
    interval: float = typer.Option(5.0, help="Seconds between passes with --loop."),
) -> None:
    """Post due webhook deliveries (retrying failed ones with exponential backoff)."""
    settings = load_settings()
    engine = ready_engine(settings)
    try:
        if loop:
            with suppress(KeyboardInterrupt):
                webhook_worker.Deliverer(engine, interval_seconds=interval).run_forever()
            return
        report = webhook_worker.deliver_due(engine)
    finally:
        engine.dispose()
    console.print(
        f"attempted {report.attempted}: delivered {report.delivered}, "
        f"retrying {report.retrying}, failed {report.failed}",
        markup=False,
    )
