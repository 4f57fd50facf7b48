"""The exchange overview in a browser: targets, tranches, the live balance, charts, rounds.

The world (tests/e2e/api/conftest.py): tranche 1 of "four for four" is open, UA-6 and
UA-7 on UA's manifest, RU-6 and RU-7 on RU's, one person a side ahead at most.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.slow

OVERVIEW = "/app/exchanges/four%20for%20four"
API = "/exchanges/four%20for%20four"
OFFICE = {"UA": "own", "RU": "other"}
OTHER = {"UA": "RU", "RU": "UA"}
ROUNDS = """\
rounds:
  - number: 1
    venue: Neutral venue
    starts_on: 2025-05-16
    status: concluded
    agreements: [four for four]
    commitments:
      - ref: r1-next
        text: Round 2 follows the exchange
        precondition: {kind: exchange_complete, agreement: four for four}
"""


def api(site: Site, who: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {site.world.tokens[who]}"} | kwargs.pop("headers", {})
    answer = httpx.request(method, site.url + path, headers=headers, timeout=10, **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json()


def cross(site: Site, side: str, record_id: str) -> None:
    """The verifier verifies, the releasing office hands over, the other receives."""
    for who, action in (
        ("verifier", "verify"),
        (OFFICE[side], "hand_over"),
        (OFFICE[OTHER[side]], "receive"),
    ):
        body = {"side": side, "record_id": record_id, "action": action}
        api(site, who, "POST", f"{API}/tranches/1/handover", json=body)


def test_the_mediator_sees_targets_tranches_balance_charts_and_rounds(
    new_page: Any, shot: Any, site: Site
) -> None:
    api(
        site,
        "mediator",
        "POST",
        "/rounds",
        content=ROUNDS,
        headers={"Content-Type": "application/yaml"},
    )
    cross(site, "UA", "UA-6")
    page = new_page()
    sign_in(page, "mediator")
    page.get_by_role("link", name="four for four").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("four for four")

    targets = page.locator("table.ov-targets").first
    expect(targets.get_by_role("columnheader", name="Planned")).to_be_visible()
    expect(targets.get_by_role("row", name=re.compile("^UA"))).to_contain_text("1")
    expect(page.get_by_role("heading", name="Tranche 1: the balance now")).to_be_visible()
    live = page.locator("#balance-1")
    expect(live).to_have_attribute("hx-trigger", "every 2s")
    expect(live.locator("[data-figure=received-UA]")).to_have_text("1")
    expect(live).to_contain_text("Next to cross:")
    expect(live.locator(".balance[role=img]")).to_have_count(1)

    progress = page.get_by_role("img", name=re.compile("Progress of the agreement"))
    expect(progress).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Tranche 1: people received"))).to_be_visible()
    expect(page.locator("table.ov-progress")).to_contain_text("Progress across tranches")

    for link in ("/crossing", "/manifests"):
        expect(page.locator(f"a[href='{OVERVIEW}/tranches/1{link}']")).to_have_count(1)
    expect(page.locator(f"a[href='{OVERVIEW}/agreement']")).to_have_count(1)
    expect(page.locator("a[href='/public/exchanges/four%20for%20four']")).to_have_count(1)

    timeline = page.locator(".ov-timeline")
    expect(timeline).to_contain_text("Round 1")
    expect(timeline).to_contain_text("Round 2 follows the exchange")
    expect(timeline).to_contain_text("the exchange is complete")
    expect(timeline).to_contain_text("pending")
    shot(page, "overview-mediator")


def test_the_balance_bar_follows_the_crossing_without_a_reload(
    new_page: Any, shot: Any, site: Site
) -> None:
    page = new_page()
    sign_in(page, "own")
    page.goto(OVERVIEW)
    live = page.locator("#balance-1")
    expect(live.locator("[data-figure=received-UA]")).to_have_text("0")
    page.evaluate("window.notReloaded = true")
    shot(page, "before-the-handover")

    cross(site, "UA", "UA-6")
    expect(live.locator("[data-figure=received-UA]")).to_have_text("1", timeout=8000)
    expect(live).to_contain_text("RU")  # who must cross next
    cross(site, "RU", "RU-6")
    expect(live.locator("[data-figure=received-RU]")).to_have_text("1", timeout=8000)
    expect(live).to_contain_text("level")
    assert page.evaluate("window.notReloaded") is True
    shot(page, "after-the-handover")


def test_a_party_sees_its_exchange_and_an_outsider_does_not(new_page: Any, shot: Any) -> None:
    page = new_page()
    sign_in(page, "other")
    page.goto(OVERVIEW)
    expect(page.get_by_role("heading", level=1)).to_have_text("four for four")
    expect(page.get_by_role("heading", name="Targets and progress")).to_be_visible()
    shot(page, "overview-party-ru")

    outsider = new_page()
    sign_in(outsider, "outsider")
    answer = outsider.goto(OVERVIEW)
    assert answer is not None
    assert answer.status == 403
    expect(outsider.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(outsider.locator("table")).to_have_count(0)
    expect(outsider.locator("#balance-1")).to_have_count(0)
    fragment = outsider.goto(OVERVIEW + "/tranches/1/balance")
    assert fragment is not None
    assert fragment.status == 403
    shot(outsider, "overview-outsider")


def test_an_observer_sees_counts_and_no_exchange_is_not_found(new_page: Any, shot: Any) -> None:
    page = new_page(width=375, height=740)
    sign_in(page, "observer")
    page.goto(OVERVIEW)
    expect(page.get_by_role("heading", name="Tranches", exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    shot(page, "overview-observer-phone")
    answer = page.goto("/app/exchanges/no%20such%20exchange")
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


@pytest.mark.parametrize(
    ("language", "targets", "tranches", "rounds"),
    [
        ("uk", "Цілі та поступ", "Транші", "Раунди переговорів"),
        ("ru", "Цели и ход обмена", "Транши", "Раунды переговоров"),
    ],
    ids=["uk", "ru"],
)
def test_the_overview_speaks_ukrainian_and_russian(
    new_page: Any, shot: Any, language: str, targets: str, tranches: str, rounds: str
) -> None:
    page = new_page(language=language)
    sign_in(page, "mediator")
    page.goto(OVERVIEW)
    expect(page.locator("html")).to_have_attribute("lang", language)
    for heading in (targets, tranches, rounds):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    shot(page, f"overview-{language}")
