"""Users, tokens and the access log through the API: the admin's, and never a party's.

A token is shown once, when made; listings never show it or its hash, and a party sees
no one's tokens, not even its own. The access log records every read and write by user,
route and record id, and never a person's name.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.e2e.api.conftest import Api
from tests.integration.exchange_support import FAMILY, FATHER, GIVEN


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_party_never_sees_tokens_not_even_its_own(api: Api) -> None:
    for who in ("own", "other", "mediator", "observer"):
        assert api.get(who, "/tokens").status_code == 403
        assert api.get(who, "/tokens?user=ua-office").status_code == 403
    assert (
        api.post("own", "/users/ua-office/tokens", json={"label": "x", "days": 1}).status_code
        == 403
    )
    assert api.delete("own", "/tokens/2").status_code == 403  # ru-office's


def test_a_new_token_is_shown_once_and_never_listed(api: Api) -> None:
    made = ok(
        api.post("admin", "/users/ru-office/tokens", json={"label": "RU uploads", "days": 30}), 201
    )
    assert made["token"].startswith("parley_")
    listed = api.get("admin", "/tokens?user=ru-office")
    assert made["token"] not in listed.text
    items = ok(listed)["items"]
    assert {t["label"] for t in items} == {"tests", "RU uploads"}
    assert all(
        set(t) == {"id", "user", "label", "created_at", "expires_at", "revoked_at", "state"}
        for t in items
    )
    me = api.client.get("/me", headers={"Authorization": f"Bearer {made['token']}"})
    assert ok(me)["party"] == "RU"


def test_the_admin_adds_and_disables_users(api: Api) -> None:
    body = {"name": "xa-clerk", "role": "party", "party": "XA", "password": "x" * 12}
    made = ok(api.post("admin", "/users", json=body), 201)
    assert "password" not in made
    assert api.post("admin", "/users", json=body).status_code == 409
    assert (
        api.post("admin", "/users", json=body | {"name": "xa-2", "role": "observer"}).status_code
        == 422
    )
    assert ok(api.post("admin", "/users/ua-office/disable"))["disabled_at"] is not None
    assert api.get("own", "/me").status_code == 401  # its tokens went with it
    names = [u["name"] for u in ok(api.get("admin", "/users?role=party"))["items"]]
    assert names == ["ru-office", "ua-office", "xa-clerk", "xa-office"]


def test_the_access_log_records_reads_and_writes_and_no_personal_data(api: Api) -> None:
    assert api.get("own", "/parties/UA/holdings/UA-1").status_code == 200
    assert api.get("own", "/parties/UA/holdings?limit=5").status_code == 200
    assert api.get("own", "/parties/RU/holdings/RU-1").status_code == 403
    assert api.delete("own", "/session").status_code == 204
    assert api.get("admin", "/access-log").status_code == 200
    api.client.app.state.backend.trail.flush()  # type: ignore[attr-defined]

    entries = ok(api.get("mediator", "/access-log?user=ua-office&limit=50"))["items"]
    seen = {
        (e["method"], e["object_kind"], e["object_id"], e["action"], e["status"]) for e in entries
    }
    assert ("GET", "holdings", "UA/UA-1", "read", 200) in seen
    assert ("GET", "holdings", "RU/RU-1", "read", 403) in seen
    assert ("DELETE", "session", None, "write", 204) in seen
    assert all(e["user"] == "ua-office" and e["party"] == "UA" for e in entries)
    # The route as written, not the path: the record id is only in object_id.
    assert all("UA-1" not in e["route"] for e in entries)
    one = ok(api.get("admin", "/access-log?object_kind=holdings&object_id=UA/UA-1"))["items"]
    assert [e["route"].startswith("/parties/{party}/holdings/{record_id") for e in one] == [True]
    assert api.get("own", "/access-log").status_code == 403

    with sqlite3.connect(api.url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT * FROM access_log").fetchall()
    text = " ".join(str(value) for row in rows for value in row)
    assert "UA-1" in text
    assert not [name for name in FAMILY + GIVEN + FATHER if name in text]
