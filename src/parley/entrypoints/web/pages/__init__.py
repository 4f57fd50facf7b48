"""The pages, one module per part of the app; ``PAGES`` are their routers."""

from __future__ import annotations

from parley.entrypoints.web.pages import session

__all__ = ["PAGES"]

PAGES = [session.router]
