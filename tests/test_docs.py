"""README documents every setting, and the commands it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from agent.cli.app import app
from agent.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    choices = getattr(alias, "choices", None)
    return str(choices[0]) if choices else f"PAYTRACK_{field.upper()}"


def test_every_setting_is_in_the_readme() -> None:
    missing = [env_name(f) for f in Settings.model_fields if f"`{env_name(f)}`" not in README]
    assert missing == []


def test_every_command_the_readme_shows_has_help() -> None:
    shown = sorted(set(re.findall(r"^paytrack ([a-z-]+(?: [a-z-]+)?)", README, re.M)))
    assert shown
    runner = CliRunner()
    for command in shown:
        words = command.split()
        result = runner.invoke(app, [*words, "--help"])
        if result.exit_code != 0:
            result = runner.invoke(app, [words[0], "--help"])
        assert result.exit_code == 0, f"paytrack {command}: {result.output}"
