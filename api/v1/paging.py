"""Cursor pagination on ids for the simple lists (clients, payments, users)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from agent.errors import InvalidInput
from agent.services.ledger.invoice_search import InvoiceSort, decode_cursor, encode_cursor
from api.v1.schemas import Page

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class AfterId:
    after_id: int | None


def _after(
    cursor: Annotated[
        str | None,
        Query(max_length=500, description="next_cursor of the previous page."),
    ] = None,
) -> AfterId:
    if cursor is None:
        return AfterId(None)
    _value, row_id = decode_cursor(cursor, sort=InvoiceSort.ID)
    if row_id < 0:
        raise InvalidInput("the cursor is not one this list handed out", field="cursor")
    return AfterId(row_id)


IdCursor = Annotated[AfterId, Depends(_after)]


def id_page(rows: Sequence[Any], *, limit: int, out: type[M]) -> Page[M]:
    """A page of ``out`` from ``limit + 1`` rows fetched in id order."""
    items = [out.model_validate(row, from_attributes=True) for row in rows[:limit]]
    next_cursor = (
        encode_cursor(rows[limit - 1].id, rows[limit - 1].id) if len(rows) > limit else None
    )
    return Page[out](items=items, next_cursor=next_cursor)  # type: ignore[valid-type]
