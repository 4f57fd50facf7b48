"""Authorisation cases of the public log, receipts, keys, rounds and reports (see matrix.py).

The log is public: every case reading it allows ``anonymous`` too. The world has no
signed checkpoint and the application no mediator key, so the allowed writes meet the
log's state (404, 409, 422), which the matrix counts as not refused.
"""

from __future__ import annotations

import base64

from tests.e2e.api.matrix import EVERYONE, Case, allow
from tests.integration.exchange_support import KEYS

# A well-formed co-signature line in UA's name, by UA's key id, that verifies nowhere.
_UA_LINE = "— UA " + base64.b64encode(KEYS["UA"].key_id + bytes(64)).decode()
_ROUNDS = b"""\
rounds:
  - number: 1
    venue: Neutral venue
    status: held
    commitments:
      - ref: r1-lists
        text: Each side hands the mediator the list of people it asks back
"""

CASES = {
    ("GET", "/log"): Case("/log", EVERYONE),
    ("GET", "/log/checkpoints"): Case("/log/checkpoints?limit=5", EVERYONE),
    ("GET", "/log/entries"): Case("/log/entries?after=0&limit=5&form=base64", EVERYONE),
    ("GET", "/log/proofs/inclusion"): Case("/log/proofs/inclusion?index=0&size=2", EVERYONE),
    ("GET", "/log/proofs/consistency"): Case("/log/proofs/consistency?first=1&second=3", EVERYONE),
    ("POST", "/log/checkpoints"): Case("/log/checkpoints", allow("mediator")),
    # Each party co-signs for itself: RU may not send UA's co-signature.
    ("POST", "/log/witness"): Case(
        "/log/witness", allow("own"), json={"size": 1, "cosignature": _UA_LINE}
    ),
    ("POST", "/receipts"): Case(
        "/receipts", allow("mediator"), json={"side": "UA", "record_id": "UA-1"}
    ),
    ("POST", "/receipts/verify"): Case(
        "/receipts/verify", EVERYONE, json={"receipt": "parley-receipt:1:AAAA"}
    ),
    ("GET", "/keys"): Case("/keys", allow("users")),
    ("GET", "/rounds"): Case(
        "/rounds?status=held", allow("parties", "mediator", "verifier", "observer")
    ),
    ("POST", "/rounds"): Case(
        "/rounds",
        allow("mediator"),
        content=_ROUNDS,
        headers={"Content-Type": "application/yaml"},
    ),
    ("POST", "/rounds/refresh"): Case("/rounds/refresh", allow("mediator")),
    ("GET", "/exchanges/{exchange}/report"): Case(
        "/exchanges/four%20for%20four/report",
        allow("own", "other", "mediator", "verifier", "observer"),
    ),
}
