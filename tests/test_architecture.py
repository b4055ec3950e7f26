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


def test_reassignment_has_one_entry_point() -> None:
    """Callers reassign through ``reviews.reassign_owner`` (admin only, drafts follow)."""
    found = offenders(sources("agent", "api"), r"\binvoices\.set_owner\(")
    assert found == ["agent/services/review/reviews.py"]


@pytest.mark.parametrize("folder", ["api", "agent/cli", "agent/tools"])
def test_callers_pass_the_actor_to_invoice_reads(folder: str) -> None:
    """``invoices.get``/``invoices.lock`` apply the access rule only when given the actor."""
    calls = re.compile(r"invoices\.(?:get|lock)\((?:[^()]|\([^()]*\))*\)", re.S)
    missing = [
        f"{path.relative_to(ROOT)}: {call[:60]}"
        for path in sources(folder)
        for call in calls.findall(path.read_text(encoding="utf-8"))
        if "actor=" not in call
    ]
    assert missing == []


def test_the_api_reads_clients_through_the_access_rule() -> None:
    assert offenders(sources("api"), r"\bclients\.get\(") == []


def test_services_never_import_their_callers() -> None:
    """The graph, runtime, tools, CLI and API sit above the services, never below."""
    pattern = r"^\s*(from|import) (agent\.(runtime|graph|tools|cli|scheduler)|api)\b"
    assert offenders(sources("agent/services"), pattern) == []


DOMAINS = [
    "access",
    "webhooks",
    "ledger",
    "charges",
    "scoring",
    "notices",
    "review",
    "replies",
    "reminders",
    "reporting",
    "retention",
]
PENDING_UPWARD: set[tuple[str, str]] = set()


def test_service_domains_import_downward_only() -> None:
    rank = {name: i for i, name in enumerate(DOMAINS)}
    upward = set()
    for path in sources("agent/services"):
        parts = path.relative_to(ROOT).parts
        if len(parts) < 4 or parts[2] not in rank:
            continue
        text = path.read_text(encoding="utf-8")
        for imported in re.findall(r"^\s*(?:from|import) agent\.services\.(\w+)", text, re.M):
            if imported in rank and rank[imported] > rank[parts[2]]:
                upward.add((str(path.relative_to(ROOT)), imported))
    assert upward == PENDING_UPWARD
