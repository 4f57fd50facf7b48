"""A party's holdings, requests and imports through the API: each party reads its own,
pages and filters them, and imports files streamed, all or nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import create_engine

from parley.adapters.uow import SqlUnitOfWork
from parley.domain.holdings import HoldingStatus
from tests.conftest import NOW
from tests.e2e.api.conftest import Api
from tests.integration.exchange_support import FAMILY, GIVEN

NAMES = set(FAMILY) | set(GIVEN)


def upload(api: Api, who: str, party: str, kind: str, text: str, name: str = "file.csv") -> Any:
    """Send ``text`` as an import file named ``name``."""
    headers = {"Content-Type": "text/csv", "Content-Disposition": f'attachment; filename="{name}"'}
    return api.post(who, f"/parties/{party}/imports/{kind}", content=text.encode(), headers=headers)


def all_items(api: Api, who: str, path: str) -> list[dict[str, Any]]:
    response = api.get(who, path, params={"limit": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def set_status(api: Api, record_id: str, status: HoldingStatus) -> None:
    """Move one of UA's holdings to ``status`` in the database, as the crossing would."""
    engine = create_engine(api.url)
    try:
        with SqlUnitOfWork(engine) as uow:
            holding = uow.holdings.get("UA", record_id)
            assert holding is not None
            uow.holdings.save_status(dataclasses.replace(holding, status=status), at=NOW)
            uow.commit()
    finally:
        engine.dispose()


# --- Reading ---------------------------------------------------------------------------


def test_a_party_reads_its_own_holdings_page_by_page(api: Api) -> None:
    first = api.get("own", "/parties/UA/holdings", params={"limit": 3}).json()
    last = api.get("own", "/parties/UA/holdings", params={"limit": 3, "offset": 6}).json()

    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (7, 3, 0, 3)
    assert [h["record_id"] for h in first["items"]] == ["UA-1", "UA-2", "UA-3"]
    assert [h["record_id"] for h in last["items"]] == ["UA-7"]
    assert last["next_offset"] is None
    assert first["items"][0]["identity"]["family_name"] == FAMILY[1]


def test_filters_select_by_status_category_and_illness(api: Api) -> None:
    everyone = all_items(api, "own", "/parties/UA/holdings")
    by_status: dict[str, int] = {}
    for h in everyone:
        by_status[h["status"]] = by_status.get(h["status"], 0) + 1

    for status, count in by_status.items():
        page = api.get("own", "/parties/UA/holdings", params={"status": status}).json()
        assert page["total"] == count
        assert {h["status"] for h in page["items"]} == {status}
    assert len(by_status) > 1, "the world's plan lists some people and not others"
    both = api.get("own", "/parties/UA/holdings", params=[("status", s) for s in by_status])
    assert both.json()["total"] == 7
    assert api.get("own", "/parties/UA/holdings?category=pow").json()["total"] == 7
    assert api.get("own", "/parties/UA/holdings?category=convicted").json()["total"] == 0
    assert api.get("own", "/parties/UA/holdings?seriously_ill=true").json()["total"] == 0
    assert api.get("own", "/parties/UA/holdings?status=asleep").status_code == 422


def test_the_other_party_is_refused_a_partys_holdings_and_learns_no_name(api: Api) -> None:
    for path in (
        "/parties/RU/holdings",
        "/parties/RU/holdings/RU-1",
        "/parties/RU/holdings/RU-1/history",
        "/parties/RU/requests",
    ):
        response = api.get("own", path)

        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert not any(name in response.text for name in NAMES), response.text


def test_nobody_but_the_party_and_the_mediator_reads_its_holdings(api: Api) -> None:
    for who in ("other", "outsider", "verifier", "observer", "admin"):
        assert api.get(who, "/parties/UA/holdings").status_code == 403, who
    assert api.get("mediator", "/parties/UA/holdings").json()["total"] == 7
    assert api.get(None, "/parties/UA/holdings").status_code == 401


