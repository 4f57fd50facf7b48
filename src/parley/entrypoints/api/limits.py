"""Limits that keep one client from taking the server: body sizes and request rates.

- A request body is refused with 413 as soon as it passes its limit, counted as it
  arrives (a client that lies in ``Content-Length``, or sends none, is caught too):
  ``max_body`` for everything, ``max_upload`` for the import routes, which stream the
  file to disk instead of holding it in memory.
- Logins are limited per client address and user name, writes per token (or per address
  for a web session), each by a token bucket: a burst, then a steady rate. Beyond it the
  answer is 429 with ``Retry-After``.
- Time: the database waits at most 10 s for a lock (then 503 ``DatabaseBusy``), and the
  server closes idle connections (``parley serve``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.errors import ParleyError

__all__ = ["BodyLimit", "RateLimited", "RateLimiter", "TooLarge"]

_UPLOADS = "/imports"  # a path holding this is an upload route


class TooLarge(ParleyError):
    """A request body passed its limit."""


class RateLimited(ParleyError):
    """A client sent more requests of a kind than its limit allows.

    Args:
        message: what was limited.
        retry_after: seconds until the next request of the kind is accepted.
    """

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BodyLimit:
    """ASGI middleware: refuse a body longer than its limit with 413, without reading on."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if _UPLOADS in scope["path"] else self.max_body
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = [0]
        started = [False]

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > limit:
                    raise TooLarge(f"the request body is larger than {limit:,} bytes")
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                started[0] = True
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        except TooLarge:
            if not started[0]:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = (
        '{"type":"https://parley.local/problems/request-too-large","title":"Request too large",'
        f'"status":413,"detail":"the request body is larger than {limit:,} bytes"}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets per (kind, who): ``burst`` requests at once, ``rate`` a second after.

    Args:
        limits: kind -> (rate per second, burst).
        clock: the monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        limits: dict[str, tuple[float, float]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self._now = clock

    def check(self, kind: str, who: str) -> None:
        """Take one request of ``kind`` from ``who``'s bucket.

        Raises:
            RateLimited: the bucket is empty; says when to try again.
        """
        rate, burst = self._limits[kind]
        now = self._now()
        with self._lock:
            bucket = self._buckets.get((kind, who))
            if bucket is None:
                bucket = self._buckets[kind, who] = _Bucket(burst, now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            wait = (1 - bucket.tokens) / rate
        raise RateLimited(
            f"too many {kind} requests; try again in {math.ceil(wait)} s", retry_after=wait
        )
