"""Agreements, plans and exchanges through the API: checking, planning, adopting, reading."""

from __future__ import annotations

from tests.e2e.api.cases_planning import EXCHANGE, TWO_FOR_TWO
from tests.e2e.api.conftest import Api
from tests.integration import exchange_support as ex

# Seven prisoners a side cannot make a hundred.
TOO_MANY = TWO_FOR_TWO.replace("agreement: two for two", "agreement: a hundred").replace(
    "minimum_per_side: 2", "minimum_per_side: 100"
)
# Line 6 names a formula that does not exist, and line 8 a tranche rule that does not.
BROKEN = """\
agreement: broken
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - name: military
    formula: everything
    selector: category == pow
tranches: {count: 1, lead: 3}
"""


def test_an_agreement_is_answered_as_understood_with_its_warnings(api: Api) -> None:
    response = api.post(
        "own", "/agreements/check", content=ex.AGREEMENT, headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == ex.EXCHANGE
    assert body["parties"] == ["UA", "RU"]
    assert [(t["name"], t["formula_kind"]) for t in body["tracks"]] == [("military", "parity")]
    assert body["minimum_per_side"] == 4
    assert body["tranches"]["count"] == 2
    assert body["tranches"]["capacity_per_side"] == 2
    assert isinstance(body["warnings"], list)


def test_an_agreement_may_come_wrapped_in_json(api: Api) -> None:
    response = api.post("mediator", "/agreements/check", json={"text": TWO_FOR_TWO})

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "two for two"


def test_agreement_check_errors_name_the_line(api: Api) -> None:
    response = api.post(
        "own", "/agreements/check", content=BROKEN, headers={"Content-Type": "application/yaml"}
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["title"] == "File rejected"
    assert "agreement.yaml line 6, key tracks[1].formula" in problem["detail"]
    assert "(and 1 more problem)" in problem["detail"]


def test_an_observer_may_not_check_agreements(api: Api) -> None:
    response = api.post("observer", "/agreements/check", json={"text": TWO_FOR_TWO})

    assert response.status_code == 403


def test_an_infeasible_agreement_answers_its_colliding_clauses(api: Api) -> None:
    response = api.post("mediator", "/plans", json={"agreement": TOO_MANY})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["feasible"] is False
    assert body["status"] == "infeasible"
    keys = [clause["key"] for clause in body["conflict"]["clauses"]]
    assert "minimum_per_side" in keys
    assert body["conflict"]["sentence"].startswith("One conflict is:")
    assert any(r["key"] == "minimum_per_side" for r in body["relaxations"])
    stored = api.get("mediator", f"/plans/{body['plan_id']}").json()
    assert stored["status"] == "infeasible"
    assert stored["released"] == []


def test_a_feasible_plan_lists_who_each_side_releases_per_tranche(api: Api) -> None:
    made = api.post("mediator", "/plans", json={"agreement": TWO_FOR_TWO}).json()

    assert made["feasible"] is True
    assert made["conflict"] is None
    assert {t["party"]: t["released"] for t in made["totals"]} == {"UA": 2, "RU": 2}
    plan = api.get("mediator", f"/plans/{made['plan_id']}").json()
    released = {(r["party"], r["tranche"]): r["record_ids"] for r in plan["released"]}
    assert set(released) == {("UA", 1), ("RU", 1)}
    assert all(len(ids) == 2 for ids in released.values())
    assert all(rid.startswith("UA-") for rid in released["UA", 1])
    # The people on the world's open exchange are planned by no other plan.
    listed = api.get("mediator", "/plans/1").json()["released"]
    busy = {rid for r in listed for rid in r["record_ids"]}
    assert not busy & {rid for ids in released.values() for rid in ids}


def test_plans_are_listed_newest_first_and_filtered_by_agreement(api: Api) -> None:
    api.post("mediator", "/plans", json={"agreement": TWO_FOR_TWO})

    everything = api.get("mediator", "/plans").json()
    ours = api.get("mediator", "/plans", params={"agreement": "two for two"}).json()

    assert everything["total"] == 2
    assert [p["agreement"] for p in everything["items"]] == ["two for two", ex.EXCHANGE]
    assert ours["total"] == 1
    assert ours["items"][0]["released"] == {"UA": 2, "RU": 2}


def test_a_party_cannot_plan_nor_read_plans(api: Api) -> None:
    for who in ("own", "other"):
        assert api.post(who, "/plans", json={"agreement": TWO_FOR_TWO}).status_code == 403
        assert api.get(who, "/plans").status_code == 403
        assert api.get(who, "/plans/1").status_code == 403

    assert api.get("mediator", "/plans").json()["total"] == 1


def test_a_party_is_refused_before_its_agreement_is_read(api: Api) -> None:
    response = api.post("own", "/plans", json={"agreement": BROKEN})

    assert response.status_code == 403
    assert "line" not in response.json()["detail"]


def test_the_mediator_adopts_a_plan_and_the_exchange_is_listed(api: Api) -> None:
    plan = api.post("mediator", "/plans", json={"agreement": TWO_FOR_TWO}).json()

    adopted = api.post(
        "mediator", "/exchanges", json={"agreement": TWO_FOR_TWO, "plan_id": plan["plan_id"]}
    )

    assert adopted.status_code == 201, adopted.text
    issued = adopted.json()
    assert issued["exchange"] == "two for two"
    assert sorted((m["tranche"], m["side"], m["people"]) for m in issued["manifests"]) == [
        (1, "RU", 2),
        (1, "UA", 2),
    ]
    names = [e["name"] for e in api.get("mediator", "/exchanges").json()["items"]]
    assert names == [ex.EXCHANGE, "two for two"]
    again = api.post("mediator", "/exchanges", json={"agreement": TWO_FOR_TWO})
    assert again.status_code == 409


def test_a_party_sees_only_the_exchanges_it_is_a_party_to(api: Api) -> None:
    own = api.get("own", "/exchanges").json()
    outsider = api.get("outsider", "/exchanges").json()

    assert [e["name"] for e in own["items"]] == [ex.EXCHANGE]
    assert outsider["items"] == []
    assert outsider["total"] == 0
    assert api.get("outsider", EXCHANGE).status_code == 403
    assert api.get("own", "/exchanges", params={"party": "XA"}).json()["total"] == 0


def test_an_observer_sees_names_and_totals_only(api: Api) -> None:
    seen = api.get("observer", "/exchanges").json()["items"][0]

    assert seen["name"] == ex.EXCHANGE
    assert seen["to_cross"] == {"UA": 4, "RU": 4}
    assert seen["plan_id"] is None
    assert seen["agreement_sha256"] is None
    assert seen["adopted_at"] is None
    assert api.get("mediator", "/exchanges").json()["items"][0]["plan_id"] == 1


def test_an_exchange_shows_its_targets_against_what_is_planned_sealed_and_exchanged(
    api: Api,
) -> None:
    response = api.get("own", EXCHANGE)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["minimum_per_side"] == 4
    assert body["tranches"] == 2
    assert body["complete"] is False
    (track,) = body["tracks"]
    assert track["track"] == "military"
    assert track["formula"] == "parity"
    # Four planned a side; tranche 1 (two a side) is sealed and open, tranche 2 unsigned.
    for side in ("UA", "RU"):
        assert track["sides"][side] == {
            "planned": 4,
            "listed": 4,
            "sealed": 2,
            "exchanged": 0,
            "to_cross": 4,
        }
