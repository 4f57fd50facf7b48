"""The crossing through the API: tranches, handover steps, refusals kept hidden, fixes.

The world (conftest.py): tranche 1 of "four for four" is open, UA-6 and UA-7 on UA's
manifest, RU-6 and RU-7 on RU's, one person a side ahead at most (``max_lead: 1``).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from parley.config import Settings
from parley.entrypoints.api import create_app
from tests.e2e.api.conftest import Api

X = "/exchanges/four%20for%20four/tranches"
OTHER = {"UA": "RU", "RU": "UA"}
OFFICE = {"UA": "own", "RU": "other"}


def step(api: Api, who: str, side: str, record_id: str, action: str, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    body = {"side": side, "record_id": record_id, "action": action}
    return api.post(who, f"{X}/1/handover", json=body, headers=headers)


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def cross(api: Api, side: str, record_id: str) -> dict[str, Any]:
    """The verifier verifies, the releasing office hands over, the other receives."""
    ok(step(api, "verifier", side, record_id, "verify"))
    ok(step(api, OFFICE[side], side, record_id, "hand_over"))
    result: dict[str, Any] = ok(step(api, OFFICE[OTHER[side]], side, record_id, "receive"))
    return result


def military(api: Api, who: str = "mediator") -> dict[str, Any]:
    track: dict[str, Any] = ok(api.get(who, f"{X}/1"))["tracks"][0]
    return track


def test_a_tranche_crosses_through_the_api_and_the_balance_follows(api: Api) -> None:
    received = cross(api, "UA", "UA-6")
    assert received["state"] == "received"
    assert received["received"] == {"UA": 1, "RU": 0}
    assert received["next_to_cross"] == "RU"
    assert military(api, "observer")["next_to_cross"] == "RU"

    cross(api, "RU", "RU-6")
    assert military(api)["next_to_cross"] is None
    cross(api, "RU", "RU-7")
    track = military(api, "own")
    assert (track["sent"], track["next_to_cross"]) == ({"UA": 1, "RU": 2}, "UA")
    cross(api, "UA", "UA-7")

    status = ok(api.get("other", f"{X}/1"))
    assert status["tracks"][0]["received"] == {"UA": 2, "RU": 2}
    assert status["people"] == {"UA": {"received": 2}, "RU": {"received": 2}}
    people = ok(api.get("verifier", f"{X}/1/people?state=received"))
    assert people["total"] == 4
    closed = ok(api.post("mediator", f"{X}/1/close"))
    assert closed["state"] == "closed"
    assert ok(api.get("observer", f"{X}?state=closed"))["total"] == 1


def test_one_event_sent_fifty_times_with_one_key_counts_once(api: Api) -> None:
    ok(step(api, "verifier", "UA", "UA-6", "verify"))
    answers = [
        ok(step(api, "own", "UA", "UA-6", "hand_over", key="crossing-17")) for _ in range(50)
    ]
    assert [a["replayed"] for a in answers] == [False] + [True] * 49
    assert military(api)["sent"] == {"UA": 1, "RU": 0}

    other_body = step(api, "own", "UA", "UA-7", "hand_over", key="crossing-17")
    assert other_body.status_code == 409, other_body.text
    assert military(api)["sent"] == {"UA": 1, "RU": 0}


def test_a_key_is_the_clients_own(api: Api) -> None:
    ok(step(api, "verifier", "UA", "UA-6", "verify", key="same"))
    # The same key from another user is that user's own first request.
    answer = ok(step(api, "mediator", "UA", "UA-6", "confirm_will", key="same"))
    assert answer["replayed"] is False


def test_a_party_cannot_receive_its_own_release(api: Api) -> None:
    ok(step(api, "verifier", "UA", "UA-6", "verify"))
    ok(step(api, "own", "UA", "UA-6", "hand_over"))
    refused = step(api, "own", "UA", "UA-6", "receive")
    assert refused.status_code == 403, refused.text
    assert military(api)["received"] == {"UA": 0, "RU": 0}


def test_a_party_cannot_act_in_the_other_partys_name(api: Api) -> None:
    ok(step(api, "verifier", "RU", "RU-6", "verify"))
    for who in ("own", "outsider"):
        refused = step(api, who, "RU", "RU-6", "hand_over")
        assert refused.status_code == 403, (who, refused.text)
    # Nor take the verifier's part.
    assert step(api, "own", "UA", "UA-6", "verify").status_code == 403
    assert military(api)["sent"] == {"UA": 0, "RU": 0}


def _bodies(api: Api, who: str) -> list[str]:
    """Every answer ``who`` gets from the crossing's routes after UA-6's refusal."""
    gets = [
        X,
        f"{X}/1",
        f"{X}/1/people",
        f"{X}/1/people?side=UA",
        f"{X}/1/people?state=withdrawn_by_neutral_verification",
        f"{X}/1/fixes?side=UA&record_id=UA-6",
    ]
    bodies = [api.get(who, url).text for url in gets]
    bodies.append(step(api, who, "UA", "UA-6", "hand_over").text)
    bodies.append(step(api, who, "UA", "UA-6", "receive").text)
    bodies.append(step(api, who, "UA", "UA-6", "no_show").text)
    return bodies


def test_a_refusal_is_kept_from_both_parties_and_shown_to_the_verifier(api: Api) -> None:
    declined = ok(step(api, "verifier", "UA", "UA-6", "decline"))
    assert declined["action"] == "decline"
    assert declined["state"] == "withdrawn_by_neutral_verification"
    assert any(f["kind"] == "substitute" for f in declined["fixes"])

    for who in ("own", "other", "observer"):
        for body in _bodies(api, who):
            assert "declin" not in body.lower(), (who, body)
    for who in ("own", "other"):
        people = ok(api.get(who, f"{X}/1/people?side=UA"))["items"]
        shown = {p["record_id"]: (p["state"], p["finding"]) for p in people}
        assert shown["UA-6"] == ("withdrawn_by_neutral_verification", None)
        status = ok(api.get(who, f"{X}/1"))
        assert status["people"]["UA"] == {"listed": 1, "withdrawn_by_neutral_verification": 1}
        fixes = ok(api.get(who, f"{X}/1/fixes?side=UA&record_id=UA-6"))
        assert fixes["total"] >= 1

    seen = ok(api.get("verifier", f"{X}/1/people?side=UA"))["items"]
    assert {p["record_id"]: p["finding"] for p in seen}["UA-6"] == "declined_repatriation"


def test_the_mediator_substitutes_a_reserve_for_someone_who_will_not_cross(api: Api) -> None:
    ok(step(api, "verifier", "UA", "UA-6", "decline"))
    fixes = ok(api.get("mediator", f"{X}/1/fixes?side=UA&record_id=UA-6"))["items"]
    (reserve,) = next(f for f in fixes if f["kind"] == "substitute")["records"]

    body = {"kind": "substitute", "side": "UA", "record_id": "UA-6", "reserve": reserve}
    amended = api.post("mediator", f"{X}/1/amendments", json=body)
    assert amended.status_code == 201, amended.text
    assert amended.json()["versions"] == {"UA": 2}
    assert "declin" not in amended.text

    people = ok(api.get("own", f"{X}/1/people?side=UA"))["items"]
    listed = {p["record_id"]: p for p in people}
    assert listed[reserve]["listed_in"] == 2
    assert listed[reserve]["sealed"] is False
    assert listed["UA-6"]["state"] == "withdrawn_by_neutral_verification"
    manifest = ok(api.get("own", f"{X}/1"))["manifests"]["UA"]
    assert (manifest["version"], manifest["sealed"]) == (2, False)
    # Not before all three have signed version 2.
    assert step(api, "verifier", "UA", reserve, "verify").status_code == 409


def test_a_handover_that_would_break_the_balance_names_who_must_cross_next(api: Api) -> None:
    for record_id in ("UA-6", "UA-7"):
        ok(step(api, "verifier", "UA", record_id, "verify"))
    ok(step(api, "own", "UA", "UA-6", "hand_over"))
    refused = step(api, "own", "UA", "UA-7", "hand_over")
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "RU must cross next" in refused.json()["detail"]
    assert military(api)["sent"] == {"UA": 1, "RU": 0}


def test_nobody_crosses_while_the_mediator_has_suspended_the_tranche(api: Api) -> None:
    assert ok(api.post("mediator", f"{X}/1/suspend"))["state"] == "suspended"
    assert step(api, "verifier", "UA", "UA-6", "verify").status_code == 409
    assert ok(api.post("mediator", f"{X}/1/resume"))["state"] == "open"
    ok(step(api, "verifier", "UA", "UA-6", "verify"))


def test_each_change_of_a_tranche_signs_a_checkpoint(api: Api) -> None:
    calls: list[str] = []
    app = create_app(Settings(database_url=api.url), after_tranche_event=lambda: calls.append("x"))
    with TestClient(app) as client:
        headers = api.headers("mediator")
        assert client.post(f"{X}/1/suspend", headers=headers).status_code == 200
        assert client.post(f"{X}/1/resume", headers=headers).status_code == 200
        body = {"kind": "unlisted", "side": "UA", "record_id": "UA-1", "track": "military"}
        assert client.post(f"{X}/1/amendments", headers=headers, json=body).status_code == 201
        # A refused change signs nothing.
        assert client.post(f"{X}/1/close", headers=headers).status_code == 409
    assert len(calls) == 3


def test_the_people_of_a_tranche_come_in_pages(api: Api) -> None:
    page = ok(api.get("verifier", f"{X}/1/people?limit=3"))
    assert (len(page["items"]), page["total"], page["next_offset"]) == (3, 4, 3)
    assert {p["state"] for p in page["items"]} == {"listed"}
