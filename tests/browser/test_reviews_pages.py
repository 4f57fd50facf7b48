"""The review queue in a browser: two records side by side, the explanation, and a
decision made with one key that brings the next proposal."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.slow

# RU asks for two of the people UA holds (UA-2 and UA-1 of the world) and one UA does not.
RU_REQUESTS = """\
record_id,family_name,given_name,patronymic,sex,birth_date,source
RU-R-1,Мельник,Петро,Петрович,M,1982-01-01,family
RU-R-2,Бондар,Іван,,M,1981,family
RU-R-3,Соколов,Антон,,M,1960-01-01,family
"""


def reconciled(site: Site) -> None:
    """RU's requests imported and reconciled against UA's holdings, through the API."""

    def headers(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {site.world.tokens[who]}"}

    with httpx.Client(base_url=site.url, timeout=30) as api:
        sent = api.post(
            "/parties/RU/imports/requests",
            content=RU_REQUESTS.encode(),
            headers=headers("other") | {"Content-Type": "text/csv"},
        )
        assert sent.status_code == 201, sent.text
        run = api.post(
            "/reconciliations",
            json={"requester": "RU", "holder": "UA"},
            headers=headers("mediator"),
        )
        assert run.status_code == 201, run.text
        assert run.json()["proposed"] >= 2, run.text


def test_the_holding_party_confirms_a_match_with_the_keyboard(
    site: Site, new_page: Any, shot: Any
) -> None:
    reconciled(site)
    page = new_page()
    sign_in(page, "own")
    page.goto("/app/reviews")
    heading = page.get_by_role("heading", level=2).first
    expect(heading).to_contain_text("Proposal 1 of 2")
    compare = page.locator("table.compare")
    expect(compare.locator("thead")).to_contain_text("Asked for by RU")
    expect(compare.locator("thead")).to_contain_text("Held by UA")
    family = compare.locator(
        "tbody tr", has=page.get_by_role("rowheader", name=re.compile("Family name"))
    )
    expect(family.locator("td").nth(0)).to_contain_text("(")  # a transliteration beside it
    expect(page.locator(".explanation li").first).to_be_visible()
    expect(page.locator(".explanation li.agrees").first).to_contain_text("agrees")
    expect(page.locator(".probability")).to_contain_text("%")
    expect(page.locator("kbd", has_text="C")).to_be_visible()
    first = compare.locator("thead .side-a .record-id").inner_text()
    shot(page, "reviews-queue")

    page.locator("body").press("c")

    expect(page.get_by_role("status")).to_contain_text("confirmed")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Proposal 1 of 1")
    expect(page.locator("table.compare thead .side-a .record-id")).not_to_have_text(first)
    shot(page, "reviews-after-confirm")

    page.goto("/app/reviews?decision=confirmed")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Proposal 1 of 1")
    expect(page.locator("table.compare thead .side-a .record-id")).to_have_text(first)
    expect(page.locator("[data-key=c]")).to_have_count(0)  # decided: no more to do


def test_rejecting_asks_why_and_filters_narrow_the_queue(
    site: Site, new_page: Any, shot: Any
) -> None:
    reconciled(site)
    page = new_page()
    sign_in(page, "own")
    page.goto("/app/reviews")
    page.locator("body").press("r")
    expect(page.get_by_label("Why", exact=True)).to_be_focused()
    page.get_by_label("Why", exact=True).select_option("held_different_person")
    shot(page, "reviews-reject")
    page.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("rejected")

    page.get_by_label("Decision").select_option("rejected")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"decision=rejected"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Proposal 1 of 1")

    page.get_by_label("Decision").select_option("open")
    page.get_by_label("Lowest probability, in per cent").fill("100")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No proposal matches these filters.")).to_be_visible()
    page.get_by_label("Lowest probability, in per cent").fill("0")
    page.get_by_label("Highest probability, in per cent").fill("100")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Proposal 1 of 1")
    shot(page, "reviews-filtered")


def test_the_mediator_escalates_and_then_decides(site: Site, new_page: Any) -> None:
    reconciled(site)
    page = new_page()
    sign_in(page, "mediator")
    page.goto("/app/reviews")
    expect(page.locator("[data-key=c]")).to_have_count(0)  # the holding party decides first
    page.locator("body").press("e")
    expect(page.get_by_role("status")).to_contain_text("escalated")
    page.goto("/app/reviews?decision=escalated")
    expect(page.locator("[data-key=c]")).to_be_visible()
    page.locator("body").press("c")
    expect(page.get_by_role("status")).to_contain_text("confirmed")


def test_the_other_party_and_the_observer_see_no_proposal_on_its_holdings(
    site: Site, new_page: Any
) -> None:
    reconciled(site)
    other = new_page()
    sign_in(other, "other")
    other.goto("/app/reviews")
    expect(other.get_by_text("No proposal matches these filters.")).to_be_visible()
    expect(other.locator("body")).not_to_contain_text("Мельник")
    observer = new_page()
    sign_in(observer, "observer")
    observer.goto("/app/reviews")
    expect(observer.get_by_role("heading", level=1)).to_have_text("Not allowed")


def test_the_queue_in_russian_fits_a_phone(site: Site, new_page: Any, shot: Any) -> None:
    reconciled(site)
    page = new_page(language="ru", width=375, height=740)
    sign_in(page, "own")
    page.goto("/app/reviews")
    expect(page.get_by_role("heading", level=1)).to_have_text("Очередь проверки")
    expect(page.get_by_role("button", name=re.compile("Подтвердить"))).to_be_visible()
    expect(page.get_by_role("rowheader", name=re.compile("Фамилия"))).to_be_visible()
    expect(page.locator("table.compare")).to_contain_text("мужской")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    shot(page, "reviews-ru-phone")
