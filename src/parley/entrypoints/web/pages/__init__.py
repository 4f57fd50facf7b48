"""The pages, one module per part of the app; ``PAGES`` are their routers."""

from __future__ import annotations

from parley.entrypoints.web.pages import (
    agreement,
    crossing,
    imports,
    manifests,
    overview,
    public,
    reviews,
    session,
)

__all__ = ["PAGES"]

PAGES = [
    session.router,
    overview.router,
    imports.router,
    reviews.router,
    agreement.router,
    manifests.router,
    crossing.router,
    public.router,
]
