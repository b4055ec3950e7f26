"""Reading spreadsheets row by row: CSV (UTF-8, BOM, comma or semicolon) and ``.xlsx``.

Header cells are recognised case-, space- and punctuation-insensitively against a table of
synonyms per field; ``--map FIELD=COLUMN`` names the rest. Line numbers are what a spreadsheet
user sees: the header is line 1.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from agent.errors import InvalidInput

# What a cell may hold: text from CSV; text, numbers or dates from xlsx.
Cell = str | int | float | date | datetime | None

_DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SourceRow:
    """One non-blank data row of a file, with the line number a spreadsheet user sees."""

    line: int
    cells: dict[str, Cell]


@dataclass(frozen=True)
class ColumnMap:
    """Which file column (by header text) holds each field."""

    columns: dict[str, str]

    def has(self, field: str) -> bool:
        return field in self.columns


def header_key(text: str) -> str:
    """``"Invoice #"`` → ``"invoice"``-style folding: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def parse_map_options(values: Sequence[str], *, fields: Sequence[str]) -> dict[str, str]:
    """``["number=Inv No"]`` → ``{"number": "Inv No"}``; an unknown field name is refused."""
    mapping: dict[str, str] = {}
    for value in values:
        field, sep, column = value.partition("=")
        field = field.strip()
        if not sep or not field or not column.strip():
            raise InvalidInput(f"--map {value!r} must look like FIELD=COLUMN", field="map")
        if field not in fields:
            raise InvalidInput(
                f"--map names unknown field {field!r}; known fields: {', '.join(fields)}",
                field="map",
            )
        mapping[field] = column.strip()
    return mapping


def resolve_columns(
    headers: Sequence[str],
    *,
    synonyms: Mapping[str, Sequence[str]],
    mapping: Mapping[str, str],
) -> ColumnMap:
    """Match the file's headers to fields: explicit ``--map`` first, then synonyms."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    columns: dict[str, str] = {}
    for field, column in mapping.items():
        found = column if column in headers else by_key.get(header_key(column))
        if found is None:
            raise InvalidInput(
                f"--map {field}={column}: the file has no column {column!r} "
                f"(columns: {', '.join(h for h in headers if h)})",
                field="map",
            )
        columns[field] = found
    taken = set(columns.values())
    for field, names in synonyms.items():
        if field in columns:
            continue
        for name in names:
            match = by_key.get(header_key(name))
            if match is not None and match not in taken:
                columns[field] = match
                taken.add(match)
                break
    return ColumnMap(columns=columns)


def unquote_text(text: str) -> str:
    """Undo an export's formula neutralisation (``'=x`` → ``=x``) and trim spaces."""
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _DANGEROUS_STARTS:
        return text[1:]
    return text


class Table:
    """A file opened for reading: its headers now, its rows streamed on iteration."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InvalidInput(f"no such file: {path}", field="file")
        self.path = path
        self.is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
        self.headers = self._read_headers()
        if not any(self.headers):
            raise InvalidInput(f"{path.name} has no header row", field="file")

    def _read_headers(self) -> list[str]:
        for first in self._raw_rows():
            return [_header_text(cell) for cell in first]
        return []

    def _raw_rows(self) -> Iterator[Sequence[Cell]]:
        if self.is_xlsx:
            yield from _xlsx_rows(self.path)
        else:
            yield from _csv_rows(self.path)

    def rows(self) -> Iterator[SourceRow]:
        """Every non-blank data row; blank lines are skipped but still counted."""
        raw = self._raw_rows()
        next(raw, None)
        for line, values in enumerate(raw, start=2):
            cells = {
                header: _cell(value)
                for header, value in zip(self.headers, values, strict=False)
                if header
            }
            if all(v is None for v in cells.values()):
                continue
            yield SourceRow(line=line, cells=cells)

    def column(self, header: str) -> Iterator[tuple[int, Cell]]:
        """(line, cell) for every row whose ``header`` column is not empty; a cheap scan."""
        # The last column of that name, as in ``rows`` where a later cell overwrites an earlier.
        index = max(i for i, name in enumerate(self.headers) if name == header)
        raw = self._raw_rows()
        next(raw, None)
        for line, values in enumerate(raw, start=2):
            value = _cell(values[index]) if index < len(values) else None
            if value is not None:
                yield line, value


def _cell(value: Cell) -> Cell:
    """A cell as the row parsers see it: text unquoted and stripped, empty text as None."""
    if isinstance(value, str):
        return unquote_text(value) or None
    return value


def _header_text(cell: Cell) -> str:
    return "" if cell is None else str(cell).lstrip("\ufeff").strip()


def _csv_rows(path: Path) -> Iterator[list[str]]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            delimiter = _guess_delimiter(handle.readline())
            handle.seek(0)
            yield from csv.reader(handle, delimiter=delimiter)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV",
            field="file",
        ) from None


def _guess_delimiter(header_line: str) -> str:
    """The separator used in the header: semicolon (European Excel), tab or comma."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _xlsx_rows(path: Path) -> Iterator[Sequence[Cell]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InvalidInput(
            f"{path.name} is not a readable .xlsx file: {exc}", field="file"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()
