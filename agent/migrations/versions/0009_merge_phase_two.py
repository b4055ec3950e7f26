"""merge the phase-two branches: send integrity, ledger integrity, drafting, pages, charges,
replies and scale

Revision ID: 0009
Revises: 0007_i11, 0006_i12, 0006_i13, 0006_i14, 0008_i16, 0006_i17, 0006_i18
Create Date: 2026-12-02 07:20:00
"""

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | tuple[str, ...] | None = (
    "0007_i11",
    "0006_i12",
    "0006_i13",
    "0006_i14",
    "0008_i16",
    "0006_i17",
    "0006_i18",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
