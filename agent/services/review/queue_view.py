"""One page of a review queue: search, filters, sort and paging over ``reviews.queue`` items.

Access is already applied by ``reviews.queue`` (it takes the viewer); this module only narrows
and orders what the viewer may see. Amounts are ranked within their currency, never across:
sorting by amount groups drafts by currency, largest first within each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent.services.review.reviews import RISK_RANK, QueueItem

PAGE_SIZE = 25


class QueueSort(StrEnum):
    SEND_TIME = "send_time"
    AMOUNT = "amount"
    DAYS_OVERDUE = "days_overdue"
    RISK = "risk"


@dataclass(frozen=True)
class QueueQuery:
    search: str = ""
    risk_band: str | None = None
    tone: str | None = None
    milestone: str | None = None
    language: str | None = None
    stale: bool | None = None
    sort: QueueSort = QueueSort.SEND_TIME
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    pages: int
    # What the filters can offer, from every item before filtering.
    choices: dict[str, list[str]] = field(default_factory=dict)


def days_overdue(item: QueueItem) -> int:
    return max((listed.days_overdue for listed, _ in item.invoices), default=0)


def _p_late(item: QueueItem) -> float:
    value = (item.draft.risk_snapshot or {}).get("p_late")
    return float(value) if isinstance(value, int | float) else -1.0


def _matches(item: QueueItem, query: QueueQuery) -> bool:
    needle = query.search.strip().casefold()
    if needle and not (
        needle in item.client.name.casefold()
        or any(needle in number.casefold() for number in item.invoice_numbers)
    ):
        return False
    checks: list[tuple[Any, Any]] = [
        (query.risk_band, item.risk_band or "unscored"),
        (query.tone, str(item.draft.tone)),
        (query.milestone, item.draft.milestone),
        (query.language, item.draft.language),
        (query.stale, bool(item.stale_reasons)),
    ]
    return all(wanted is None or wanted == actual for wanted, actual in checks)


SORT_KEYS: dict[QueueSort, Callable[[QueueItem], tuple[Any, ...]]] = {
    QueueSort.SEND_TIME: lambda i: (
        i.draft.suggested_send_at,
        RISK_RANK.get(i.risk_band or "", 3),
    ),
    QueueSort.AMOUNT: lambda i: (i.currency, -i.outstanding_minor),
    QueueSort.DAYS_OVERDUE: lambda i: (-days_overdue(i),),
    QueueSort.RISK: lambda i: (RISK_RANK.get(i.risk_band or "", 3), -_p_late(i)),
}


def _choices(items: Sequence[QueueItem]) -> dict[str, list[str]]:
    return {
        "risk_band": sorted(
            {i.risk_band or "unscored" for i in items}, key=lambda b: RISK_RANK.get(b, 3)
        ),
        "tone": sorted({str(i.draft.tone) for i in items}),
        "milestone": sorted({i.draft.milestone for i in items}, key=_milestone_order),
        "language": sorted({i.draft.language for i in items}),
    }


def _milestone_order(name: str) -> tuple[int, int]:
    if name == "pre_due":
        return (0, 0)
    if name.startswith("overdue_") and name[8:].isdigit():
        return (1, int(name[8:]))
    return (2, 0)


def page_of(items: Sequence[QueueItem], query: QueueQuery) -> QueuePage:
    """The items matching ``query``, sorted, cut to one page (pages count from 1)."""
    kept = [i for i in items if _matches(i, query)]
    kept.sort(key=lambda i: (*SORT_KEYS[query.sort](i), i.draft.id))
    size = max(1, query.page_size)
    pages = max(1, -(-len(kept) // size))
    page = min(max(1, query.page), pages)
    return QueuePage(
        items=kept[(page - 1) * size : page * size],
        total=len(kept),
        page=page,
        pages=pages,
        choices=_choices(items),
    )
