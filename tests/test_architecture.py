"""Cheap guard rails that keep the shape: where queries, commits and the LLM SDK may live."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def offenders(paths: list[Path], pattern: str) -> list[str]:
    regex = re.compile(pattern, re.M)
    return [str(p.relative_to(ROOT)) for p in paths if regex.search(p.read_text(encoding="utf-8"))]


def test_only_the_session_owner_commits() -> None:
    found = offenders(sources("agent", "api", "risk"), r"\.commit\(\)")
    assert found == ["agent/db.py"]


@pytest.mark.parametrize("folder", ["api", "agent/tools", "agent/cli"])
def test_no_queries_outside_the_services(folder: str) -> None:
    assert offenders(sources(folder), r"\bselect\(") == []


def test_openai_is_imported_only_by_the_llm_port() -> None:
    found = offenders(sources("agent", "api", "risk"), r"^\s*(import openai|from openai)")
    assert found == ["agent/llm.py"]


def test_risk_is_pure() -> None:
    assert offenders(sources("risk"), r"^\s*(from|import) (sqlmodel|sqlalchemy|agent\.db)") == []
