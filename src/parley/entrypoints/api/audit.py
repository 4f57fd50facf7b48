"""The access log: who read or changed what, when and from where.

Every request a user makes, read or write, is recorded after its response: the user,
role and party, the client's address, the method and the route *template*
(``/parties/{party}/holdings/{record_id}``), the object's kind and id (record ids,
never a name; from the path, or ``request.state.object_id`` where a route's object
travels in its body), whether it read or wrote, and the status. The documentation and the
health check are not recorded.

Entries are written by one background thread in batches, at most ``interval`` seconds
after the request, so that a read costs no write transaction of its own (on SQLite each
would wait for the one writer and for the disk). A process killed outright loses at most
that last fraction of a second of the access log; the data and the public log it
records are written by the requests' own transactions and lose nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.domain.access import Principal
from parley.services.auth import AccessEntry

__all__ = ["AccessRecorder", "AuditTrail"]

_LOG = logging.getLogger("parley.api")
_UNRECORDED = ("/docs", "/redoc", "/openapi.json", "/health", "/static")


class AuditTrail:
    """A buffer of access entries and the thread that stores them.

    Args:
        store: writes a batch of entries in one transaction.
        interval: seconds between writes.
    """

    def __init__(self, store: Callable[[Sequence[AccessEntry]], None], interval: float = 0.1):
        self._store = store
        self._interval = interval
        self._pending: list[AccessEntry] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start writing in the background."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="parley-audit", daemon=True)
            self._thread.start()

    def add(self, entry: AccessEntry) -> None:
        """Queue one entry."""
        with self._lock:
            self._pending.append(entry)

    def flush(self) -> None:
        """Store what is queued now."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            try:
                self._store(batch)
            except Exception as e:  # kept, and tried again at the next turn
                _LOG.error("the access log could not be written: %s", type(e).__name__)
                with self._lock:
                    self._pending[:0] = batch

    def stop(self) -> None:
        """Store what is left and stop the thread."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self._interval)
            self.flush()


class AccessRecorder:
    """ASGI middleware that records each request in the audit trail after it is answered."""

    def __init__(self, app: ASGIApp, trail: Callable[[], AuditTrail | None]) -> None:
        self.app = app
        self._trail = trail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_UNRECORDED):
            await self.app(scope, receive, send)
            return
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            trail = self._trail()
            if trail is not None:
                trail.add(_entry(scope, status[0]))


def _entry(scope: Scope, status: int) -> AccessEntry:
    state: dict[str, Any] = scope.get("state") or {}
    principal: Principal | None = state.get("principal")
    route = scope.get("route")
    template = getattr(route, "path", None) or "(no route)"
    tags = getattr(route, "tags", None) or []
    params: dict[str, Any] = scope.get("path_params") or {}
    client = scope.get("client")
    method = scope["method"]
    return AccessEntry(
        at=datetime.now(UTC),
        user=principal.user if principal else None,
        role=principal.role.value if principal else None,
        party=principal.party if principal else None,
        client=(client[0] if client else "")[:64],
        method=method[:8],
        route=template[:200],
        object_kind=str(tags[0])[:32] if tags else None,
        # A route whose object travels in the body names it in ``request.state``.
        object_id=str(state.get("object_id") or "/".join(str(v) for v in params.values()))[:200]
        or None,
        action="read" if method in ("GET", "HEAD") else "write",
        status=status,
    )
