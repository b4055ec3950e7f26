"""Prompt versions are immutable once released, and only ``agent/llm.py`` imports openai."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from prompts.loader import PROMPTS_ROOT, environment, load_reminder_prompt

# A released version is never edited: a change is a new version directory with new digests.
RELEASED = {
    "reminder/v1/feedback.md": "b6e6e77a2bb7af61",
    "reminder/v1/system.md": "79f4fbc1a699bfd7",
    "reminder/v1/user.md": "501634fcca6fc2bf",
    "templates/v1/README.md": "ad54955e0c114664",
    "templates/v1/bg/_common.j2": "9b472ce96eb13aa3",
    "templates/v1/bg/firm.j2": "a4faca5529ed246b",
    "templates/v1/bg/formal.j2": "7f7753ecc65b0ab9",
    "templates/v1/bg/friendly.j2": "cd7554ac5fb530cb",
    "templates/v1/en/_common.j2": "5a91692dbd813b42",
    "templates/v1/en/firm.j2": "b5a532e7ca5d34db",
    "templates/v1/en/formal.j2": "d7070af717787ada",
    "templates/v1/en/friendly.j2": "8a4759483bf47047",
    "templates/v1/nl/_common.j2": "a9383f496389cdc9",
    "templates/v1/nl/firm.j2": "b6f270d8fa1819bb",
    "templates/v1/nl/formal.j2": "c97227690b5c8cbe",
    "templates/v1/nl/friendly.j2": "ebec3cad99a419b7",
    "templates/v1/sv/_common.j2": "48bcaa4625fde097",
    "templates/v1/sv/firm.j2": "f9fca2315af097fd",
    "templates/v1/sv/formal.j2": "5281aac6f619d98a",
    "templates/v1/sv/friendly.j2": "75a6d634f479d5fc",
}


def test_released_prompt_versions_are_unchanged() -> None:
    for name, digest in RELEASED.items():
        content = (PROMPTS_ROOT / name).read_bytes().replace(b"\r\n", b"\n")
        assert hashlib.sha256(content).hexdigest()[:16] == digest, f"{name} was edited"
    for version in ("reminder/v1", "templates/v1"):
        present = {
            path.relative_to(PROMPTS_ROOT).as_posix()
            for path in (PROMPTS_ROOT / version).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        assert present == {name for name in RELEASED if name.startswith(version)}


def test_reminder_prompt_keeps_data_out_of_the_system_text() -> None:
    prompt = load_reminder_prompt()
    assert prompt.version == "reminder/v1"
    assert "{{" not in prompt.system
    user = prompt.user_message(facts_json='{"a": "{{ 7*7 }}"}', untrusted_json="{}")
    assert '{"a": "{{ 7*7 }}"}' in user and "49" not in user


def test_unknown_or_unsafe_versions_are_refused() -> None:
    for version in ("../agent", "reminder/v99", "reminder"):
        with pytest.raises(ValueError, match="prompt version"):
            environment(version)


def test_openai_is_imported_only_in_agent_llm() -> None:
    root = Path(__file__).resolve().parents[2]
    importers = {
        path.relative_to(root).as_posix()
        for folder in ("agent", "api", "risk", "prompts")
        if (root / folder).is_dir()
        for path in (root / folder).rglob("*.py")
        if re.search(r"^\s*(?:import openai|from openai\b)", path.read_text(), re.MULTILINE)
    }
    assert importers == {"agent/llm.py"}
