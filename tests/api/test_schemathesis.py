"""Property-based run of schemathesis against the served OpenAPI document.

Every operation gets a bounded number of generated requests, valid and invalid, sent with an
admin key to a ledger holding one client, invoice and payment. No answer may be a 500, and
every answer must match the document: status code, content type, headers and body schema.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.api.conftest import Keys
from tests.factories import make_client, make_invoice, pay

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _seed(engine: Engine, keys: Keys) -> None:
    with Session(engine, expire_on_commit=False) as session:
        client = make_client(session, name="Seed Ltd")
        invoice = make_invoice(
            session,
            client=client,
            owner=keys.owner,
            issue_date=date.today() - timedelta(days=40),
        )
        pay(session, invoice, amount_minor=1_000, payment_date=date.today() - timedelta(days=1))
        session.commit()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_and_no_schema_violations(
    app: FastAPI, engine: Engine, keys: Keys, database_url: str, mode: GenerationMode
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the fuzzer; the suite covers PostgreSQL")
    _seed(engine, keys)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = keys.auth("admin")
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) > 30
    for operation in operations:
        if operation.path.startswith("/webhooks/") and operation.path.endswith("/test"):
            continue  # would post to whatever URL a generated subscription names

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            check()
        except Unsatisfiable:
            # Nothing about this operation can be made invalid (no parameters, no body).
            assert mode == GenerationMode.NEGATIVE, operation.label
