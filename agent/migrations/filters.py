"""What Alembic compares: paytrack's tables, not the ones LangGraph's checkpointer manages."""

from __future__ import annotations

# Kept by triggers, outside the models' metadata (``agent.services.ledger.ledger_version``).
UNMODELLED_TABLES = frozenset({"ledger_version"})


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """LangGraph's checkpointer keeps its own tables (``checkpoint*``) in the same database."""
    if type_ != "table" or name is None:
        return True
    return not name.startswith("checkpoint") and name not in UNMODELLED_TABLES
