"""One router per resource; ``ROUTERS`` is what the application mounts, in this order."""

from __future__ import annotations

from fastapi import APIRouter

from parley.entrypoints.api.routes import (
    agreements,
    exchanges,
    handover,
    holdings,
    imports,
    keys,
    log,
    manifests,
    parties,
    plans,
    receipts,
    reports,
    requests,
    reviews,
    rounds,
    session,
    tranches,
    users,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    session.router,
    users.router,
    parties.router,
    holdings.router,
    requests.router,
    imports.router,
    reviews.router,
    agreements.router,
    plans.router,
    exchanges.router,
    manifests.router,
    tranches.router,
    handover.router,
    rounds.router,
    log.router,
    receipts.router,
    reports.router,
    keys.router,
)
