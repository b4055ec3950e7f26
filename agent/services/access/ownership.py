"""The access rule: an owner sees and acts on their own invoices, clients' invoices and drafts;
an admin, the scheduler and the CLI operator on all. Every owner-scoped service applies it here.

Another owner's row is reported as not found (404), never as forbidden, so ids leak nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from agent.actor import Actor
from agent.errors import Forbidden, NotFound

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def owner_scope(actor: Actor) -> int | None:
    """The owner whose rows the actor may see, or ``None`` for all owners."""
    return None if actor.sees_all else actor.user_id


def may_act_on(actor: Actor, owner_id: int | None) -> bool:
    return actor.sees_all or (actor.user_id is not None and actor.user_id == owner_id)


def scoped(statement: S, actor: Actor, owner_column: ColumnElement[Any] | Any) -> S:
    """``statement`` limited to rows the actor may see (``owner_column`` holds the owner id)."""
    if actor.sees_all:
        return statement
    return statement.where(owner_column == actor.user_id)


def require_owner(actor: Actor, owner_id: int | None, *, not_found: NotFound) -> None:
    """Raises ``not_found`` unless the actor may act on a row owned by ``owner_id``."""
    if not may_act_on(actor, owner_id):
        raise not_found


def require_admin(actor: Actor, *, doing: str, field: str | None = None) -> None:
    """Raises ``Forbidden`` unless the actor sees every owner's rows (admin, system, CLI)."""
    if not actor.sees_all:
        raise Forbidden(f"only an admin can {doing}", field=field)
