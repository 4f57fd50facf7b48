"""Manifests and their signatures through the API: who reads them, who signs in whose
name, what a signature must be, and what a party reads after a refusal."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from parley.adapters import db
from parley.adapters.uow import SqlUnitOfWork
from parley.config import Settings
from parley.domain.handover import NEUTRAL_WITHDRAWAL, Action
from parley.entrypoints.api import create_app
from parley.ledger.keys import SigningKey
from parley.ledger.signatures import sign_file
from parley.services.amendments import substitute
from tests.conftest import NOW
from tests.e2e.api.cases_planning import EXCHANGE
from tests.e2e.api.conftest import Api
from tests.integration import exchange_support as ex

UNSIGNED = f"{EXCHANGE}/tranches/2/manifests/UA"  # nobody has signed it yet
OPEN = f"{EXCHANGE}/tranches/1/manifests/UA"  # sealed, its tranche open
Uow = Callable[[], SqlUnitOfWork]


@pytest.fixture
def direct(api: Api) -> Iterator[Uow]:
    """Units of work on the API's database, for what has no route here (the crossing)."""
    engine = db.create_db_engine(api.url)
    yield lambda: SqlUnitOfWork(engine)
    engine.dispose()


def _document(api: Api, path: str, version: int = 1) -> bytes:
    response = api.get("mediator", f"{path}/versions/{version}/document")
    assert response.status_code == 200, response.text
    return response.content


def _signature(document: bytes, key: SigningKey) -> str:
    return sign_file(hashlib.sha256(document).digest(), key).to_text()


def _hand_in(api: Api, who: str, path: str, signature: str):  # type: ignore[no-untyped-def]
    return api.post(who, f"{path}/signatures", json={"signature": signature})


def _latest(api: Api, path: str) -> dict[str, object]:
    versions = api.get("mediator", path).json()["items"]
    latest: dict[str, object] = versions[-1]
    return latest


