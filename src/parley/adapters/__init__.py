"""Adapters: storage (SQLAlchemy), file formats, and everything else that does I/O."""
