"""The ledger's version: a counter that every change to invoices, payments or clients bumps.

Database triggers keep it (migration ``0010_i18b``), so every writer counts: the services,
bulk imports, the demo generator, ``db copy``, another process. The table lives outside the
models' metadata on purpose: copies, exports and test truncation leave it alone, so the
counter never runs backwards. A reader that notes the version *before* reading the ledger
knows that what it reads is at least that new; cached figures are keyed on it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, select
from sqlmodel import Session

LEDGER_VERSION = Table(
    "ledger_version",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)


def current(session: Session) -> int:
    """The version of the ledger as committed now (0 before its first change)."""
    return int(session.execute(select(LEDGER_VERSION.c.version)).scalar() or 0)
