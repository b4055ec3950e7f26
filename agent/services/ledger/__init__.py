"""Invoices, payments, clients, their history and standing, and ledger I/O."""
