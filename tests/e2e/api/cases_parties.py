"""Authorisation cases of the parties' routes (see matrix.py)."""

from __future__ import annotations

from tests.e2e.api.matrix import Case, allow

CASES = {
    ("GET", "/parties"): Case("/parties", allow("users")),
    ("POST", "/parties"): Case(
        "/parties", allow("mediator"), json={"code": "ZZ", "name": "Party ZZ", "language": "en"}
    ),
}
