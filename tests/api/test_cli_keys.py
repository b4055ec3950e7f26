"""``paytrack users``, ``keys`` and ``webhooks deliver`` on the command line."""

from __future__ import annotations

import pytest
import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli import users as users_cli
from agent.services.access import api_keys

runner = CliRunner()


@pytest.fixture
def cli(cli_env: dict[str, str]) -> typer.Typer:
    root = typer.Typer()
    users_cli.register(root)
    return root


def test_users_add_list_and_key_lifecycle(cli: typer.Typer, engine: Engine) -> None:
    added = runner.invoke(cli, ["users", "add", "Ann Admin", "Ann@Example.com", "--role", "admin"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["users", "list"])
    assert "ann@example.com" in listed.output
    created = runner.invoke(
        cli,
        ["keys", "create", "--user", "ann@example.com", "--scope", "read,write", "--name", "erp"],
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("pt_")
    with Session(engine) as session:
        caller = api_keys.authenticate(session, token=token)
        assert caller.user.email == "ann@example.com"
        assert caller.key.scopes == ["read", "write"]
        prefix = caller.key.prefix
    keys_listed = runner.invoke(cli, ["keys", "list"])
    assert prefix in keys_listed.output
    assert token.split("_", 2)[2] not in keys_listed.output
    assert runner.invoke(cli, ["keys", "revoke", prefix]).exit_code == 0
    with Session(engine) as session, pytest.raises(Exception, match="revoked"):
        api_keys.authenticate(session, token=token)


def test_password_prompt_and_set_password(cli: typer.Typer) -> None:
    added = runner.invoke(
        cli,
        ["users", "add", "Bo", "bo@example.com", "--password-prompt"],
        input="a long password\na long password\n",
    )
    assert added.exit_code == 0, added.output
    short = runner.invoke(cli, ["users", "set-password", "bo@example.com"], input="short\nshort\n")
    assert short.exit_code == 2
    assert "10 characters" in short.output


def test_errors_are_clear(cli: typer.Typer) -> None:
    unknown = runner.invoke(
        cli, ["keys", "create", "--user", "nobody@example.com", "--scope", "read"]
    )
    assert unknown.exit_code == 2
    assert "nobody@example.com" in unknown.output
    runner.invoke(cli, ["users", "add", "Cy", "cy@example.com"])
    bad_scope = runner.invoke(
        cli, ["keys", "create", "--user", "cy@example.com", "--scope", "root"]
    )
    assert bad_scope.exit_code == 2
    assert "unknown scope" in bad_scope.output


def test_webhooks_deliver_once(cli: typer.Typer) -> None:
    result = runner.invoke(cli, ["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "attempted 0" in result.output
