"""Invoice document upload: type from the bytes, size capped, stored under data_dir."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from agent.settings import Settings
from tests.api.builders import client_and_invoice
from tests.api.conftest import Keys

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_upload_then_refusals(client: TestClient, keys: Keys, settings: Settings) -> None:
    invoice = client_and_invoice(client, keys)
    url = f"/api/v1/invoices/{invoice['id']}/document"
    stored = client.post(
        url,
        files={"file": ("../../etc/passwd.pdf", PDF, "application/pdf")},
        headers=keys.auth("write"),
    )
    assert stored.status_code == 200, stored.text
    relative = stored.json()["document_path"]
    assert relative.startswith(f"documents/{invoice['id']}/") and relative.endswith(".pdf")
    assert (settings.data_dir / relative).read_bytes() == PDF
    assert ".." not in relative
    for name, content in (
        ("evil.pdf", b"<html><script>alert(1)</script></html>"),
        ("empty.pdf", b""),
        ("big.pdf", b"%PDF-" + b"0" * settings.document_max_bytes),
    ):
        refused = client.post(
            url, files={"file": (name, content, "application/pdf")}, headers=keys.auth("write")
        )
        assert refused.status_code in (413, 422), refused.text
        if refused.status_code == 422:
            assert refused.json()["field"] == "document"
    unchanged = client.get(f"/api/v1/invoices/{invoice['id']}", headers=keys.auth("read"))
    assert unchanged.json()["document_path"] == relative
    assert (
        client.post(
            url, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=keys.auth("read")
        ).status_code
        == 403
    )
    assert len(list(Path(settings.data_dir, "documents").rglob("*.pdf"))) == 1
