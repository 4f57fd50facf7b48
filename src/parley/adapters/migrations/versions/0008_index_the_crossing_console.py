"""index the crossing console: its people in crossing order, and counted by state

The console's list is read a page at a time in crossing order, and a tranche's status
counts its people by state at every turn of the console; without these SQLite sorted
the whole tranche each time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_crossings_order", "crossings", ["tranche_id", "side", "position"], unique=False
    )
    op.create_index(
        "ix_crossings_state", "crossings", ["tranche_id", "side", "reason", "state"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_crossings_state", table_name="crossings")
    op.drop_index("ix_crossings_order", table_name="crossings")
