"""Aging, KPIs, the dashboard, expected cash, the invoice table and monthly review."""
