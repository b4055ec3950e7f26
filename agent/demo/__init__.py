"""The demo ledger generator: realistic, seeded, streaming."""
