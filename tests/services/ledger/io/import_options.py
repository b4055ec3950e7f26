"""The import options the import tests share: Ann owns what a row does not assign, in euros."""

from __future__ import annotations

from datetime import date

from agent.services.ledger.io.imports.invoice_rows import InvoiceRowOptions

TODAY = date(2026, 3, 1)


def options(**overrides: object) -> InvoiceRowOptions:
    values: dict[str, object] = {
        "default_currency": "EUR",
        "default_owner": "Ann <ann@example.com>",
        "default_terms_days": 30,
        "default_language": "en",
        "today": TODAY,
    }
    values.update(overrides)
    return InvoiceRowOptions(**values)  # type: ignore[arg-type]
