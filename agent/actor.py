"""Who made a change: a person, an API key, the scheduler or an import. Written into history."""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(label=f"system:{name}")

    @classmethod
    def cli(cls) -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(label=f"cli:{who}")

    @classmethod
    def person(cls, user_id: int, email: str) -> Actor:
        return cls(label=f"user:{email}", user_id=user_id)
