"""Purpose limitation and one person's file through the API (docs/data-protection.md)."""

from __future__ import annotations

import time

from tests.e2e.api.conftest import Api
from tests.e2e.api.test_records_api import upload

TRACING = (
    "record_id,family_name,given_name,birth_date,source\nUA-T-1,Коваль,Олег,1981-01-01,family\n"
)


def test_a_read_declaring_another_purpose_is_refused_naming_the_record_and_both_purposes(
    api: Api,
) -> None:
    refused = api.get("own", "/parties/UA/holdings/UA-1", params={"purpose": "family_tracing"})
    listed = api.get("mediator", "/parties/UA/holdings", params={"purpose": "family_tracing"})

    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == (
        "holding UA-1 of UA is held for repatriation, not family_tracing: "
        "a read or export for another purpose is refused"
    )
    assert listed.status_code == 403
    assert "held for repatriation, not family_tracing" in listed.json()["detail"]
    allowed = api.get("own", "/parties/UA/holdings/UA-1", params={"purpose": "repatriation"})
    assert allowed.status_code == 200
    assert api.get("own", "/parties/UA/holdings/UA-1").status_code == 200


def test_an_import_may_state_its_purpose_and_reads_for_the_exchange_are_then_refused(
    api: Api,
) -> None:
    stored = api.post(
        "own",
        "/parties/UA/imports/requests",
        params={"purpose": "family_tracing"},
        content=TRACING.encode(),
        headers={"Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="t.csv"'},
    )
    assert stored.status_code == 201, stored.text

    refused = api.get("own", "/parties/UA/requests/UA-T-1", params={"purpose": "repatriation"})
    allowed = api.get("own", "/parties/UA/requests/UA-T-1", params={"purpose": "family_tracing"})

    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "request UA-T-1 of UA is held for family_tracing, not repatriation: "
        "a read or export for another purpose is refused"
    )
    assert allowed.status_code == 200


def test_an_unknown_purpose_is_a_422_and_imports_nothing(api: Api) -> None:
    refused = api.post(
        "own",
        "/parties/UA/imports/requests",
        params={"purpose": "intelligence"},
        content=TRACING.encode(),
        headers={"Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="t.csv"'},
    )

    assert refused.status_code == 422
    assert api.get("own", "/parties/UA/requests/UA-T-1").status_code == 404


def test_the_mediator_alone_exports_one_persons_file_findings_included(api: Api) -> None:
    api.get("own", "/parties/UA/holdings/UA-1")  # a read the access log keeps
    # The access log is written in batches off the request's path: wait for this one.
    api.client.app.state.backend.trail.flush()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while True:
        found = api.get("mediator", "/parties/UA/people/UA-1/export")
        logged = [a["object_id"] for a in found.json().get("access_log", [])]
        if "UA/UA-1" in logged or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    refused = {who: api.get(who, "/parties/UA/people/UA-1/export") for who in ("own", "verifier")}

    assert found.status_code == 200, found.text
    body = found.json()
    assert body["record_id"] == "UA-1"
    assert body["records"]["holdings"]["purpose"] == "repatriation"
    assert [v["version"] for v in body["holding_versions"]] == [1]
    assert {"matches", "plans", "manifests", "crossings", "findings", "receipts"} <= set(body)
    assert "UA/UA-1" in [a["object_id"] for a in body["access_log"]]
    assert {who: r.status_code for who, r in refused.items()} == {"own": 403, "verifier": 403}
    assert api.get("mediator", "/parties/UA/people/UA-99/export").status_code == 404


def test_upload_helper_still_imports_without_a_purpose(api: Api) -> None:
    assert upload(api, "own", "UA", "requests", TRACING).status_code == 201
    shown = api.get("own", "/parties/UA/requests/UA-T-1", params={"purpose": "repatriation"})
    assert shown.status_code == 200
