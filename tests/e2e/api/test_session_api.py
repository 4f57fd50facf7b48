"""Signing in to a web session, CSRF on its changes, and tokens that expire and revoke.

A browser signs in with ``POST /session`` and gets the ``parley_session`` cookie; every
change it makes with that cookie must carry the session's ``X-CSRF-Token``, which a page
of another site cannot read. API tokens expire and are refused at once when revoked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from parley.services.auth import new_token
from tests.e2e.api.conftest import PASSWORD, Api

USER = {"user": "admin", "password": PASSWORD}


def sign_in(api: Api, user: str = "admin") -> dict[str, Any]:
    """Sign in as ``user``; the client keeps the cookie. Returns the session's answer."""
    response = api.client.post("/session", json={"user": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_signing_in_sets_a_strict_http_only_cookie_and_answers_the_csrf_token(api: Api) -> None:
    response = api.client.post("/session", json=USER)
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("parley_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; https would add it
    body = response.json()
    assert (body["user"], body["role"], body["party"]) == ("admin", "admin", None)
    assert len(body["csrf_token"]) >= 32
    assert response.cookies["parley_session"] not in response.text
    assert api.client.get("/me").json() == {"user": "admin", "role": "admin", "party": None}


def test_a_change_made_with_a_session_needs_its_csrf_token(api: Api) -> None:
    csrf = sign_in(api)["csrf_token"]
    user = {"name": "ua-clerk", "role": "party", "party": "UA"}
    refused = api.client.post("/users", json=user)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    forged = api.client.post("/users", json=user, headers={"X-CSRF-Token": "x" * 43})
    assert forged.status_code == 403
    made = api.client.post("/users", json=user, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    assert api.client.get("/users?party=UA").status_code == 200  # a read needs none

    assert api.client.delete("/session").status_code == 403
    assert api.client.delete("/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert "parley_session" not in api.client.cookies
    api.client.cookies.clear()


def test_an_ended_session_is_refused(api: Api) -> None:
    csrf = sign_in(api, "ua-office")["csrf_token"]
    cookie = api.client.cookies["parley_session"]
    assert api.client.delete("/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    api.client.cookies.set("parley_session", cookie)  # a copy kept from before
    assert api.client.get("/me").status_code == 401


def test_an_expired_token_is_refused(api: Api) -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    made = new_token(
        api.client.app.state.backend.unit(),  # type: ignore[attr-defined]
        "ua-office",
        label="expired",
        valid_for=timedelta(hours=1),
        actor="test",
        now=past,
    )
    response = api.client.get("/me", headers={"Authorization": f"Bearer {made.token}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_at_once(api: Api) -> None:
    made = api.post("admin", "/users/ua-office/tokens", json={"label": "script", "days": 1})
    assert made.status_code == 201, made.text
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    assert api.client.get("/me", headers=bearer).json()["user"] == "ua-office"
    revoked = api.delete("admin", f"/tokens/{made.json()['id']}")
    assert revoked.json()["state"] == "revoked"
    assert api.client.get("/me", headers=bearer).status_code == 401


def test_a_wrong_password_answers_as_an_unknown_user_does(api: Api) -> None:
    wrong = api.client.post("/session", json={"user": "admin", "password": "not the password"})
    unknown = api.client.post("/session", json={"user": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "set-cookie" not in wrong.headers


def test_signing_in_is_rate_limited_per_user_name(api: Api) -> None:
    attempt = {"user": "ua-office", "password": "guess number n"}
    for _ in range(5):
        assert api.client.post("/session", json=attempt).status_code == 401
    limited = api.client.post("/session", json=attempt)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    # Even the right password waits: the limit comes before the password is checked.
    right = api.client.post("/session", json={"user": "ua-office", "password": PASSWORD})
    assert right.status_code == 429
    assert api.client.post("/session", json=USER).status_code == 200  # another user name
