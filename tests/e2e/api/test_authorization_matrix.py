"""Every route x every role x own and other party's object, from the data in matrix.py."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from parley.config import Settings
from parley.entrypoints.api import create_app
from tests.e2e.api import matrix
from tests.e2e.api.conftest import Api

_HERE = Path(__file__).parent
_UNGUARDED = {("GET", "/health")}


def _cases() -> dict[tuple[str, str], matrix.Case]:
    cases: dict[tuple[str, str], matrix.Case] = {}
    for module in pkgutil.iter_modules([str(_HERE)]):
        if module.name.startswith("cases_"):
            found = importlib.import_module(f"tests.e2e.api.{module.name}").CASES
            clash = set(found) & set(cases)
            assert not clash, f"{module.name} repeats {sorted(clash)}"
            cases.update(found)
    return cases


CASES = _cases()


def _routes(tmp_path: Path) -> set[tuple[str, str]]:
    """Every (method, path template) the application serves, from its OpenAPI paths
    (``app.routes`` lists included routers, not their routes)."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.db'}"))
    found = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert len(found) > 20, found
    return found


def test_every_route_has_its_line_in_the_matrix(tmp_path: Path) -> None:
    missing = _routes(tmp_path) - set(CASES) - _UNGUARDED
    assert not missing, f"routes without an authorisation case: {sorted(missing)}"


def test_the_matrix_names_no_route_that_does_not_exist(tmp_path: Path) -> None:
    stale = set(CASES) - _routes(tmp_path)
    assert not stale, f"cases for routes that do not exist: {sorted(stale)}"


def _send(api: Api, method: str, case: matrix.Case, who: str):  # type: ignore[no-untyped-def]
    headers = api.headers(None if who == "anonymous" else who) | case.headers
    return api.client.request(
        method, case.url, headers=headers, json=case.json, content=case.content,
        files=case.files,
    )  # fmt: skip


@pytest.mark.parametrize(("method", "path"), sorted(CASES), ids=lambda v: str(v))
def test_each_principal_gets_what_the_matrix_says(api: Api, method: str, path: str) -> None:
    case = CASES[method, path]
    # The refused first: an allowed write may change what the object is.
    order = sorted(matrix.PRINCIPALS, key=lambda who: who in case.allowed)
    for who in order:
        response = _send(api, method, case, who)
        if who in case.allowed:
            assert response.status_code not in (401, 403), (who, response.text)
            assert response.status_code < 500, (who, response.text)
        elif who == "anonymous":
            assert response.status_code == 401, (who, response.text)
        else:
            assert response.status_code == 403, (who, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
