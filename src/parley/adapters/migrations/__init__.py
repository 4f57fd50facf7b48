"""Alembic migrations of parley's schema, oldest first under ``versions/``."""

HEAD = "0009"
