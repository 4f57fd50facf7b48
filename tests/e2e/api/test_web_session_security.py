"""The web app's sessions: CSRF on every change, safe redirects, the cookie's flags."""

from __future__ import annotations

import re

from tests.e2e.api.conftest import PASSWORD, Api


def _signed_in(api: Api, user: str = "ua-office", next_page: str = "/app") -> str:
    """Sign in through the form; the session's CSRF token, read off the page."""
    answer = api.client.post(
        "/app/login",
        data={"user": user, "password": PASSWORD, "next": next_page},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = api.client.get("/app")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_the_session_cookie_is_http_only_and_same_site_strict(api: Api) -> None:
    answer = api.client.post(
        "/app/login", data={"user": "ua-office", "password": PASSWORD}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "parley_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(api: Api) -> None:
    csrf = _signed_in(api)
    refused = api.client.post("/app/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert "out of date or not from parley" in refused.text
    assert api.client.get("/app", follow_redirects=False).status_code == 200  # still signed in

    wrong = api.client.post("/app/logout", data={"csrf_token": "x" * len(csrf)})
    assert wrong.status_code == 403

    done = api.client.post("/app/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert api.client.get("/app", follow_redirects=False).status_code == 303  # to sign in


def test_the_csrf_token_also_counts_in_the_htmx_header(api: Api) -> None:
    csrf = _signed_in(api)
    done = api.client.post("/app/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert done.status_code == 303


def test_after_signing_in_only_an_address_on_this_server_is_followed(api: Api) -> None:
    for elsewhere in ("https://elsewhere.example/", "//elsewhere.example/app", "/\\elsewhere"):
        answer = api.client.post(
            "/app/login",
            data={"user": "mediator", "password": PASSWORD, "next": elsewhere},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/app", elsewhere
    answer = api.client.post(
        "/app/login",
        data={"user": "mediator", "password": PASSWORD, "next": "/app/reviews"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/app/reviews"


def test_pages_are_not_in_the_openapi_document(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/app", "/public", "/static", "/language"))]


def test_pages_may_not_be_framed_and_load_scripts_only_from_this_server(api: Api) -> None:
    page = api.client.get("/app/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    answer = api.get("own", "/parties")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers  # /docs loads Swagger UI
