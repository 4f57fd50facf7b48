"""Authorisation cases of the session, users, tokens and the access log (see matrix.py).

Signing in needs no principal (a wrong password is the service's 401, and the eighth try
for one user name is rate limited, 429); users and tokens are the admin's alone; the
access log is the mediator's and the admin's. The user of the object is ua-office, of UA.
"""

from __future__ import annotations

from tests.e2e.api.conftest import PASSWORD
from tests.e2e.api.matrix import EVERYONE, Case, allow

CASES = {
    ("POST", "/session"): Case(
        "/session", EVERYONE, json={"user": "ua-office", "password": PASSWORD}
    ),
    ("DELETE", "/session"): Case("/session", allow("users")),
    ("GET", "/me"): Case("/me", allow("users")),
    ("GET", "/users"): Case("/users?role=party&party=UA", allow("admin")),
    ("POST", "/users"): Case(
        "/users",
        allow("admin"),
        json={"name": "ua-clerk", "role": "party", "party": "UA", "password": PASSWORD},
    ),
    ("POST", "/users/{name}/disable"): Case("/users/ua-office/disable", allow("admin")),
    ("POST", "/users/{name}/tokens"): Case(
        "/users/ua-office/tokens", allow("admin"), json={"label": "upload script", "days": 7}
    ),
    ("GET", "/tokens"): Case("/tokens?user=ua-office", allow("admin")),
    # Token 1 is ua-office's own: it is refused its own revocation like everyone else.
    ("DELETE", "/tokens/{token_id}"): Case("/tokens/1", allow("admin")),
    ("GET", "/access-log"): Case(
        "/access-log?user=ua-office&object_kind=holdings", allow("mediator", "admin")
    ),
}
