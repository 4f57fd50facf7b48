"""build the public log: entries with commitments, the Merkle tree, salts and checkpoints

Existing events get their public entries and leaves, in ``seq`` order, so the log covers
everything that happened before the upgrade too.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    op.create_table(
        "person_salts",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("party_code", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("kind", "party_code", "record_id", name=op.f("pk_person_salts")),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("log_key", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("entry", sa.LargeBinary(), nullable=True))
    from parley.adapters.eventlog import backfill_entries

    backfill_entries(op.get_bind())
    with op.batch_alter_table("events") as batch:
        batch.alter_column("entry", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("entry")
    op.drop_table("checkpoints")
    op.drop_table("person_salts")
    op.drop_table("log_head")
    op.drop_table("log_nodes")
