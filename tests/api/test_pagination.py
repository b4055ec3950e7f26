"""Cursor pagination stays stable while invoices are inserted between pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.api.conftest import Keys
from tests.factories import make_client, make_invoice

START = date.today() - timedelta(days=100)


@pytest.mark.parametrize("sort", ["due_date", "-due_date", "number", "-amount_minor", "id"])
def test_pages_neither_skip_nor_repeat_while_rows_arrive(
    client: TestClient, keys: Keys, engine: Engine, sort: str
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        acme = make_client(session, name="Acme")
        originals = {
            make_invoice(
                session,
                client=acme,
                owner=keys.owner,
                number=f"P-{n:03d}",
                issue_date=START,
                # Many ties on the sort key: the id must break them.
                due_date=START + timedelta(days=10 + n % 4),
                amount_minor=1_000 * (1 + n % 3),
            ).id
            for n in range(23)
        }
        session.commit()
    seen: list[int] = []
    cursor = None
    inserted = 0
    while True:
        query = f"/api/v1/invoices?sort={sort}&limit=5" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(query, headers=keys.auth("read")).json()
        seen.extend(item["id"] for item in page["items"])
        with Session(engine, expire_on_commit=False) as session:
            # One row sorting before everything, one tying the current keys, one after all.
            for offset in (0, 11, 30):
                inserted += 1
                make_invoice(
                    session,
                    client=acme,
                    owner=keys.owner,
                    number=f"N-{inserted:03d}",
                    issue_date=START,
                    due_date=START + timedelta(days=offset),
                    amount_minor=1_000 + inserted,
                )
            session.commit()
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "a row was served twice"
    assert originals <= set(seen), "a row that existed from the start was skipped"
