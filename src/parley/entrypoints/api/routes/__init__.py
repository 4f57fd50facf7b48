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
    people,
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

# A request is matched against each route in turn, and matching it cost a read as much as
# its queries did: the routes the crossing's consoles read all day come first. No two
# routers' paths overlap, so the order decides nothing else (but the order of /docs).
ROUTERS: tuple[APIRouter, ...] = (
    tranches.router,
    handover.router,
    holdings.router,
    log.router,
    session.router,
    users.router,
    parties.router,
    people.router,
    requests.router,
    imports.router,
    reviews.router,
    agreements.router,
    plans.router,
    exchanges.router,
    manifests.router,
    rounds.router,
    receipts.router,
    reports.router,
    keys.router,
)