def test_one_holding_by_its_record_id(api: Api) -> None:
    holding = api.get("own", "/parties/UA/holdings/UA-3").json()

    assert holding["record_id"] == "UA-3"
    assert holding["identity"]["service_number"] == "UA-SN-0003"
    assert holding["category"] == "pow"
    assert api.get("own", "/parties/UA/holdings/UA-99").status_code == 404


def test_a_refusal_reads_as_a_neutral_withdrawal_to_the_party(api: Api) -> None:
    set_status(api, "UA-1", HoldingStatus.DECLINED_REPATRIATION)

    own = api.get("own", "/parties/UA/holdings/UA-1")
    listed = api.get("own", "/parties/UA/holdings", params={"limit": 500})
    chosen = api.get("own", "/parties/UA/holdings?status=withdrawn_by_neutral_verification")

    assert own.json()["status"] == "withdrawn_by_neutral_verification"
    assert "declined" not in own.text
    assert "declined" not in listed.text
    assert [h["record_id"] for h in chosen.json()["items"]] == ["UA-1"]
    assert api.get("own", "/parties/UA/holdings?status=declined_repatriation").status_code == 422
    mediator = api.get("mediator", "/parties/UA/holdings/UA-1").json()
    assert mediator["status"] == "declined_repatriation"


# --- Importing ----------------------------------------------------------------------------

REQUESTS = """\
record_id,family_name,given_name,birth_date,source,priority
UA-R-1,Смирнов,Алексей,1990-02-03,family,urgent
UA-R-2,Кузнецов,Дмитро,1991,official_register,normal
UA-R-3,Новиков,Ігор,1970-01-01,family,low
"""


def test_a_party_imports_its_requests_and_reads_them_filtered(api: Api) -> None:
    response = upload(api, "own", "UA", "requests", REQUESTS, name="ua-requests.csv")

    assert response.status_code == 201, response.text
    summary = response.json()
    assert (summary["rows"], summary["created"], summary["source"]) == (3, 3, "ua-requests.csv")
    page = api.get("own", "/parties/UA/requests", params={"source": "family"}).json()
    assert [r["record_id"] for r in page["items"]] == ["UA-R-1", "UA-R-3"]
    urgent = api.get("own", "/parties/UA/requests", params={"priority": "urgent"}).json()
    assert [r["record_id"] for r in urgent["items"]] == ["UA-R-1"]
    one = api.get("own", "/parties/UA/requests/UA-R-2").json()
    assert (one["identity"]["birth_date"], one["status"]) == ("1991", "requested")
    assert api.get("other", "/parties/UA/requests").status_code == 403


def test_a_party_may_not_import_in_the_other_partys_name(api: Api) -> None:
    response = upload(api, "other", "UA", "requests", REQUESTS)

    assert response.status_code == 403
    assert api.get("own", "/parties/UA/requests").json()["total"] == 0


def test_a_reimport_keeps_the_history_of_what_changed(api: Api) -> None:
    upload(api, "own", "UA", "requests", REQUESTS)
    changed = REQUESTS.replace("UA-R-3,Новиков,Ігор,1970-01-01", "UA-R-3,Новиков,Ігор,1971-01-01")
    second = upload(api, "own", "UA", "requests", changed).json()

    history = api.get("own", "/parties/UA/requests/UA-R-3/history").json()

    assert (second["updated"], second["unchanged"]) == (1, 2)
    assert [v["version"] for v in history["items"]] == [1, 2]
    assert history["items"][1]["changed"] == ["birth_date"]
    assert history["items"][1]["content"]["birth_date"] == "1971-01-01"
    assert api.get("own", "/parties/UA/holdings/UA-1/history").json()["total"] == 1


def test_the_imports_are_listed_newest_first_and_by_kind(api: Api) -> None:
    upload(api, "own", "UA", "requests", REQUESTS, name="first.csv")
    upload(api, "mediator", "UA", "requests", REQUESTS, name="second.csv")

    requests = api.get("own", "/parties/UA/imports", params={"kind": "requests"}).json()
    everything = api.get("own", "/parties/UA/imports").json()

    assert [i["source"] for i in requests["items"]] == ["second.csv", "first.csv"]
    assert [i["actor"] for i in requests["items"]] == ["mediator", "ua-office"]
    assert everything["total"] == requests["total"] + 1  # the world's holdings import
    assert api.get("other", "/parties/UA/imports").status_code == 403


