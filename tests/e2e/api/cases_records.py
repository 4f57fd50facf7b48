"""Authorisation cases of the records, imports, reconciliation and review (see matrix.py).

The object is party UA's: its holdings (UA-1 .. UA-7), its requests and imports, the
review queue on its holdings and the outcome of its requests. A party reads and
imports its own records only; the mediator any party's; nobody else any.
"""

from __future__ import annotations

from tests.e2e.api.matrix import Case, allow

OWN_OR_MEDIATOR = allow("own", "mediator")
P = "/parties/{party}"
REQUESTS_CSV = (
    "record_id,family_name,given_name,birth_date,source\nUA-R-1,Коваль,Олег,1981-01-01,family\n"
).encode()

CASES = {
    ("GET", P + "/holdings"): Case("/parties/UA/holdings?status=detained", OWN_OR_MEDIATOR),
    ("GET", P + "/holdings/{record_id}"): Case("/parties/UA/holdings/UA-1", OWN_OR_MEDIATOR),
    ("GET", P + "/holdings/{record_id}/history"): Case(
        "/parties/UA/holdings/UA-1/history", OWN_OR_MEDIATOR
    ),
    ("GET", P + "/requests"): Case("/parties/UA/requests", OWN_OR_MEDIATOR),
    ("GET", P + "/requests/{record_id}"): Case("/parties/UA/requests/UA-R-1", OWN_OR_MEDIATOR),
    ("GET", P + "/requests/{record_id}/history"): Case(
        "/parties/UA/requests/UA-R-1/history", OWN_OR_MEDIATOR
    ),
    ("POST", P + "/imports/{kind}"): Case(
        "/parties/UA/imports/requests",
        OWN_OR_MEDIATOR,
        content=REQUESTS_CSV,
        headers={"Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="r.csv"'},
    ),
    ("GET", P + "/imports"): Case("/parties/UA/imports?kind=holdings", OWN_OR_MEDIATOR),
    ("POST", "/reconciliations"): Case(
        "/reconciliations", allow("mediator"), json={"requester": "RU", "holder": "UA"}
    ),
    ("GET", "/reviews"): Case("/reviews?holder=UA", OWN_OR_MEDIATOR),
    ("GET", P + "/reviews/{proposal_id}"): Case("/parties/UA/reviews/1", OWN_OR_MEDIATOR),
    ("POST", P + "/reviews/{proposal_id}"): Case(
        "/parties/UA/reviews/1", OWN_OR_MEDIATOR, json={"verdict": "escalate"}
    ),
    ("GET", P + "/people/{record_id}/export"): Case(
        "/parties/UA/people/UA-1/export", allow("mediator")
    ),
    ("GET", P + "/matches"): Case("/parties/UA/matches?state=confirmed", OWN_OR_MEDIATOR),
}
