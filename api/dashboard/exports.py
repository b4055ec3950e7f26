"""Streaming a table view as CSV or XLSX: every matching row, not just the page's first ones."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from agent.actor import Actor
from agent.services.reporting import invoice_table
from api.pages.common import transaction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


def _csv(request: Request, query: invoice_table.TableQuery, actor: Actor) -> Iterator[bytes]:
    # The read transaction lives as long as the download, inside the response's iterator.
    with transaction(request) as session:
        rows = invoice_table.stream(session, query=query, actor=actor)
        for chunk in invoice_table.csv_chunks(rows):
            yield chunk.encode("utf-8")


def _xlsx(request: Request, query: invoice_table.TableQuery, actor: Actor) -> Iterator[bytes]:
    # A workbook is a zip, written whole; it is spooled to disk, then streamed out.
    with tempfile.TemporaryFile() as spool:
        with transaction(request) as session:
            invoice_table.write_xlsx(invoice_table.stream(session, query=query, actor=actor), spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


def table_export(
    request: Request, query: invoice_table.TableQuery, fmt: str, *, actor: Actor
) -> Response:
    """The invoice table view ``query`` as a download named for its day."""
    name = f"invoices-{query.as_of}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "xlsx":
        return StreamingResponse(_xlsx(request, query, actor), media_type=XLSX, headers=headers)
    return StreamingResponse(
        _csv(request, query, actor), media_type="text/csv; charset=utf-8", headers=headers
    )
