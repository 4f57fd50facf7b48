"""What a route depends on, as ``Annotated`` aliases: the backend, a unit of work, the
principal, the clock.

A request is authenticated by an API token (``Authorization: Bearer parley_...``) or by
a web session (the ``parley_session`` cookie set by ``POST /session``). A request on a
session that changes anything must also carry the session's CSRF token in the
``X-CSRF-Token`` header: a page of another site can make the browser send the cookie,
but cannot read the token. A token is never sent in a URL.

The dependencies here are ``async``: FastAPI runs a plain function in its thread pool,
and each hop there and back (a plain route costs two: FastAPI checks its answer in the
pool as well) cost more than the query it ran. Switching threads was most of a read's
time. So what only reads, the principal's token and the most read routes, goes through
:meth:`Backend.read`: on SQLite it runs on the event loop itself, since a read of a WAL
file never waits for a writer; on a server database, which answers each statement over
the network, in the thread pool. Everything that writes runs in the pool.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from parley import bootstrap
from parley.config import Settings
from parley.domain.access import Principal
from parley.entrypoints.api.audit import AuditTrail
from parley.entrypoints.api.limits import RateLimiter
from parley.errors import NotAuthenticated, NotPermitted
from parley.services.auth import authenticate_token, remembered_token, session_principal
from parley.services.ports import AccessUnitOfWork

__all__ = [
    "PUBLIC",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "Backend",
    "BackendDep",
    "CurrentPrincipal",
    "MaybePrincipal",
    "Now",
    "Unit",
]

SESSION_COOKIE = "parley_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


P = ParamSpec("P")
R = TypeVar("R")


@dataclass(slots=True)
class Backend:
    """What the application runs on; one per application.

    Attributes:
        settings: the settings it was started with.
        engine: the database (``bootstrap.connect``).
        trail: the access log's writer.
        limiter: the rate limits.
        after_tranche_event: called after a change of a tranche (the mediator's
            checkpoint, as the CLI signs one; see ``app.py``).
    """

    settings: Settings
    engine: Any
    trail: AuditTrail
    limiter: RateLimiter
    after_tranche_event: Callable[[], None]

    def unit(self, *, read_only: bool = False) -> AccessUnitOfWork:
        """A fresh unit of work on the database."""
        return bootstrap.access_unit_of_work(self.engine, read_only=read_only)

    async def read(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``call(*args, **kwargs)``, which only reads the database, where it costs least:
        at once on SQLite, in the thread pool on a server database (see above)."""
        if self.engine.dialect.name == "sqlite":
            return call(*args, **kwargs)
        return await run_in_threadpool(call, *args, **kwargs)


async def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


BackendDep = Annotated[Backend, Depends(_backend)]


async def _unit(request: Request, backend: BackendDep) -> AccessUnitOfWork:
    # A GET only reads: on SQLite its unit never waits for, or holds up, a writer.
    return backend.unit(read_only=request.method in SAFE_METHODS)


Unit = Annotated[AccessUnitOfWork, Depends(_unit)]


async def _now() -> datetime:
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(_now)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token made with `parley tokens new` (shown once).",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description=f"A web session from `POST /session`; changes also need `{CSRF_HEADER}`.",
)


def _who(request: Request, token: str) -> str:
    """A name for the rate limiter that is not the credential itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


async def _maybe_principal(
    request: Request,
    backend: BackendDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_cookie)],
) -> Principal | None:
    now = datetime.now(UTC)
    if credentials is not None:
        token = credentials.credentials
        principal = remembered_token(token, now=now) or await backend.read(
            authenticate_token, backend.unit(read_only=True), token, now=now
        )
    elif session is not None:
        token = session
        principal, csrf = await backend.read(
            session_principal, backend.unit(read_only=True), session, now=now
        )
        sent = request.headers.get(CSRF_HEADER, "")
        if request.method not in SAFE_METHODS and not hmac.compare_digest(sent, csrf):
            raise NotPermitted(
                f"a change made with a web session needs the session's {CSRF_HEADER} header"
            )
    else:
        return None
    request.state.principal = principal
    if request.method not in SAFE_METHODS:
        backend.limiter.check("write", _who(request, token))
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(_maybe_principal)]

# A route anyone may call, signed in or not, says so in its OpenAPI security: ``{}``
# (no credentials), added by FastAPI to the schemes the route lists. Give it as the
# route's ``openapi_extra``.
PUBLIC: dict[str, Any] = {"security": [{}]}


async def _principal(principal: MaybePrincipal) -> Principal:
    if principal is None:
        raise NotAuthenticated(
            "this needs an API token (Authorization: Bearer ...) or a web session (POST /session)"
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(_principal)]
