"""The public log, checkpoints, witnesses, receipts, keys, rounds and reports through the API.

The world (conftest.py): tranche 1 of "four for four" is open with UA-6 and UA-7 on UA's
manifest, and no checkpoint is signed yet. A second application on the same database
holds the mediator's key (``PARLEY_MEDIATOR_KEY``), as ``parley serve`` would.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from parley.config import Settings
from parley.entrypoints.api import create_app
from parley.ledger import merkle
from parley.ledger.keys import SigningKey, write_key_pair
from parley.ledger.notes import Witness, WitnessState
from tests.e2e.api.conftest import Api
from tests.integration.exchange_support import FAMILY, GIVEN, KEYS

X = "/exchanges/four%20for%20four"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def b64(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture
def keyed(api: Api, tmp_path: Path) -> Iterator[TestClient]:
    """The application again, on the same database, with the mediator's key configured."""
    path = tmp_path / "keys" / "mediator.key"
    path.parent.mkdir()
    write_key_pair(KEYS["MEDIATOR"], path)
    app = create_app(Settings(database_url=api.url, mediator_key=str(path)))
    with TestClient(app) as client:
        yield client


def sign_checkpoint(api: Api, client: TestClient) -> dict[str, Any]:
    signed: dict[str, Any] = ok(
        client.post("/log/checkpoints", headers=api.headers("mediator")), 201
    )
    return signed


def cross(api: Api, side: str, record_id: str) -> None:
    """The verifier verifies, the releasing side hands over, the other side receives."""
    office = {"UA": "own", "RU": "other"}
    other = {"UA": "RU", "RU": "UA"}
    for who, action in (
        ("verifier", "verify"),
        (office[side], "hand_over"),
        (office[other[side]], "receive"),
    ):
        body = {"side": side, "record_id": record_id, "action": action}
        ok(api.post(who, f"{X}/tranches/1/handover", json=body))


def test_the_public_log_reads_without_signing_in(api: Api) -> None:
    head = ok(api.get(None, "/log"))
    assert head["size"] > 10
    assert head["latest_checkpoint"] is None
    page = ok(api.get(None, "/log/entries?limit=500"))
    assert page["total"] == head["size"]
    assert [e["seq"] for e in page["items"]] == list(range(1, head["size"] + 1))
    assert {"seq", "type", "time"} <= set(page["items"][0]["entry"])
    text = json.dumps(page, ensure_ascii=False)
    assert not any(name in text for name in FAMILY + GIVEN)
    second = ok(api.get(None, "/log/entries?after=3&limit=2&form=base64"))
    assert [e["seq"] for e in second["items"]] == [4, 5]
    assert json.loads(b64(second["items"][0]["canonical"])) == page["items"][3]["entry"]
    assert second["next_offset"] == 5


def test_every_entry_is_proved_in_the_log_by_merkle_alone(api: Api) -> None:
    entries = ok(api.get(None, "/log/entries?limit=500&form=base64"))["items"]
    leaves = [merkle.leaf_hash(b64(e["canonical"])) for e in entries]
    size = len(leaves)
    root = b64(ok(api.get("observer", "/log"))["root"])
    assert root == merkle.root_from_leaves(leaves)
    for index in (0, 5, size - 1):
        proof = ok(api.get(None, f"/log/proofs/inclusion?index={index}&size={size}"))
        assert b64(proof["root"]) == root
        merkle.verify_inclusion(leaves[index], index, size, [b64(p) for p in proof["proof"]], root)
    found = ok(api.get(None, f"/log/proofs/consistency?first=3&second={size}"))
    assert b64(found["first_root"]) == merkle.root_from_leaves(leaves[:3])
    merkle.verify_consistency(
        3, size, [b64(p) for p in found["proof"]], b64(found["first_root"]), root
    )


def test_a_proof_for_a_size_the_log_never_had_is_refused(api: Api) -> None:
    size = ok(api.get(None, "/log"))["size"]
    refused = api.get(None, f"/log/proofs/inclusion?index=0&size={size + 1}")
    assert refused.status_code == 422
    assert "is not a size this log has had" in refused.json()["detail"]
    assert api.get(None, "/log/proofs/consistency?first=5&second=3").status_code == 422


def test_the_mediator_signs_a_checkpoint_with_the_servers_key(api: Api, keyed: TestClient) -> None:
    refused = api.post("mediator", "/log/checkpoints")
    assert refused.status_code == 409
    assert "PARLEY_MEDIATOR_KEY" in refused.json()["detail"]
    assert keyed.post("/log/checkpoints", headers=api.headers("own")).status_code == 403

    signed = sign_checkpoint(api, keyed)
    head = ok(api.get(None, "/log"))
    assert (signed["size"], signed["root"]) == (head["size"], head["root"])
    assert signed["signed_by"] == ["MEDIATOR"]
    assert head["latest_checkpoint"] == signed
    assert ok(api.get(None, "/log/checkpoints"))["items"] == [signed]


