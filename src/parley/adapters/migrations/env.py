"""Alembic environment: runs migrations on the engine parley hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from parley.adapters.orm import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - parley always passes one
    raise RuntimeError("parley's migrations run through parley.adapters.db.upgrade")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite's DDL is transactional too (parley issues BEGIN itself): all migrations
        # in one transaction, so that a second process never sees a half-made schema.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
