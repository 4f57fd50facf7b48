"""Signing in and out, the language menu, and the first page after signing in.

The sign-in form opens the same web session as ``POST /session`` does for a program;
signing out ends it. A failed sign-in says the same whatever was wrong, and tries are
rate limited per address and user name before the password is checked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from parley.entrypoints.api.deps import SESSION_COOKIE, BackendDep
from parley.entrypoints.web import i18n
from parley.entrypoints.web.deps import PAGE, SignedIn
from parley.entrypoints.web.errors import local_path
from parley.entrypoints.web.render import page
from parley.errors import NotAuthenticated
from parley.services import auth
from parley.services.secured import manifests

__all__ = ["router"]

router = APIRouter(dependencies=PAGE)


@router.get("/")
def start() -> RedirectResponse:
    return RedirectResponse("/app", status_code=303)


@router.get("/language/{code}")
def choose_language(code: str, next: str | None = None) -> RedirectResponse:
    """Show pages in ``code`` from now on (a cookie), and go back to the page."""
    response = RedirectResponse(local_path(next, "/public"), status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    return response


@router.get("/app/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", {"next": local_path(next), "failed": False, "user": ""})


@router.post("/app/login")
def log_in(
    request: Request,
    backend: BackendDep,
    user: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/app",
) -> Response:
    client = request.client.host if request.client else "unknown"
    backend.limiter.check("login", f"{client}:{user}")
    try:
        made = auth.login(backend.unit(), user, password, now=datetime.now(UTC))
    except NotAuthenticated:
        context = {"next": local_path(next), "failed": True, "user": user}
        return page(request, "login.html", context, status_code=401)
    request.state.principal = made.principal  # the access log names who signed in
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        made.token,
        expires=made.expires_at,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/app/logout")
def log_out(request: Request, backend: BackendDep, _viewer: SignedIn) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE, "")
    auth.logout(backend.unit(), token, now=datetime.now(UTC))
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/app")
def home(request: Request, backend: BackendDep, viewer: SignedIn) -> Response:
    """The exchanges the viewer may see, with their totals."""
    exchanges = manifests.list_exchanges(backend.unit(read_only=True), viewer)
    return page(request, "home.html", {"exchanges": exchanges})
