"""The offline drafter: deterministic templates from ``prompts/templates`` write the prose.

Used when no LLM is configured and as the fallback when the LLM's prose fails the checks. It
writes the same four prose fields an LLM would; the code adds the facts block around them.
"""

from __future__ import annotations

import re

from agent.drafting.compose import template_context
from agent.drafting.facts import PROSE_FIELDS, DraftFacts, DraftProse
from prompts.loader import CURRENT_TEMPLATE_VERSION, ReminderPrompt, environment

# trim_blocks eats the line break after a closing tag, so "---" may follow on the same line.
_SEPARATOR = re.compile(r"\n?---\n")


class TemplateDrafter:
    """Implements the writer port with templates; ``model`` is recorded as ``template``."""

    model = "template"

    def __init__(self, *, version: str = CURRENT_TEMPLATE_VERSION) -> None:
        self.prompt_version = version

    def write(
        self,
        facts: DraftFacts,
        prompt: ReminderPrompt | None = None,
        *,
        feedback: list[str] | None = None,
    ) -> DraftProse:
        """Render the prose; ``prompt`` and ``feedback`` are for LLM writers and ignored."""
        template = environment(self.prompt_version).get_template(
            f"{facts.language}/{facts.tone.value}.j2"
        )
        parts = _SEPARATOR.split(template.render(**template_context(facts)).strip())
        fields = zip(PROSE_FIELDS, parts, strict=True)  # a template of another shape is a bug
        return DraftProse(**{name: part.strip() for name, part in fields})
