"""Authorisation cases of agreements, plans, exchanges and manifests (see matrix.py).

The exchange is the world's "four for four" between UA and RU; the manifest is UA's of
tranche 2, which nobody has signed yet.
"""

from __future__ import annotations

from urllib.parse import quote

from tests.e2e.api.matrix import Case, allow
from tests.integration import exchange_support as ex

EXCHANGE = f"/exchanges/{quote(ex.EXCHANGE)}"
MANIFEST = f"{EXCHANGE}/tranches/2/manifests/UA"
# A small agreement the world's free people can satisfy: quick to plan.
TWO_FOR_TWO = """\
agreement: two for two
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {name: military, selector: category == pow, formula: parity}
minimum_per_side: 2
tranches: {dates: [2025-06-01], capacity_per_side: 2, max_lead: 1}
"""
PARTIES_AND_EXCHANGE = ("own", "other", "mediator", "verifier")

CASES = {
    ("POST", "/agreements/check"): Case(
        "/agreements/check",
        allow("parties", "mediator"),
        content=TWO_FOR_TWO.encode(),
        headers={"Content-Type": "application/yaml"},
    ),
    ("POST", "/plans"): Case("/plans", allow("mediator"), json={"agreement": TWO_FOR_TWO}),
    ("GET", "/plans"): Case("/plans", allow("mediator")),
    ("GET", "/plans/{plan_id}"): Case("/plans/1", allow("mediator")),
    # The world's exchange has adopted its plan already: the mediator gets 409.
    ("POST", "/exchanges"): Case("/exchanges", allow("mediator"), json={"agreement": ex.AGREEMENT}),
    ("GET", "/exchanges"): Case("/exchanges", allow("parties", "mediator", "verifier", "observer")),
    ("GET", "/exchanges/{exchange}"): Case(
        EXCHANGE, allow("own", "other", "mediator", "verifier", "observer")
    ),
    ("GET", "/exchanges/{exchange}/tranches/{number}/manifests/{side}"): Case(
        MANIFEST, allow(*PARTIES_AND_EXCHANGE)
    ),
    ("GET", "/exchanges/{exchange}/tranches/{number}/manifests/{side}/versions/{version}"): Case(
        f"{MANIFEST}/versions/1", allow(*PARTIES_AND_EXCHANGE)
    ),
    (
        "GET",
        "/exchanges/{exchange}/tranches/{number}/manifests/{side}/versions/{version}/document",
    ): Case(f"{MANIFEST}/versions/1/document", allow(*PARTIES_AND_EXCHANGE)),
    ("GET", "/exchanges/{exchange}/tranches/{number}/manifests/{side}/diff"): Case(
        f"{MANIFEST}/diff", allow(*PARTIES_AND_EXCHANGE)
    ),
    # Who may hand in a signature at all; a garbled one is then refused as no signature
    # (422). Whose name it may be in is tested in test_manifests_api.py.
    ("POST", "/exchanges/{exchange}/tranches/{number}/manifests/{side}/signatures"): Case(
        f"{MANIFEST}/signatures", allow("own", "other", "mediator"), json={"signature": "{}"}
    ),
}
