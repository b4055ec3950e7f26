"""``agent/errors.py`` draws its exception tree in the docstring; keep the drawing complete."""

from __future__ import annotations

import inspect
import re

from agent import errors


def _drawn() -> dict[str, str]:
    """Each class name in the drawing, mapped to the name drawn one level above it."""
    parents: dict[int, str] = {}
    found: dict[str, str] = {}
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^([│ ]*)(?:[├└]── )?([A-Z]\w+(?:, [A-Z]\w+)*)", line)
        if match is None or not line.strip():
            continue
        depth = len(match.group(1)) // 4 + (1 if re.search(r"[├└]── ", line) else 0)
        names = match.group(2).split(", ")
        for name in names:
            found[name] = parents.get(depth - 1, "")
        parents[depth] = names[-1]
    return found


def test_every_error_is_drawn_under_its_parent() -> None:
    drawn = _drawn()
    classes = [
        cls
        for _name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.PaytrackError) and cls is not errors.PaytrackError
    ]
    assert len(classes) >= 25
    for cls in classes:
        assert cls.__name__ in drawn, f"{cls.__name__} is missing from the tree"
        assert drawn[cls.__name__] == cls.__mro__[1].__name__, cls.__name__
