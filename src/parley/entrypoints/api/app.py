"""The FastAPI application: routers, error mapping, limits and the access log.

``create_app`` builds it on the configured database; ``parley serve`` runs it with
uvicorn. Routes are thin: each parses its input, calls one secured service
(``parley.services.secured``: the policy is checked there, not only here) and shapes the
answer. OpenAPI is served at ``/docs``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from parley import __version__, bootstrap
from parley.config import Settings
from parley.entrypoints import web
from parley.entrypoints.api.audit import AccessRecorder, AuditTrail
from parley.entrypoints.api.deps import Backend
from parley.entrypoints.api.limits import BodyLimit, RateLimiter
from parley.entrypoints.api.problems import PROBLEM_RESPONSES, install_problem_handlers
from parley.entrypoints.api.routes import ROUTERS
from parley.services.auth import AccessEntry, record_access

__all__ = ["create_app"]

_LOG = logging.getLogger("parley.api")

DESCRIPTION = """\
The HTTP API of parley: a reciprocal prisoner exchange run through a neutral mediator.

Authenticate with an API token (`Authorization: Bearer parley_...`, made with
`parley tokens new`) or a web session (`POST /session`; changes made with a session also
need its `X-CSRF-Token`). Each role sees what DESIGN.md says it may: a party its own
records and the manifests of its exchanges, never the other side's unmatched holdings
and never a refusal; an observer aggregates, checkpoints and proofs only.

Every error is an RFC 9457 problem details object (`application/problem+json`).
Lists take `limit` and `offset` and answer a page with `total` and `next_offset`.
"""


def create_app(
    settings: Settings,
    *,
    after_tranche_event: Callable[[], None] | None = None,
    rate_limits: dict[str, tuple[float, float]] | None = None,
) -> FastAPI:
    """The application on ``settings``' database (its schema created if empty).

    Args:
        settings: where the database is, and the limits.
        after_tranche_event: called after each change of a tranche; by default nothing
            (``parley serve`` passes the mediator's checkpoint signer).
        rate_limits: kind -> (per second, burst); by default ``settings``'.

    Raises:
        ConfigurationError: the database cannot be reached or is at another schema.
    """
    engine = bootstrap.connect(settings)

    def store(entries: Sequence[AccessEntry]) -> None:
        record_access(bootstrap.access_unit_of_work(engine), entries)

    backend = Backend(
        settings=settings,
        engine=engine,
        trail=AuditTrail(store),
        limiter=RateLimiter(rate_limits or settings.rate_limits),
        after_tranche_event=after_tranche_event or (lambda: None),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        backend.trail.start()
        try:
            yield
        finally:
            backend.trail.stop()

    app = FastAPI(
        title="parley",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
    )
    app.state.backend = backend
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    web.install(app)

    @app.get("/health", tags=["health"], summary="Whether the server is up")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(AccessRecorder, trail=lambda: backend.trail)
    app.add_middleware(BodyLimit, max_body=settings.max_body, max_upload=settings.max_upload)
    return app
