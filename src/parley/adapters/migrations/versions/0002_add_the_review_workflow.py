"""add the review workflow: reconciliation runs, proposals, decisions, merged requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COUNTS = (
    "requests", "holdings", "candidate_pairs", "matched", "review", "no_match",
    "proposed", "kept_confirmed", "kept_escalated", "superseded", "merged",
)  # fmt: skip


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_code", sa.String(length=8), nullable=False),
        sa.Column("holder_code", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        *(_count(name) for name in COUNTS),
        _fk("reconciliation_runs", "requester_code", "parties.code"),
        _fk("reconciliation_runs", "holder_code", "parties.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_runs")),
    )
    op.create_index(
        "ix_reconciliation_runs_parties",
        "reconciliation_runs",
        ["requester_code", "holder_code"],
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("holding_id", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("proposals", "run_id", "reconciliation_runs.id"),
        _fk("proposals", "request_id", "requests.id"),
        _fk("proposals", "holding_id", "holdings.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index("ix_proposals_run", "proposals", ["run_id"])
    op.create_index("ix_proposals_state", "proposals", ["state", "request_id"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("acting_as", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        _fk("review_decisions", "proposal_id", "proposals.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index("ix_review_decisions_proposal", "review_decisions", ["proposal_id"])
    op.create_table(
        "request_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=8), nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        _fk("request_merges", "party_code", "parties.code"),
        _fk("request_merges", "kept_id", "requests.id"),
        _fk("request_merges", "merged_id", "requests.id"),
        _fk("request_merges", "run_id", "reconciliation_runs.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_merges")),
        sa.UniqueConstraint("merged_id", name=op.f("uq_request_merges_merged_id")),
    )
    op.create_index("ix_request_merges_kept", "request_merges", ["kept_id"])


def downgrade() -> None:
    op.drop_index("ix_request_merges_kept", table_name="request_merges")
    op.drop_table("request_merges")
    op.drop_index("ix_review_decisions_proposal", table_name="review_decisions")
    op.drop_table("review_decisions")
    op.drop_index("ix_proposals_state", table_name="proposals")
    op.drop_index("ix_proposals_run", table_name="proposals")
    op.drop_table("proposals")
    op.drop_index("ix_reconciliation_runs_parties", table_name="reconciliation_runs")
    op.drop_table("reconciliation_runs")
