"""Signing in and out in a browser, and the language of the pages."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.e2e.api.conftest import USERS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("who", sorted(USERS))
def test_each_role_signs_in_and_sees_its_name_and_role(new_page: Any, shot: Any, who: str) -> None:
    page = new_page()
    sign_in(page, who)
    user, _role, party = USERS[who]
    expect(page.locator(".user")).to_contain_text(user)
    if party:
        expect(page.locator(".user")).to_contain_text(party)
    shot(page, f"home-{who}")


def test_a_page_without_a_session_asks_to_sign_in_and_returns_after(new_page: Any) -> None:
    page = new_page()
    page.goto("/app")
    expect(page).to_have_url("/app/login?next=%2Fapp")
    sign_in(page, "mediator")
    expect(page.get_by_role("heading", name="Exchanges")).to_be_visible()


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(new_page: Any) -> None:
    page = new_page()
    page.goto("/app/login")
    page.get_by_label("User name").fill("mediator")
    page.get_by_label("Password").fill("not the password")
    page.locator("form[action='/app/login'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("user name or the password is wrong")


def test_signing_out_ends_the_session(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "observer")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/app")
    expect(page).to_have_url("/app/login?next=%2Fapp")


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Sign in"), ("uk", "Увійти"), ("ru", "Войти")]
)
def test_the_browser_language_chooses_the_page_language(
    new_page: Any, shot: Any, language: str, heading: str
) -> None:
    page = new_page(language=language)
    page.goto("/app/login")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("html")).to_have_attribute("lang", language)
    shot(page, f"login-{language}")


def test_the_language_menu_overrides_the_browser_language(new_page: Any) -> None:
    page = new_page(language="en")
    page.goto("/app/login")
    page.get_by_role("link", name="Українська").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Увійти")
    page.goto("/app/login")  # the choice is kept
    expect(page.get_by_role("heading", level=1)).to_have_text("Увійти")


def test_the_sign_in_page_fits_a_phone(new_page: Any, shot: Any) -> None:
    page = new_page(width=375, height=740)
    page.goto("/app/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    shot(page, "login-phone")


def test_a_bad_address_on_a_page_is_a_page_that_says_what_is_wrong(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "mediator")
    response = page.goto("/app/exchanges/four%20for%20four/tranches/x/crossing")
    assert response is not None
    assert response.status == 422
    expect(page.get_by_role("heading", level=1)).to_have_text("Something in the form is wrong")
    expect(page.locator("table.problems")).to_contain_text("number")
