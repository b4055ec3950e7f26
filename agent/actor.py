"""Who is acting: a person, an API key, the scheduler or an import. Written into history.

``sees_all`` is the one input the access rule (``agent.services.access.ownership``) needs: an
admin, the scheduler and the operator at the CLI act on every owner's invoices; an owner (and
any key of an owner) only on their own.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None
    sees_all: bool = False

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(label=f"system:{name}", sees_all=True)

    @classmethod
    def cli(cls) -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(label=f"cli:{who}", sees_all=True)

    @classmethod
    def person(cls, user_id: int, email: str, *, admin: bool = False) -> Actor:
        return cls(label=f"user:{email}", user_id=user_id, sees_all=admin)

    @classmethod
    def api_key(cls, prefix: str, *, user_id: int, admin: bool) -> Actor:
        """A key acts as its user, never with more power."""
        return cls(label=f"api-key:{prefix}", user_id=user_id, sees_all=admin)
