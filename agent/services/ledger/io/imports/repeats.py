"""Invoice numbers a file repeats, found in two cheap passes over its number column.

The importer streams a file, so remembering every number it has read would make its memory
grow with the file. The first pass keeps one 64-bit hash per row (8 bytes) and finds the hashes
seen more than once; the second collects the lines of just those numbers, so a hash collision
costs a little work and never a false report.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

NumberCells = Callable[[], Iterable[tuple[int, str]]]


@dataclass(frozen=True)
class Repeats:
    """How many numbered rows a file has, and each number it holds on more than one line."""

    rows: int
    lines: dict[str, list[int]]


def repeated_numbers(cells: NumberCells) -> Repeats:
    """Scan ``cells()`` (line, number) twice: once for hashes, once for the repeats' lines."""
    hashes = array("q", (hash(number) for _line, number in cells()))
    ordered = np.sort(np.frombuffer(hashes, dtype=np.int64))
    twice = set(ordered[1:][ordered[1:] == ordered[:-1]].tolist())
    lines: dict[str, list[int]] = {}
    for line, number in cells() if twice else ():
        if hash(number) in twice:
            lines.setdefault(number, []).append(line)
    repeated = {number: found for number, found in lines.items() if len(found) > 1}
    return Repeats(rows=len(hashes), lines=repeated)
