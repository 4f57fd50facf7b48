"""protect personal data: each record's purpose, and the retention register

Each holding and request carries the purpose it is held for (DOMAIN.md §4, purpose
limitation); records stored before hold the exchange's, repatriation. The retention
register keeps what ``parley retention apply`` removed: counts, never a person.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RECORDS = ("holdings", "requests")


def upgrade() -> None:
    for table in _RECORDS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(
                    "purpose", sa.String(length=32), server_default="repatriation", nullable=False
                )
            )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )


def downgrade() -> None:
    op.drop_table("retention_runs")
    for table in _RECORDS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("purpose")
