"""run the exchange: tranches, manifests, crossings, rounds

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "rounds",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mediator", sa.String(length=200), nullable=True),
        sa.Column("delegations", sa.Text(), nullable=False),
        sa.Column("agreements", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_rounds")),
    )
    op.create_table(
        "commitments",
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("precondition", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_number"], ["rounds.number"], name=op.f("fk_commitments_round_number_rounds")
        ),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_commitments")),
    )
    op.create_table(
        "exchanges",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agreement", sa.Text(), nullable=False),
        sa.Column("agreement_sha256", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_exchanges_plan_id_plans")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exchanges")),
    )
    op.create_table(
        "tranches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(length=200), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("tracks", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("owed", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange"], ["exchanges.name"], name=op.f("fk_tranches_exchange_exchanges")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_tranches_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tranches")),
        sa.UniqueConstraint("exchange", "number", name=op.f("uq_tranches_exchange_number")),
    )
    op.create_table(
        "crossings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tranche_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("listed_in", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("identity_confirmed", sa.Boolean(), nullable=False),
        sa.Column("identity_disputed", sa.Boolean(), nullable=False),
        sa.Column("will_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=48), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["side"], ["parties.code"], name=op.f("fk_crossings_side_parties")),
        sa.ForeignKeyConstraint(
            ["tranche_id"], ["tranches.id"], name=op.f("fk_crossings_tranche_id_tranches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crossings")),
        sa.UniqueConstraint(
            "tranche_id", "side", "record_id", name=op.f("uq_crossings_tranche_id_side_record_id")
        ),
    )
    op.create_index("ix_crossings_record", "crossings", ["side", "record_id"], unique=False)
    op.create_table(
        "manifests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tranche_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["side"], ["parties.code"], name=op.f("fk_manifests_side_parties")),
        sa.ForeignKeyConstraint(
            ["tranche_id"], ["tranches.id"], name=op.f("fk_manifests_tranche_id_tranches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manifests")),
        sa.UniqueConstraint(
            "tranche_id", "side", "version", name=op.f("uq_manifests_tranche_id_side_version")
        ),
    )
    op.create_table(
        "neutral_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tranche_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("finding", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tranche_id"], ["tranches.id"], name=op.f("fk_neutral_findings_tranche_id_tranches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neutral_findings")),
    )
    op.create_table(
        "tranche_balances",
        sa.Column("tranche_id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=100), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tranche_id"], ["tranches.id"], name=op.f("fk_tranche_balances_tranche_id_tranches")
        ),
        sa.PrimaryKeyConstraint("tranche_id", "track", "side", name=op.f("pk_tranche_balances")),
    )
    op.create_table(
        "manifest_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manifest_id", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["manifest_id"],
            ["manifests.id"],
            name=op.f("fk_manifest_signatures_manifest_id_manifests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manifest_signatures")),
        sa.UniqueConstraint(
            "manifest_id", "signer", name=op.f("uq_manifest_signatures_manifest_id_signer")
        ),
    )


def downgrade() -> None:

    op.drop_table("manifest_signatures")
    op.drop_table("tranche_balances")
    op.drop_table("neutral_findings")
    op.drop_table("manifests")
    op.drop_index("ix_crossings_record", table_name="crossings")
    op.drop_table("crossings")
    op.drop_table("tranches")
    op.drop_table("exchanges")
    op.drop_table("commitments")
    op.drop_table("rounds")
    op.drop_table("idempotency_keys")
