"""Alembic migrations for paytrack's schema (``paytrack db upgrade``)."""
