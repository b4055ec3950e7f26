"""What Alembic compares: paytrack's tables, not the ones LangGraph's checkpointer manages."""

from __future__ import annotations


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """LangGraph's checkpointer keeps its own tables (``checkpoint*``) in the same database."""
    return not (type_ == "table" and name is not None and name.startswith("checkpoint"))
