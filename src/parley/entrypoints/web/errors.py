"""Errors on a page, shown as a page in the page's language.

The API answers errors as RFC 9457 problem details (``api/problems.py``); a request that
``deps.page_request`` marked as a page's gets this instead. A page that needs a session
sends the browser to sign in, and back afterwards.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from parley.entrypoints.web.render import gettext as _
from parley.entrypoints.web.render import page

__all__ = ["error_page", "local_path"]


def local_path(target: str | None, default: str = "/app") -> str:
    """``target`` if it is a path on this server, else ``default``.

    A sign-in page's ``next`` comes from the address bar: an address of another site there
    would send someone who just signed in to it.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _title(status: int) -> str:
    titles = {
        400: _("This cannot be done"),
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("This cannot be done now"),
        413: _("Too large"),
        422: _("Something in the form is wrong"),
        429: _("Too many tries"),
        503: _("Busy, try again"),
    }
    return titles.get(status, _("Something went wrong"))


def error_page(
    request: Request, status: int, detail: str, errors: list[dict[str, Any]] | None
) -> Response:
    """The page for an error on a page: sign in for a 401, else what went wrong."""
    if status == 401:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = urllib.parse.urlencode({"next": local_path(here)})
        if request.headers.get("HX-Request"):
            # An HTMX request follows a redirect itself; send the whole page instead.
            return Response(status_code=204, headers={"HX-Redirect": f"/app/login?{query}"})
        return RedirectResponse(f"/app/login?{query}", status_code=303)
    context = {"title": _title(status), "detail": detail, "errors": errors or []}
    return page(request, "error.html", context, status_code=status)
