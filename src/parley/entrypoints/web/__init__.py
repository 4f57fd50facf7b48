"""The web app: server-rendered pages (Jinja2 and HTMX, no build step) on the API's
services and its web sessions, in English, Ukrainian and Russian.

``install(app)`` adds the pages (under ``/app`` for people signed in, ``/public`` for
everyone) and their static files to the API's application; the pages are left out of
the OpenAPI document.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from parley.entrypoints.web.errors import error_page
from parley.entrypoints.web.headers import SecurityHeaders
from parley.entrypoints.web.pages import PAGES

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Serve the pages and their static files from ``app``, with security headers."""
    app.mount("/static", StaticFiles(directory=str(files(__name__) / "static")), name="static")
    app.state.error_page = error_page
    for router in PAGES:
        app.include_router(router, include_in_schema=False)
    app.add_middleware(SecurityHeaders)
