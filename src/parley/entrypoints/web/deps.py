"""What a page depends on: its language, and who is signed in.

Pages use the web session of ``POST /session`` (the ``parley_session`` cookie). Every form
a page sends carries the session's CSRF token in a hidden ``csrf_token`` field, and every
HTMX request in the ``X-CSRF-Token`` header (``base.html`` adds it), so a page of another
site that makes the browser send the cookie still cannot change anything.

A page asked for without a session answers with the sign-in page's address; an error on
a page is shown as a page (``errors.py``), not as the API's problem details.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from parley.domain.access import Principal
from parley.entrypoints.api.deps import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, BackendDep
from parley.entrypoints.web import i18n
from parley.errors import NotAuthenticated, NotPermitted
from parley.services.auth import session_principal

__all__ = ["PAGE", "Language", "SignedIn", "page_request"]

CSRF_FIELD = "csrf_token"


def page_request(request: Request) -> str:
    """Mark ``request`` as a page's (errors answer as pages) and settle its language.

    The language comes from ``?lang=`` (the menu's links), the ``parley_lang`` cookie, or
    ``Accept-Language``, in that order.
    """
    request.state.page = True
    language = i18n.choose(
        request.query_params.get("lang") or request.cookies.get(i18n.LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )
    request.state.language = language
    return language


Language = Annotated[str, Depends(page_request)]
PAGE = [Depends(page_request)]


async def _signed_in(request: Request, backend: BackendDep, _language: Language) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("sign in to see this page")
    principal, csrf = await run_in_threadpool(
        session_principal, backend.unit(read_only=True), token, now=datetime.now(UTC)
    )
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else ""
        if not hmac.compare_digest(sent, csrf):
            raise NotPermitted("this form is out of date or not from parley; reload the page")
    request.state.principal = principal
    request.state.csrf = csrf
    return principal


SignedIn = Annotated[Principal, Depends(_signed_in)]
