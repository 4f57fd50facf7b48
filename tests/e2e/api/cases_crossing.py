"""Authorisation cases of the tranches, the handover and the amendments (see matrix.py).

The object is tranche 1 of the exchange between UA and RU, open, with UA-6 and UA-7 on
UA's manifest, RU-6 and RU-7 on RU's, and UA-2 and UA-3 among UA's reserves.
"""

from __future__ import annotations

from tests.e2e.api.matrix import Case, allow

X = "/exchanges/four%20for%20four/tranches"
T = "/exchanges/{exchange}/tranches/{number}"
READERS = allow("own", "other", "mediator", "verifier", "observer")
AT_THE_CROSSING = allow("own", "other", "mediator", "verifier")

CASES = {
    ("GET", "/exchanges/{exchange}/tranches"): Case(X + "?state=open", READERS),
    ("GET", T): Case(X + "/1", READERS),
    ("POST", T + "/open"): Case(X + "/2/open", allow("mediator"), json={"today": "2025-05-24"}),
    ("POST", T + "/close"): Case(X + "/1/close", allow("mediator")),
    ("POST", T + "/suspend"): Case(X + "/1/suspend", allow("mediator")),
    ("POST", T + "/resume"): Case(X + "/1/resume", allow("mediator")),
    ("POST", T + "/cancel"): Case(X + "/2/cancel", allow("mediator")),
    # A no-show is the releasing side's, the neutral verifier's or the mediator's to
    # record: the receiving side (RU) has the capability but not this step.
    ("POST", T + "/handover"): Case(
        X + "/1/handover",
        allow("own", "mediator", "verifier"),
        json={"side": "UA", "record_id": "UA-6", "action": "no_show"},
        headers={"Idempotency-Key": "matrix-no-show-UA-6"},
    ),
    ("GET", T + "/people"): Case(X + "/1/people?side=UA&state=listed", AT_THE_CROSSING),
    ("GET", T + "/fixes"): Case(
        X + "/1/fixes?side=UA&record_id=UA-6", allow("own", "other", "mediator")
    ),
    ("POST", T + "/amendments"): Case(
        X + "/1/amendments",
        allow("mediator"),
        json={"kind": "substitute", "side": "UA", "record_id": "UA-6", "reserve": "UA-3"},
    ),
}