def test_the_document_route_gives_the_exact_bytes_the_signatures_sign(api: Api) -> None:
    response = api.get("own", f"{UNSIGNED}/versions/1/document")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    digest = hashlib.sha256(response.content).digest()
    assert _latest(api, UNSIGNED)["sha256"] == digest.hex()
    assert response.headers["repr-digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    signed = _hand_in(api, "own", UNSIGNED, _signature(response.content, ex.KEYS["UA"]))
    assert signed.status_code == 201, signed.text
    assert signed.json()["sha256"] == digest.hex()


def test_a_signature_made_with_the_wrong_key_is_refused_and_nothing_is_stored(api: Api) -> None:
    forged = SigningKey.from_seed("UA", bytes(range(100, 132)))  # named UA, not UA's key
    signature = _signature(_document(api, UNSIGNED), forged)

    response = _hand_in(api, "own", UNSIGNED, signature)

    assert response.status_code == 422, response.text
    assert response.json()["title"] == "Verification failed"
    latest = _latest(api, UNSIGNED)
    assert latest["signed_by"] == []
    assert latest["sealed"] is False


def test_a_party_cannot_sign_in_the_other_partys_name(api: Api) -> None:
    russian = _signature(_document(api, UNSIGNED), ex.KEYS["RU"])

    response = _hand_in(api, "own", UNSIGNED, russian)

    assert response.status_code == 403, response.text
    assert _latest(api, UNSIGNED)["signed_by"] == []
    assert _hand_in(api, "other", UNSIGNED, russian).status_code == 201
    assert _latest(api, UNSIGNED)["signed_by"] == ["RU"]


def test_the_mediator_signs_in_the_mediators_name_only(api: Api) -> None:
    document = _document(api, UNSIGNED)

    as_party = _hand_in(api, "mediator", UNSIGNED, _signature(document, ex.KEYS["UA"]))
    as_mediator = _hand_in(api, "mediator", UNSIGNED, _signature(document, ex.KEYS["MEDIATOR"]))

    assert as_party.status_code == 403
    assert as_mediator.status_code == 201
    assert as_mediator.json()["missing"] == ["RU", "UA"]


def test_the_third_signature_seals_the_manifest_and_a_checkpoint_follows(api: Api) -> None:
    events: list[None] = []
    app = create_app(
        Settings(database_url=api.url), after_tranche_event=lambda: events.append(None)
    )
    with TestClient(app) as client:
        headers = api.headers("mediator")
        document = client.get(f"{UNSIGNED}/versions/1/document", headers=headers).content
        for who, signer in (("own", "UA"), ("other", "RU"), ("mediator", "MEDIATOR")):
            answer = client.post(
                f"{UNSIGNED}/signatures",
                headers=api.headers(who),
                json={"signature": _signature(document, ex.KEYS[signer])},
            )
            assert answer.status_code == 201, answer.text
        again = client.post(
            f"{UNSIGNED}/signatures",
            headers=api.headers("own"),
            json={"signature": _signature(document, ex.KEYS["UA"])},
        )

    assert answer.json()["sealed"] is True
    assert answer.json()["missing"] == []
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert len(events) == 3
    assert _latest(api, UNSIGNED)["sealed"] is True


@pytest.mark.parametrize("who", ["observer", "admin", "outsider"])
def test_no_one_outside_the_exchange_reads_a_manifest(api: Api, who: str) -> None:
    for path in (OPEN, f"{OPEN}/versions/1", f"{OPEN}/versions/1/document", f"{OPEN}/diff"):
        response = api.get(who, path)
        assert response.status_code == 403, (path, response.text)
        assert "Коваль" not in response.text


def test_both_parties_read_both_manifests_with_identifying_fields(api: Api) -> None:
    for who in ("own", "other", "verifier"):
        body = api.get(who, f"{OPEN}/versions/1").json()
        assert body["side"] == "UA"
        assert body["receiver"] == "RU"
        assert len(body["listed"]) == 2
        assert all(p["family_name"] and p["service_number"] for p in body["listed"])
        assert body["sealed"] is True
        assert body["signed_by"] == ["MEDIATOR", "RU", "UA"]


def _decline_and_substitute(uow: Uow) -> tuple[str, str]:
    """The neutral verifier records that a listed UA prisoner will not go home; the
    mediator puts the first reserve in their place (version 2)."""
    declining = ex.listed(uow, 1, "UA")[0]
    reserve = ex.reserves(uow, 1, "UA")[0]
    ex.act(uow, 1, "UA", declining, Action.DECLINE, "neutral_verifier")
    substitute(
        uow(), ex.EXCHANGE, 1, "UA", declining, reserve,
        actor="mediator", now=NOW + timedelta(minutes=5),
    )  # fmt: skip
    return declining, reserve


def test_the_diff_between_versions_names_who_was_taken_off_and_put_on(
    api: Api, direct: Uow
) -> None:
    declining, reserve = _decline_and_substitute(direct)

    response = api.get("own", f"{OPEN}/diff", params={"from": 1, "to": 2})

    assert response.status_code == 200, response.text
    (diff,) = response.json()["items"]
    assert (diff["old_version"], diff["new_version"]) == (1, 2)
    assert [p["record_id"] for p in diff["removed"]] == [declining]
    assert [p["record_id"] for p in diff["added"]] == [reserve]
    versions = api.get("own", OPEN).json()["items"]
    assert [(v["version"], v["sealed"]) for v in versions] == [(1, True), (2, False)]
    assert api.get("own", f"{OPEN}/diff", params={"from": 1, "to": 3}).status_code == 404


def test_a_party_reads_a_refusal_as_a_neutral_withdrawal_in_every_manifest_answer(
    api: Api, direct: Uow
) -> None:
    _decline_and_substitute(direct)

    for who in ("own", "other"):
        answers = [
            api.get(who, OPEN),
            api.get(who, f"{OPEN}/versions/2"),
            api.get(who, f"{OPEN}/versions/2/document"),
            api.get(who, f"{OPEN}/diff"),
        ]
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert NEUTRAL_WITHDRAWAL in answer.text
            assert "declin" not in answer.text.lower()
            assert "refus" not in answer.text.lower()


def test_a_missing_manifest_is_not_found(api: Api) -> None:
    assert api.get("own", f"{EXCHANGE}/tranches/9/manifests/UA").status_code == 404
    assert api.get("own", f"{EXCHANGE}/tranches/1/manifests/XA").status_code == 404
    assert api.get("own", f"{OPEN}/versions/7").status_code == 404
    assert api.get("mediator", "/exchanges/no%20such/tranches/1/manifests/UA").status_code == 404
