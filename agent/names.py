"""Names people and clients type, made safe to store and to put in a letter.

A name is one line of visible text: control, bidirectional and zero-width characters are
removed (they hide or reorder what a reader sees), runs of spaces fold to one, and a line break
is refused rather than folded, since a name that spans lines is an attempt to write a letter.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 200
_LINE_BREAKS = re.compile(r"[\n\r\u0085\u2028\u2029\v\f]")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


class UnsafeName(ValueError):
    """A name that cannot be made one safe line."""


def clean_name(value: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """``value`` as one visible line; raises ``UnsafeName`` for line breaks, empty or too long."""
    text = unicodedata.normalize("NFKC", value)
    if _LINE_BREAKS.search(text.strip()):
        raise UnsafeName("a name must be one line")
    visible = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in _INVISIBLE_CATEGORIES
    )
    line = " ".join(visible.split())
    if not line:
        raise UnsafeName("a name must hold visible characters")
    if len(line) > max_chars:
        raise UnsafeName(f"a name may hold at most {max_chars} characters")
    return line


def display_name(value: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """A stored name as a letter may show it, even one saved before names were checked:
    line breaks fold to spaces instead of being refused, and the rest is cut to ``max_chars``."""
    folded = _LINE_BREAKS.sub(" ", value)
    try:
        return clean_name(folded, max_chars=10**6)[:max_chars].rstrip()
    except UnsafeName:
        return ""
