"""The import's document column: an http(s) URL, or a checked file beside the imported one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.cli.app import app
from agent.models import Invoice

runner = CliRunner()
HEADER = "Number,Client,Issue date,Due date,Currency,Amount,Document\n"


def test_urls_and_files_are_stored_and_bad_files_refuse_the_import(
    cli_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (folder / "evil.pdf").write_bytes(b"MZ\x90\x00 not a pdf")
    bad = folder / "bad.csv"
    bad.write_text(
        HEADER
        + "A-1,Acme,2026-01-01,2026-01-31,EUR,100.00,a.pdf\n"
        + "A-2,Acme,2026-01-01,2026-01-31,EUR,100.00,evil.pdf\n"
        + "A-3,Acme,2026-01-01,2026-01-31,EUR,100.00,../../etc/passwd\n"
    )
    refused = runner.invoke(app, ["import", "invoices", str(bad)])
    assert refused.exit_code == 2
    assert "only PDF, PNG or JPEG" in refused.output and "no file" in refused.output
    with Session(engine) as session:
        assert session.exec(select(Invoice)).all() == []

    good = folder / "good.csv"
    good.write_text(
        HEADER
        + "A-1,Acme,2026-01-01,2026-01-31,EUR,100.00,a.pdf\n"
        + "A-2,Acme,2026-01-01,2026-01-31,EUR,100.00,https://files.example/A-2.pdf\n"
    )
    imported = runner.invoke(app, ["import", "invoices", str(good)])
    assert imported.exit_code == 0, imported.output
    with Session(engine) as session:
        rows = {i.number: i for i in session.exec(select(Invoice))}
    assert rows["A-2"].document_url == "https://files.example/A-2.pdf"
    stored = Path(cli_env["PAYTRACK_DATA_DIR"]) / str(rows["A-1"].document_path)
    assert stored.read_bytes() == b"%PDF-1.4\n%%EOF\n"
