"""The replies domain sits above review and notices and below reminders: imports go down only."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ROOT / "agent" / "services"
BELOW = ("access", "webhooks", "ledger", "scoring", "notices", "review")
IMPORT = re.compile(r"^\s*(?:from|import) agent\.services(?:\.|\s+import\s+)(\w+)", re.M)


def imported_domains(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        found |= set(IMPORT.findall(path.read_text(encoding="utf-8")))
    return found


def test_replies_imports_only_domains_below_it() -> None:
    assert imported_domains(SERVICES / "replies") - {"replies"} <= set(BELOW)


def test_no_domain_below_imports_replies() -> None:
    assert [d for d in BELOW if "replies" in imported_domains(SERVICES / d)] == []


def test_the_llm_sdk_stays_in_the_port() -> None:
    sources = "".join(p.read_text(encoding="utf-8") for p in (SERVICES / "replies").rglob("*.py"))
    assert not re.search(r"^\s*(import openai|from openai)", sources, re.M)
