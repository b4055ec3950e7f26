"""The text rules every entry point shares: the API, the pages, the CLI and the importers.

Names and identifiers are stripped and must stay non-empty; no text may carry invalid Unicode
(a lone surrogate), NUL or other control characters, or the bidirectional overrides that make
text display differently from what it says. Free text may keep tabs and line breaks.
Refusals are ``ValueError`` so pydantic reports them as a 422 naming the field; importers wrap
the reason in a row problem naming the line and column.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BeforeValidator, ValidationError

from agent.errors import InvalidInput

# Embeddings, overrides and isolates (the "Trojan Source" characters).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\t\n\r")


def unsafe_reason(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` may not be stored, or None when it may."""
    if text.isascii() and text.isprintable():
        return None  # the common case, and none of the characters below is printable ASCII
    for char in text:
        point = ord(char)
        if 0xD800 <= point <= 0xDFFF:
            return "contains invalid Unicode (a lone surrogate)"
        if char == "\x00":
            return "contains a NUL character"
        if multiline and char in _LINE_BREAKS:
            continue
        if unicodedata.category(char) == "Cc":
            return f"contains the control character U+{point:04X}"
        if char in BIDI_CONTROLS:
            return f"contains the bidirectional control character U+{point:04X}"
    return None


def clean_line(text: str) -> str:
    """One line of text, stripped (outer tabs and line breaks too); ``ValueError`` naming what
    is wrong with what remains."""
    text = text.strip()
    reason = unsafe_reason(text)
    if reason is not None:
        raise ValueError(reason)
    return text


def clean_name(text: str) -> str:
    """A name or identifier: one line, stripped, not empty."""
    cleaned = clean_line(text)
    if not cleaned:
        raise ValueError("must not be empty or only spaces")
    return cleaned


def clean_text(text: str) -> str:
    """Free text (notes, reasons, e-mail bodies): line breaks allowed, kept as written."""
    reason = unsafe_reason(text, multiline=True)
    if reason is not None:
        raise ValueError(reason)
    return text


def invalid_input(exc: ValidationError) -> InvalidInput:
    """The first problem of a pydantic validation as the service error naming its field."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = str(first["msg"]).removeprefix("Value error, ")
    return InvalidInput(f"{field}: {message}" if field else message, field=field)


def _when_text(rule: Any) -> Any:
    """Apply ``rule`` to strings only; other types fall through to pydantic's own type error."""
    return BeforeValidator(lambda value: rule(value) if isinstance(value, str) else value)


# Markers for ``Annotated[str, Field(max_length=…), NAME]``: put them after any ``Field`` so the
# length is checked on the cleaned text.
NAME = _when_text(clean_name)
LINE = _when_text(clean_line)
FREE_TEXT = _when_text(clean_text)
