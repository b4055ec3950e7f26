"""merge the review-queue and API branches

Revision ID: 0005
Revises: 0004a, 0004b
Create Date: 2026-11-22 11:45:00
"""

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | tuple[str, ...] | None = ("0004a", "0004b")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
