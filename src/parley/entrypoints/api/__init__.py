"""The HTTP API (FastAPI): ``create_app`` builds it, ``parley serve`` runs it."""

from __future__ import annotations

from parley.entrypoints.api.app import create_app

__all__ = ["create_app"]
