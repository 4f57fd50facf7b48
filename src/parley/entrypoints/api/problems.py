"""Errors as RFC 9457 problem details, mapped from the one error tree in one place.

Every error a route can give has the same body::

    {"type": "https://parley.local/problems/not-permitted", "title": "Not permitted",
     "status": 403, "detail": "user ua-office (party of UA) may not ...",
     "instance": "/parties/RU/holdings"}

``detail`` is the error's own message, which names record ids and fields and never a
person (``parley.errors``). An error parley did not raise on purpose is a 500 whose
body says only that it was logged, with an id to quote; its traceback goes to the
server's log, never to the client.
"""

from __future__ import annotations

import logging
import math
import traceback
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from parley.entrypoints.api.limits import RateLimited, TooLarge
from parley.errors import (
    Conflict,
    DatabaseBusy,
    FileRejected,
    ImportRejected,
    InvalidValue,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    ParleyError,
    TransitionNotAllowed,
    VerificationFailed,
)

__all__ = ["PROBLEM_RESPONSES", "Problem", "install_problem_handlers", "problem_response"]

_LOG = logging.getLogger("parley.api")
PROBLEM_TYPE = "https://parley.local/problems/"
MEDIA_TYPE = "application/problem+json"

# Most specific first: the first branch an error belongs to gives its status.
_STATUS: tuple[tuple[type[ParleyError], int, str], ...] = (
    (NotAuthenticated, 401, "Not authenticated"),
    (NotPermitted, 403, "Not permitted"),
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (TransitionNotAllowed, 409, "Transition not allowed"),
    (ImportRejected, 422, "Import rejected"),
    (FileRejected, 422, "File rejected"),
    (InvalidValue, 422, "Invalid value"),
    (VerificationFailed, 422, "Verification failed"),
    (DatabaseBusy, 503, "Database busy"),
    (RateLimited, 429, "Too many requests"),
    (TooLarge, 413, "Request too large"),
)


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None


_HTTP_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not permitted",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": title, "content": {MEDIA_TYPE: {}}}
    for status, title in _HTTP_TITLES.items()
    if status in (401, 403, 404, 409, 413, 422, 429, 503)
}


# Where the web app's pages are (``parley.entrypoints.web``): an error there, even before
# a page's route is found, is shown as a page.
PAGE_PATHS = ("/app/", "/public/")


def _slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem details response for ``request``; on a page, the page's error page."""
    error_page = getattr(request.app.state, "error_page", None)
    on_page = getattr(request.state, "page", False) or request.url.path.startswith(PAGE_PATHS)
    if error_page is not None and on_page:
        shown: Response = error_page(request, status, detail, errors)
        if headers:
            shown.headers.update(headers)
        return shown
    body = Problem(
        type=PROBLEM_TYPE + _slug(title),
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def status_of(error: ParleyError) -> tuple[int, str]:
    """The HTTP status and title of a parley error."""
    for kind, status, title in _STATUS:
        if isinstance(error, kind):
            return status, title
    return 400, "Bad request"


async def _parley_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParleyError)
    status, title = status_of(exc)
    headers = {"WWW-Authenticate": 'Bearer realm="parley"'} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "1"}
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    return problem_response(
        request, status, title, str(exc), errors=_problems(exc), headers=headers
    )


def _problems(exc: ParleyError) -> list[dict[str, Any]] | None:
    """Every problem of a rejected file, each where it is and what is wrong."""
    if isinstance(exc, ImportRejected):
        return [
            {"row": p.row, "column": p.column, "msg": p.message, "where": p.describe(exc.source)}
            for p in exc.problems
        ]
    if isinstance(exc, FileRejected):
        return [{"msg": line} for line in exc.problems]
    return None


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Where and what, never the value sent: it may be a person's data.
    errors = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": e.get("msg", "")}
        for e in exc.errors()
    ]
    where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
    return problem_response(request, 422, "Invalid request", where, errors=errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(request, exc.status_code, title, detail, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    incident = uuid.uuid4().hex[:12]
    # The error's type and where it was raised, not its text: that may quote a value.
    _LOG.error(
        "unexpected %s on %s %s (incident %s)\n%s",
        type(exc).__name__,
        request.method,
        request.url.path,
        incident,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return problem_response(
        request, 500, "Internal error", f"the server failed; the incident {incident} is logged"
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error to a problem details response."""
    app.add_exception_handler(ParleyError, _parley_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
