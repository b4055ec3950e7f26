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
    "meaning/v1/system.md": "2a003b9d546c27be",
    "meaning/v1/user.md": "2801bbe5869e5fa9",
    "reminder/v2/feedback.md": "d9aacb1ad27dafea",
    "reminder/v2/system.md": "1adff19170421e6d",
    "reminder/v2/user.md": "ccd47b445308283d",
    "templates/v2/README.md": "059b95fdb8b05ed5",
    "templates/v2/bg/block.j2": "1d102346b95da0dd",
    "templates/v2/bg/firm.j2": "29b80e6ad7f9f67d",
    "templates/v2/bg/formal.j2": "adf468921f7c0e80",
    "templates/v2/bg/friendly.j2": "2cecccba6f814aa3",
    "templates/v2/en/block.j2": "737947257b5fc996",
    "templates/v2/en/firm.j2": "cb17d5acc4c6de7e",
    "templates/v2/en/formal.j2": "65e4e8aaa0da94cc",
    "templates/v2/en/friendly.j2": "838a907e8a2c4cd4",
    "templates/v2/nl/block.j2": "3cd73a65673dea36",
    "templates/v2/nl/firm.j2": "414c33deba0ae344",
    "templates/v2/nl/formal.j2": "e91c2ae592290d6b",
    "templates/v2/nl/friendly.j2": "bb93f71bcfe2f883",
    "templates/v2/sv/block.j2": "f59ea0c18b126743",
    "templates/v2/sv/firm.j2": "c91f853c63db4c17",
    "templates/v2/sv/formal.j2": "203c63540f73d1eb",
    "templates/v2/sv/friendly.j2": "5fe684259e0dd57c",
}


def test_released_prompt_versions_are_unchanged() -> None:
    for name, digest in RELEASED.items():
        content = (PROMPTS_ROOT / name).read_bytes().replace(b"\r\n", b"\n")
        assert hashlib.sha256(content).hexdigest()[:16] == digest, f"{name} was edited"
    for version in ("reminder/v1", "templates/v1", "reminder/v2", "templates/v2", "meaning/v1"):
        present = {
            path.relative_to(PROMPTS_ROOT).as_posix()
            for path in (PROMPTS_ROOT / version).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        assert present == {name for name in RELEASED if name.startswith(version)}


def test_reminder_prompt_keeps_data_out_of_the_system_text() -> None:
    prompt = load_reminder_prompt()
    assert prompt.version == "reminder/v2"
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
