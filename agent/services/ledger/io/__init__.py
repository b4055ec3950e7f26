"""Spreadsheet and CSV import and export of the ledger."""
