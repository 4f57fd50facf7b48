"""The web app in a real browser: Debian's Chromium driven by Playwright.

Each test gets the app served by uvicorn on a free loopback port, on its own copy of the
API tests' world (tests/e2e/api/conftest.py: parties UA and RU, the "four for four"
exchange with tranche 1 signed and open, a user per role, each with the password
``PASSWORD``), and a fresh browser context in the language it asks for.

``shot(page, name)`` saves a screenshot under ``test-output/screenshots/<test>/`` (or
``$PARLEY_TEST_OUTPUT``) for a person to review. Where Chromium or Playwright is
missing the tests skip, saying which, except in CI (``PARLEY_REQUIRE_BROWSER=1``),
where that fails.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from parley.config import Settings
from parley.entrypoints.api import create_app
from tests.e2e.api.conftest import PASSWORD, USERS, World, api_world

__all__ = ["api_world"]  # the world's fixture, for the tests here

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(os.environ.get("PARLEY_TEST_OUTPUT", "test-output"))


def _unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (make test installs Debian's chromium as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module.

    Not one per run: Playwright's synchronous API keeps an event loop running in this
    thread while it is open, and a later test that starts its own loop (the API's test
    client) would fail.
    """
    why = _unavailable()
    if why is not None:
        if os.environ.get("PARLEY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser tests must run here, but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    """The app served on a copy of the world."""

    url: str
    database_url: str
    world: World


@pytest.fixture
def site(api_world: World, tmp_path: Path) -> Iterator[Site]:
    """The app, served by uvicorn in a thread, on a fresh copy of the world."""
    path = tmp_path / "parley.db"
    shutil.copy(api_world.path, path)
    database_url = f"sqlite:///{path}"
    port = _free_port()
    app = create_app(Settings(database_url=database_url))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start within 20 s")
        time.sleep(0.02)
    yield Site(f"http://127.0.0.1:{port}", database_url, api_world)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def new_page(browser: Any, site: Site) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context: ``new_page(language="uk")``.

    The pages' Content-Security-Policy holds in every context unless ``bypass_csp``.

    The context's locale sets ``Accept-Language``; each context has its own cookies,
    so two people signed in at once are two calls.
    """
    contexts: list[Any] = []

    def opened(
        language: str = "en", width: int = 1280, height: int = 900, bypass_csp: bool = False
    ) -> Any:
        context = browser.new_context(
            base_url=site.url,
            locale=language,
            viewport={"width": width, "height": height},
            bypass_csp=bypass_csp,  # only to inject a test's own script (axe-core)
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield opened
    for context in contexts:
        context.close()


def sign_in(page: Any, who: str) -> None:
    """Sign ``who`` (a name from tests/e2e/api/conftest.py's USERS) in on ``page``."""
    user = USERS[who][0]
    page.goto("/app/login")
    page.get_by_label(re.compile("User name|Ім'я користувача|Имя пользователя")).fill(user)
    page.get_by_label(re.compile("Password|Пароль")).fill(PASSWORD)
    page.locator("form[action='/app/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/app(/.*)?$"))


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot for review: ``shot(page, "overview")``."""
    folder = OUTPUT / "screenshots" / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def taken(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return taken
