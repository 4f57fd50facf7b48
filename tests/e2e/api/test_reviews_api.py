"""Reconciliation and review through the API: the mediator reconciles, each party works
the queue on its own holdings, and learns what became of its own requests, never which
of the other party's holdings were not matched."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.api.conftest import Api

# People RU holds besides the world's RU-1 .. RU-7: RU-H-1 and RU-H-2 are asked for by
# UA, RU-H-3 by nobody.
RU_HOLDINGS = """\
record_id,family_name,given_name,sex,birth_date,category,service_number
RU-H-1,Смирнов,Алексей,M,1990-02-03,pow,RU-X-1
RU-H-2,Кузнецов,Дмитрий,M,1991-04-05,pow,RU-X-2
RU-H-3,Попов,Сергей,M,1985-06-07,pow,RU-X-3
"""
UA_REQUESTS = """\
record_id,family_name,given_name,sex,birth_date,service_number,source
UA-R-1,Смирнов,Алексей,M,1990-02-03,RU-X-1,family
UA-R-2,Кузнецов,Дмитро,M,1991,,family
UA-R-3,Новиков,Ігор,M,1970-01-01,,official_register
"""
# RU asks back two of the people UA holds (UA-2 and UA-1 of the world) and one UA does not.
RU_REQUESTS = """\
record_id,family_name,given_name,patronymic,sex,birth_date,source
RU-R-1,Мельник,Петро,Петрович,M,1982-01-01,family
RU-R-2,Бондар,Іван,,M,1981,family
RU-R-3,Соколов,Антон,,M,1960-01-01,family
"""
# What UA must never read while RU has not confirmed a pair: RU's records and names.
RU_UNMATCHED = ("RU-H-3", "Попов", "RU-X-3", "RU-1", "RU-SN-", "Сергей")


def upload(api: Api, who: str, party: str, kind: str, text: str) -> None:
    headers = {"Content-Type": "text/csv"}
    response = api.post(
        who, f"/parties/{party}/imports/{kind}", content=text.encode(), headers=headers
    )
    assert response.status_code == 201, response.text


@pytest.fixture
def reconciled(api: Api) -> Api:
    """Both parties' requests reconciled against the other's holdings by the mediator."""
    upload(api, "mediator", "RU", "holdings", RU_HOLDINGS)
    upload(api, "own", "UA", "requests", UA_REQUESTS)
    upload(api, "other", "RU", "requests", RU_REQUESTS)
    for requester, holder in (("UA", "RU"), ("RU", "UA")):
        run = api.post(
            "mediator", "/reconciliations", json={"requester": requester, "holder": holder}
        )
        assert run.status_code == 201, run.text
    return api


def queue(api: Api, who: str, **params: Any) -> dict[str, Any]:
    response = api.get(who, "/reviews", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def proposal_for(api: Api, request_id: str) -> dict[str, Any]:
    items = queue(
        api, "mediator", state=["proposed", "escalated", "confirmed", "rejected"], limit=500
    )["items"]
    return next(p for p in items if p["request_id"] == request_id)


def test_only_the_mediator_reconciles(api: Api) -> None:
    upload(api, "own", "UA", "requests", UA_REQUESTS)

    run = api.post("mediator", "/reconciliations", json={"requester": "UA", "holder": "RU"})

    assert run.status_code == 201, run.text
    assert run.json()["requests"] == 3
    assert run.json()["outcomes"]["no_match"] >= 1
    for who in ("own", "other", "verifier", "observer", "admin"):
        body = {"requester": "UA", "holder": "RU"}
        assert api.post(who, "/reconciliations", json=body).status_code == 403, who
    same = api.post("mediator", "/reconciliations", json={"requester": "UA", "holder": "UA"})
    assert same.status_code == 422


def test_each_party_sees_only_the_queue_on_its_own_holdings(reconciled: Api) -> None:
    ua = queue(reconciled, "own")
    ru = queue(reconciled, "other")
    everyone = queue(reconciled, "mediator")

    assert {p["holder"] for p in ua["items"]} == {"UA"}
    assert {p["holder"] for p in ru["items"]} == {"RU"}
    assert ua["total"] + ru["total"] == everyone["total"]
    assert {p["request_id"] for p in ua["items"]} == {"RU-R-1", "RU-R-2"}
    assert reconciled.get("own", "/reviews", params={"holder": "RU"}).status_code == 403
    assert reconciled.get("outsider", "/reviews").json()["total"] == 0
    assert reconciled.get("observer", "/reviews").status_code == 403


def test_the_queue_shows_both_records_to_compare(reconciled: Api) -> None:
    entry = queue(reconciled, "own", requester="RU")["items"][0]

    assert entry["request"]["party"] == "RU"
    assert entry["holding"]["party"] == "UA"
    assert entry["holding"]["record_id"] == entry["holding_id"]
    assert (
        entry["request"]["identity"]["family_name"] == entry["holding"]["identity"]["family_name"]
    )
    assert entry["sources"] == ["family"]


def test_the_queue_pages_and_filters(reconciled: Api) -> None:
    first = queue(reconciled, "mediator", limit=1)
    second = queue(reconciled, "mediator", limit=1, offset=1)
    sure = queue(reconciled, "mediator", min_probability=0.95)
    doubtful = queue(reconciled, "mediator", max_probability=0.95)
    ru_only = queue(reconciled, "mediator", holder="RU")

    assert (first["total"], first["next_offset"]) == (4, 1)
    assert first["items"][0]["proposal_id"] < second["items"][0]["proposal_id"]
    assert all(p["probability"] >= 0.95 for p in sure["items"])
    assert all(p["probability"] <= 0.95 for p in doubtful["items"])
    assert sure["total"] + doubtful["total"] >= 4
    assert {p["holder"] for p in ru_only["items"]} == {"RU"}
    assert queue(reconciled, "mediator", state="confirmed")["total"] == 0
    bad = reconciled.get("mediator", "/reviews", params={"min_probability": 2})
    assert bad.status_code == 422


def test_the_holding_party_decides_and_the_decision_is_kept(reconciled: Api) -> None:
    proposal = proposal_for(reconciled, "RU-R-1")
    path = f"/parties/UA/reviews/{proposal['proposal_id']}"

    decided = reconciled.post(
        "own", path, json={"verdict": "reject", "reason": "not_held", "note": "no such person"}
    )
    again = reconciled.post("own", path, json={"verdict": "confirm"})
    detail = reconciled.get("own", path).json()

    assert decided.status_code == 200, decided.text
    assert (decided.json()["to_state"], decided.json()["acting_as"]) == ("rejected", "UA")
    assert again.status_code == 409
    assert [d["to_state"] for d in detail["decisions"]] == ["rejected"]
    assert detail["decisions"][0]["actor"] == "ua-office"
    assert queue(reconciled, "own", state="rejected")["total"] == 1


def test_a_party_cannot_decide_on_the_other_partys_holdings(reconciled: Api) -> None:
    on_ua = proposal_for(reconciled, "RU-R-1")["proposal_id"]

    by_ru = reconciled.post("other", f"/parties/UA/reviews/{on_ua}", json={"verdict": "confirm"})
    by_ru_as_own = reconciled.post(
        "other", f"/parties/RU/reviews/{on_ua}", json={"verdict": "confirm"}
    )
    reopen = reconciled.post("own", f"/parties/UA/reviews/{on_ua}", json={"verdict": "reopen"})

    assert by_ru.status_code == 403
    assert by_ru_as_own.status_code == 404  # not a proposal on RU's holdings
    assert reopen.status_code == 403  # only the mediator reopens
    assert queue(reconciled, "mediator", state="proposed")["total"] == 4


def test_the_mediator_escalates_then_decides(reconciled: Api) -> None:
    proposal = proposal_for(reconciled, "UA-R-2")["proposal_id"]
    path = f"/parties/RU/reviews/{proposal}"

    early = reconciled.post("mediator", path, json={"verdict": "confirm"})
    escalated = reconciled.post("mediator", path, json={"verdict": "escalate"})
    confirmed = reconciled.post("mediator", path, json={"verdict": "confirm"})

    assert early.status_code == 403  # the holding party decides first
    assert escalated.json()["to_state"] == "escalated"
    assert (confirmed.json()["to_state"], confirmed.json()["acting_as"]) == (
        "confirmed",
        "mediator",
    )


def test_a_party_learns_what_became_of_its_requests(reconciled: Api) -> None:
    confirmed = proposal_for(reconciled, "UA-R-1")["proposal_id"]
    rejected = proposal_for(reconciled, "UA-R-2")["proposal_id"]
    reconciled.post("other", f"/parties/RU/reviews/{confirmed}", json={"verdict": "confirm"})
    reconciled.post(
        "other",
        f"/parties/RU/reviews/{rejected}",
        json={"verdict": "reject", "reason": "held_different_person"},
    )

    matches = reconciled.get("own", "/parties/UA/matches").json()
    by_request = {m["request_id"]: m for m in matches["items"]}

    assert matches["total"] == 3
    assert by_request["UA-R-1"]["state"] == "confirmed"
    assert by_request["UA-R-1"]["holding_id"] == "RU-H-1"
    assert by_request["UA-R-2"]["state"] == "rejected"
    assert by_request["UA-R-2"]["reason"] == "held_different_person"
    assert by_request["UA-R-2"]["holding_id"] is None
    assert by_request["UA-R-3"]["state"] == "unmatched"
    only = reconciled.get("own", "/parties/UA/matches", params={"state": "confirmed"}).json()
    assert [m["request_id"] for m in only["items"]] == ["UA-R-1"]
    assert reconciled.get("other", "/parties/UA/matches").status_code == 403


def test_a_proposal_in_review_names_no_holding_to_the_requester(reconciled: Api) -> None:
    matches = reconciled.get("own", "/parties/UA/matches").json()

    assert {m["state"] for m in matches["items"]} == {"in_review", "unmatched"}
    assert all(m["holding_id"] is None for m in matches["items"])
    assert "RU-H-" not in str(matches)


def test_no_answer_to_a_party_names_the_other_partys_unmatched_holdings(reconciled: Api) -> None:
    confirmed = proposal_for(reconciled, "UA-R-1")["proposal_id"]
    reconciled.post("other", f"/parties/RU/reviews/{confirmed}", json={"verdict": "confirm"})
    on_ua = proposal_for(reconciled, "RU-R-1")["proposal_id"]
    states = ["proposed", "escalated", "confirmed", "rejected"]
    paths = [
        "/parties/UA/holdings?limit=500",
        "/parties/UA/requests?limit=500",
        "/parties/UA/imports",
        "/parties/UA/matches?limit=500",
        f"/parties/UA/reviews/{on_ua}",
        "/reviews?limit=500&" + "&".join(f"state={s}" for s in states),
        "/parties/RU/holdings",
        "/parties/RU/matches",
        f"/parties/RU/reviews/{confirmed}",
        "/reviews?holder=RU",
    ]

    answers = {path: reconciled.get("own", path) for path in paths}

    for path, response in answers.items():
        assert response.status_code in (200, 403), (path, response.text)
        for secret in RU_UNMATCHED:
            assert secret not in response.text, (path, secret)
    assert "RU-H-1" in answers["/parties/UA/matches?limit=500"].text  # confirmed: matched
    assert not any("RU-H-2" in r.text for r in answers.values())  # in review: not yet
