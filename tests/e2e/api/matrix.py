"""The authorisation matrix, written down once as data.

Each area's ``cases_*.py`` module lists, for every route it serves, one request on an
object and who may make it: ``CASES[(method, path template)] = Case(...)``. The object
belongs to party UA, or to the exchange between UA and RU, so for each route:

- ``own`` (a member of UA) acts on its own party's object;
- ``other`` (a member of RU) acts on the other party's object, or, for an object of the
  exchange, as the exchange's other party;
- ``outsider`` (a member of XA) is a party of no exchange here;
- ``mediator``, ``verifier``, ``observer``, ``admin`` act by role;
- ``anonymous`` sends no credentials.

``test_authorization_matrix.py`` sends every case's request as each of them: those in
``allowed`` must not be refused (no 401, no 403; a 404 or 409 of the object's state is
the service's answer, not a refusal), everyone else must get 403 (401 when anonymous).
A route of the application without a case fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["EVERYONE", "PRINCIPALS", "Case", "allow"]

PRINCIPALS = ("own", "other", "outsider", "mediator", "verifier", "observer", "admin", "anonymous")
EVERYONE = frozenset(PRINCIPALS)


def allow(*who: str) -> frozenset[str]:
    """The principals allowed; ``"parties"`` is ``own``, ``other`` and ``outsider``,
    ``"users"`` is everyone but ``anonymous``."""
    out: set[str] = set()
    for name in who:
        if name == "parties":
            out |= {"own", "other", "outsider"}
        elif name == "users":
            out |= EVERYONE - {"anonymous"}
        else:
            assert name in PRINCIPALS, name
            out.add(name)
    return frozenset(out)


@dataclass(frozen=True)
class Case:
    """One request on a route, and who may make it.

    ``url`` is the concrete path (with its query), ``json``/``content``/``files``/
    ``headers`` the rest of the request, as ``httpx`` takes them.
    """

    url: str
    allowed: frozenset[str]
    json: Any = None
    content: bytes | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
