"""store draft plans: the plan document and the people it releases or keeps in reserve

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index("ix_plans_agreement", "plans", ["agreement_name", "created_at"])
    op.create_table(
        "plan_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=100), nullable=False),
        sa.Column("tranche", sa.Integer(), nullable=True),
        sa.Column("reserve_rank", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(tranche IS NULL) <> (reserve_rank IS NULL)",
            name=op.f("ck_plan_releases_one_place"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_releases_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["party_code"], ["parties.code"], name=op.f("fk_plan_releases_party_code_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_releases")),
        sa.UniqueConstraint(
            "plan_id",
            "party_code",
            "record_id",
            name=op.f("uq_plan_releases_plan_id_party_code_record_id"),
        ),
    )
    op.create_index("ix_plan_releases_record", "plan_releases", ["party_code", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_plan_releases_record", table_name="plan_releases")
    op.drop_table("plan_releases")
    op.drop_index("ix_plans_agreement", table_name="plans")
    op.drop_table("plans")