def test_a_party_witness_cosigns_the_checkpoint_for_itself_only(
    api: Api, keyed: TestClient
) -> None:
    signed = sign_checkpoint(api, keyed)
    witness = Witness(KEYS["UA"], KEYS["MEDIATOR"].verifier, WitnessState.empty(signed["origin"]))
    line = witness.cosign(signed["note"], []).line
    body = {"size": signed["size"], "cosignature": line}

    assert api.post("other", "/log/witness", json=body).status_code == 403
    cosigned = ok(api.post("own", "/log/witness", json=body))
    assert cosigned["signed_by"] == ["MEDIATOR", "UA"]
    assert ok(api.get(None, "/log"))["latest_checkpoint"]["signed_by"] == ["MEDIATOR", "UA"]
    assert ok(api.post("own", "/log/witness", json=body)) == cosigned  # once is enough

    impostor = SigningKey.from_seed("UA", bytes(range(9, 41)))
    forged = Witness(impostor, KEYS["MEDIATOR"].verifier, WitnessState.empty(signed["origin"]))
    body["cosignature"] = forged.cosign(signed["note"], []).line
    refused = api.post("own", "/log/witness", json=body)
    assert refused.status_code == 422
    assert "registered key" in refused.json()["detail"]


def test_a_receipt_issued_by_the_mediator_verifies_without_a_login(
    api: Api, keyed: TestClient
) -> None:
    cross(api, "UA", "UA-6")
    sign_checkpoint(api, keyed)
    assert api.post("own", "/receipts", json={"side": "UA", "record_id": "UA-6"}).status_code == 403
    made = ok(api.post("mediator", "/receipts", json={"side": "UA", "record_id": "UA-6"}), 201)
    assert made["text"].startswith("parley-receipt:1:")

    checked = ok(api.post(None, "/receipts/verify", json={"receipt": made["text"]}))
    assert checked["verified"]
    assert checked["on_signed_manifest"]
    assert (checked["tranche"], checked["handed_over"], checked["received"]) == (1, True, True)
    assert (checked["party"], checked["record_id"]) == ("UA", "UA-6")
    assert checked["checkpoint_size"] == ok(api.get(None, "/log"))["size"]
    again = ok(api.post(None, "/receipts/verify", json={"receipt": made["receipt_json"]}))
    assert again["appearances"] == checked["appearances"]


def test_a_forged_or_truncated_receipt_answers_what_failed(api: Api, keyed: TestClient) -> None:
    sign_checkpoint(api, keyed)
    made = ok(api.post("mediator", "/receipts", json={"side": "UA", "record_id": "UA-7"}), 201)
    document = json.loads(made["receipt_json"])
    document["person"]["record_id"] = "UA-1"  # someone else's record, the same salt
    forged = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for receipt, why in (
        (forged, "do not give the receipt's commitment"),
        (made["text"][:-40], "receipt"),
    ):
        refused = api.post(None, "/receipts/verify", json={"receipt": receipt})
        assert refused.status_code == 422, refused.text
        assert why in refused.json()["detail"]
        assert "Коваль" not in refused.text


def test_keys_rounds_and_report_for_those_who_may_read_them(api: Api) -> None:
    keys = ok(api.get("observer", "/keys"))
    assert [k["name"] for k in keys["items"]] == ["MEDIATOR", "RU", "UA"]

    rounds_file = (Path(__file__).parents[3] / "src/parley/data/demo-rounds.yaml").read_bytes()
    yaml = {"Content-Type": "application/yaml"}
    assert api.post("own", "/rounds", content=rounds_file, headers=yaml).status_code == 403
    loaded = ok(api.post("mediator", "/rounds", content=rounds_file, headers=yaml))
    assert loaded["rounds"] == [1, 2, 3]
    listed = ok(api.get("own", "/rounds?limit=2"))
    assert (listed["total"], listed["next_offset"]) == (3, 2)
    commitments = {c["ref"]: c for c in listed["items"][1]["commitments"]}
    first_balance = commitments["r2-first-balance"]
    assert first_balance["precondition"]["kind"] == "stages_closed"
    assert (first_balance["status"], first_balance["holds"]) == ("pending", False)
    assert api.get("admin", "/rounds").status_code == 403
    bad = api.post("mediator", "/rounds", content=b"rounds:\n  - number: zero\n", headers=yaml)
    assert bad.status_code == 422
    assert "rounds.yaml line 2" in bad.json()["detail"]
    assert ok(api.post("mediator", "/rounds/refresh")) == {"fell_due": []}

    report = ok(api.get("observer", f"{X}/report"))
    assert report["parties"] == ["UA", "RU"]
    first = [line for line in report["lines"] if line["tranche"] == 1]
    assert {line["side"] for line in first} == {"UA", "RU"}
    assert all(line["counts"]["sealed"] == line["counts"]["listed"] == 2 for line in first)
    assert api.get("outsider", f"{X}/report").status_code == 403
    assert not any(name in json.dumps(report, ensure_ascii=False) for name in FAMILY + GIVEN)


def test_a_refusal_is_counted_as_withdrawn_and_nothing_more(api: Api) -> None:
    body = {"side": "UA", "record_id": "UA-6", "action": "decline"}
    ok(api.post("verifier", f"{X}/tranches/1/handover", json=body))
    for who in ("own", "other", "observer"):
        report = api.get(who, f"{X}/report")
        assert "refus" not in report.text
        assert "decline" not in report.text
        line = next(li for li in report.json()["lines"] if (li["tranche"], li["side"]) == (1, "UA"))
        assert line["counts"]["withdrawn"] == 1
