"""Loads prompt and template versions from this package's directories.

Rendering uses Jinja2's sandbox with autoescape off (the output is plain text). Client data
only ever arrives as variable *values*, which Jinja2 never evaluates, so ``{{ 7*7 }}`` in a
client's name prints as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

PROMPTS_ROOT = Path(__file__).resolve().parent
CURRENT_REMINDER_VERSION = "reminder/v2"
CURRENT_MEANING_VERSION = "meaning/v1"
CURRENT_TEMPLATE_VERSION = "templates/v2"
_VERSION = re.compile(r"^[a-z_]+/v[0-9]+$")


def _version_dir(version: str) -> Path:
    if not _VERSION.match(version):
        raise ValueError(f"prompt version {version!r} is not of the form 'name/vN'")
    path = PROMPTS_ROOT / version
    if not path.is_dir():
        raise ValueError(f"prompt version {version!r} does not exist")
    return path


@lru_cache(maxsize=8)
def environment(version: str) -> SandboxedEnvironment:
    """The Jinja2 environment for one version's files (cached; versions are immutable)."""
    return SandboxedEnvironment(
        loader=FileSystemLoader(_version_dir(version)),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class ReminderPrompt:
    """The LLM prompt for a reminder: a fixed system text and templated user messages."""

    version: str
    system: str

    def user_message(self, *, facts_json: str, untrusted_json: str) -> str:
        template = environment(self.version).get_template("user.md")
        return template.render(facts_json=facts_json, untrusted_json=untrusted_json)

    def feedback_message(self, *, problems: list[str]) -> str:
        template = environment(self.version).get_template("feedback.md")
        return template.render(problems=problems)


@lru_cache(maxsize=8)
def load_reminder_prompt(version: str = CURRENT_REMINDER_VERSION) -> ReminderPrompt:
    system = (_version_dir(version) / "system.md").read_text(encoding="utf-8").strip()
    return ReminderPrompt(version=version, system=system)


@dataclass(frozen=True)
class MeaningPrompt:
    """The meaning check's prompt: a fixed system text, the prose quoted in the user message."""

    version: str
    system: str

    def user_message(self, *, expected_json: str, prose_json: str) -> str:
        template = environment(self.version).get_template("user.md")
        return template.render(expected_json=expected_json, prose_json=prose_json)


@lru_cache(maxsize=8)
def load_meaning_prompt(version: str = CURRENT_MEANING_VERSION) -> MeaningPrompt:
    system = (_version_dir(version) / "system.md").read_text(encoding="utf-8").strip()
    return MeaningPrompt(version=version, system=system)
