"""create the foundation tables

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    op.create_table(
        "parties",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_parties")),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_code"], ["parties.code"], name=op.f("fk_imports_party_code_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_table(
        "holdings",
        sa.Column("detention_place", sa.String(length=200), nullable=True),
        sa.Column("health", sa.String(length=32), nullable=True),
        sa.Column("seriously_ill", sa.Boolean(), nullable=False),
        sa.Column("seriously_ill_basis", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("patronymic", sa.String(length=100), nullable=True),
        sa.Column("name_lang", sa.String(length=8), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("birth_place", sa.String(length=200), nullable=True),
        sa.Column("nationality", sa.String(length=3), nullable=True),
        sa.Column("mother_maiden_name", sa.String(length=100), nullable=True),
        sa.Column("rank", sa.String(length=100), nullable=True),
        sa.Column("service_number", sa.String(length=50), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("document_number", sa.String(length=50), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("captured_on", sa.Date(), nullable=True),
        sa.Column("capture_place", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_holdings_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["party_code"], ["parties.code"], name=op.f("fk_holdings_party_code_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holdings")),
        sa.UniqueConstraint(
            "record_id", "party_code", name=op.f("uq_holdings_record_id_party_code")
        ),
    )
    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("party_code", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_import", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_code"], ["parties.code"], name=op.f("fk_record_versions_party_code_parties")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_import"],
            ["imports.id"],
            name=op.f("fk_record_versions_replaced_by_import_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
    )
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_versions_record", ["kind", "party_code", "record_id"], unique=False
        )

    op.create_table(
        "requests",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("patronymic", sa.String(length=100), nullable=True),
        sa.Column("name_lang", sa.String(length=8), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("birth_place", sa.String(length=200), nullable=True),
        sa.Column("nationality", sa.String(length=3), nullable=True),
        sa.Column("mother_maiden_name", sa.String(length=100), nullable=True),
        sa.Column("rank", sa.String(length=100), nullable=True),
        sa.Column("service_number", sa.String(length=50), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("document_number", sa.String(length=50), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("captured_on", sa.Date(), nullable=True),
        sa.Column("capture_place", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_requests_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["party_code"], ["parties.code"], name=op.f("fk_requests_party_code_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint(
            "record_id", "party_code", name=op.f("uq_requests_record_id_party_code")
        ),
    )
    for table in ("holdings", "requests"):
        op.create_index(f"ix_{table}_party", table, ["party_code", "status"])


def downgrade() -> None:
    for table in ("holdings", "requests"):
        op.drop_index(f"ix_{table}_party", table_name=table)
    op.drop_table("requests")
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_record_versions_record")

    op.drop_table("record_versions")
    op.drop_table("holdings")
    op.drop_table("imports")
    op.drop_table("parties")
    op.drop_table("events")
