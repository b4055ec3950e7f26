"""Bulk inserts store what Core stores; IN lists come in a few lengths."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from agent.bulk import BulkInsert, in_list
from agent.models import Invoice, InvoiceEvent
from tests.factories import make_invoice

EVENT = InvoiceEvent.__table__  # type: ignore[attr-defined]
COLUMNS = ("invoice_id", "kind", "occurred_at", "actor", "actor_user_id", "data")


def test_rows_read_back_as_core_would_have_stored_them(engine: Engine, session: Session) -> None:
    invoice_id = make_invoice(session).id
    session.commit()
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    # Tabs, newlines, backslashes and \N are what COPY's text format must escape (PostgreSQL).
    data = {"text": "ü\t\n\\N", "on": date(2026, 3, 1).isoformat()}
    row = {"invoice_id": invoice_id, "kind": "note_added", "occurred_at": at, "actor": "t\t\\N",
           "actor_user_id": None, "data": data}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(EVENT), [row])
        BulkInsert(EVENT, COLUMNS, dialect=engine.dialect).execute(connection, [row, row])
        stored = connection.exec_driver_sql(
            f"SELECT {', '.join(COLUMNS)} FROM invoice_event WHERE kind = 'note_added'"
        ).all()
    # The stored values themselves (text on SQLite), not what reading them back makes of them.
    assert len(stored) == 3 and len({repr(tuple(r)) for r in stored}) == 1


def test_a_row_the_database_refuses_raises_sqlalchemys_integrity_error(engine: Engine) -> None:
    """As Core's insert would: the API maps it to a 409, and COPY goes around SQLAlchemy."""
    row = {"invoice_id": 987_654, "kind": "note_added", "occurred_at": datetime.now(UTC),
           "actor": "t", "actor_user_id": None, "data": {}}  # fmt: skip
    with pytest.raises(IntegrityError), engine.begin() as connection:
        BulkInsert(EVENT, COLUMNS, dialect=engine.dialect).execute(connection, [row])


def test_a_column_with_a_python_default_must_be_given(engine: Engine) -> None:
    table = Invoice.__table__  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="paid_minor"):
        BulkInsert(table, ("number", "created_at", "updated_at"), dialect=engine.dialect)


def test_in_lists_are_padded_to_powers_of_two_with_a_value_already_there() -> None:
    assert in_list([]) == []
    assert in_list(["a"]) == ["a"]
    assert in_list(["a", "b", "c"]) == ["a", "b", "c", "a"]
    assert [len(in_list(range(n))) for n in (5, 500, 1_000, 1_024, 1_025)] == [
        8,
        512,
        1_024,
        1_024,
        2_048,
    ]