def test_a_json_upload_is_read_by_its_content_type(api: Api) -> None:
    rows = [
        {"record_id": "UA-R-9", "family_name": "Шевчук", "given_name": "Павло", "source": "family"}
    ]
    response = api.post(
        "own",
        "/parties/UA/imports/requests",
        content=json.dumps(rows).encode(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["source"] == "requests-upload"
    assert api.get("own", "/parties/UA/requests/UA-R-9").status_code == 200


def test_a_file_with_errors_names_each_row_and_column_and_changes_nothing(api: Api) -> None:
    before = api.get("own", "/parties/UA/holdings").json()["total"]
    imports = api.get("own", "/parties/UA/imports").json()["total"]
    bad = (
        "record_id,family_name,given_name,category,birth_date\n"
        "UA-X-1,Коваль,Олег,pow,1990-01-01\n"
        "UA-X-2,Бондар,Іван,pow,31.02.1999\n"
        "UA-X-3,Мельник,Петро,alien,\n"
    )

    response = upload(api, "own", "UA", "holdings", bad, name="holdings.csv")

    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Import rejected"
    assert problem["detail"].startswith("holdings.csv row 3, column birth_date")
    where = {(e["row"], e["column"]) for e in problem["errors"]}
    assert where == {(3, "birth_date"), (4, "category")}
    assert api.get("own", "/parties/UA/holdings").json()["total"] == before
    assert api.get("own", "/parties/UA/imports").json()["total"] == imports
    assert api.get("own", "/parties/UA/holdings/UA-X-1").status_code == 404


ROWS = 100_000


def _big_csv() -> tuple[AsyncIterator[bytes], int]:
    header = (
        "record_id,family_name,given_name,patronymic,sex,category,birth_date,rank,unit,"
        "service_number\n"
    )
    line = (
        "UA-B-{i:06d},Коваль,Олег,Петрович,M,pow,1990-01-{d:02d},private,72nd brigade,SN-{i:07d}\n"
    )
    size = len(header.encode()) + sum(
        len(line.format(i=i, d=1 + i % 28).encode()) for i in range(ROWS)
    )

    async def chunks() -> AsyncIterator[bytes]:
        buffer = [header]
        held = 0
        for i in range(ROWS):
            text = line.format(i=i, d=1 + i % 28)
            buffer.append(text)
            held += len(text)
            if held >= 32_000:
                yield "".join(buffer).encode()
                buffer, held = [], 0
        yield "".join(buffer).encode()

    return chunks(), size


def test_a_100000_row_upload_is_streamed_not_held_in_memory(api: Api) -> None:
    body, size = _big_csv()

    async def send() -> httpx.Response:
        # The ASGI transport hands the body over chunk by chunk, as a socket would
        # (the test client would first read it whole).
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://parley") as client:
            return await client.post(
                "/parties/UA/imports/holdings",
                content=body,
                timeout=120,
                headers=api.headers("own") | {"Content-Type": "text/csv"},
            )

    tracemalloc.start()
    try:
        response = asyncio.run(send())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 201, response.text
    assert response.json()["rows"] == ROWS
    assert size > 8_000_000
    # Holding the body (or the file) whole would take at least its size.
    assert peak < size / 2, f"peak {peak:,} bytes for a file of {size:,}"
    assert api.get("own", "/parties/UA/holdings").json()["total"] == 7 + ROWS


def test_a_record_id_with_slashes_is_one_path_parameter(api: Api) -> None:
    text = "record_id,family_name,given_name,source\nUA/2024/07,Ткаченко,Юрій,family\n"
    assert upload(api, "own", "UA", "requests", text).status_code == 201

    plain = api.get("own", "/parties/UA/requests/UA/2024/07")
    escaped = api.get("own", "/parties/UA/requests/UA%2F2024%2F07")
    history = api.get("own", "/parties/UA/requests/UA/2024/07/history")

    assert plain.json()["record_id"] == "UA/2024/07"
    assert escaped.json()["record_id"] == "UA/2024/07"
    assert history.json()["total"] == 1
