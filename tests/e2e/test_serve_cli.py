"""``parley serve``: a real server process, and its refusal of default secrets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.services.readiness import DEMO_PASSWORDS
from tests.e2e.conftest import Parley

DEMO_MEDIATOR_PASSWORD = DEMO_PASSWORDS[next(r for r in DEMO_PASSWORDS if r.value == "mediator")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _add_user(parley: Parley, name: str, password: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "parley", "users", "add", name, "--role", "mediator",
         "--password-stdin"],
        input=password.encode() + b"\n", cwd=parley.cwd, env=parley.env,
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()


def test_serve_refuses_to_start_while_a_user_has_the_demo_password(parley: Parley) -> None:
    _add_user(parley, "mediator", DEMO_MEDIATOR_PASSWORD)

    result = parley("serve", "--port", str(_free_port()), code=1, timeout=60)

    assert "refuses to start with default secrets" in result.stderr
    assert "user mediator still has the demo password" in result.stderr
    assert DEMO_MEDIATOR_PASSWORD not in result.stderr


@pytest.fixture
def server(parley: Parley) -> Iterator[tuple[str, str]]:
    """``parley serve`` on a free port, with a mediator and their token; (base URL, token)."""
    _add_user(parley, "mediator", "a passphrase of the operator's own")
    token = parley("tokens", "new", "mediator", "--label", "e2e").stdout.strip()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "parley", "serve", "--port", str(port)],
        cwd=parley.cwd, env=parley.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1).close()
            break
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "parley serve did not answer within 30 s"
            time.sleep(0.1)
    yield base, token
    process.terminate()
    process.wait(timeout=30)


def _get(url: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_served_api_answers_with_a_token_and_refuses_without(
    server: tuple[str, str], tmp_path: Path
) -> None:
    base, token = server

    status, body = _get(f"{base}/parties", token)
    assert status == 200
    assert body["items"] == []

    status, problem = _get(f"{base}/parties")
    assert status == 401
    assert problem["title"] == "Not authenticated"

    status, schema = _get(f"{base}/openapi.json")
    assert status == 200
    assert "/exchanges/{exchange}/tranches/{number}/handover" in schema["paths"]  # type: ignore[operator]


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: tuple[str, str]) -> None:
    base, token = server
    request = urllib.request.Request(
        f"{base}/parties", data=b"{" + b" " * (2 << 20) + b"}", method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 413
    assert "larger than 1,048,576 bytes" in json.loads(refused.value.read())["detail"]


def test_the_served_web_app_asks_to_sign_in_and_serves_its_files(
    server: tuple[str, str],
) -> None:
    base, _token = server
    with urllib.request.urlopen(f"{base}/app", timeout=10) as response:  # follows the redirect
        assert response.url == f"{base}/app/login?next=%2Fapp"
        assert "<h1>Sign in</h1>" in response.read().decode()
    with urllib.request.urlopen(f"{base}/static/htmx-2.0.11.min.js", timeout=10) as response:
        assert response.status == 200
