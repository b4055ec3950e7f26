"""The risk view of a reminder's client, for the tone policy and the send date."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from agent.settings import Settings


def assess(engine: Engine, *, context: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return {"band": None, "p_late": None, "reasons": [], "source": "unavailable"}
