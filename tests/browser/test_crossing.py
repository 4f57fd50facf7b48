"""The crossing console in a browser: the neutral verifier and both offices record a
whole tranche, watch the balance bar, are told clearly when a step is refused, and find
people by name in either script.

The world's tranche 1 of "four for four" lists two people a side (UA-6 and UA-7 of UA,
two of RU), parity, a side leading by at most one.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow

CONSOLE = "/app/exchanges/four%20for%20four/tranches/1/crossing"


def _row(page: Any, record_id: str) -> Any:
    return page.locator(f"tr[data-record='{record_id}']")


def _step(page: Any, record_id: str, action: str) -> None:
    """Click a step's button and wait for HTMX to draw the person's row again."""
    row = _row(page, record_id)
    before = row.get_attribute("data-state")
    row.locator(f"button[data-action='{action}']").click()
    expect(page.locator("#message p").first).to_contain_text(record_id)
    if action != "verify":
        expect(_row(page, record_id)).not_to_have_attribute("data-state", before or "")


def _share(page: Any) -> float:
    """The share of the balance bar on the first party's side, in percent."""
    style = page.locator("#balance .balance-left").first.get_attribute("style") or ""
    found = re.search(r"width:\s*([0-9.]+)%", style)
    assert found, style
    return float(found.group(1))


def _next(page: Any) -> str:
    return page.locator("#balance .next").first.get_attribute("data-next") or ""


def _ids(page: Any, side: str) -> list[str]:
    rows = page.locator(f"tr[data-record^='{side}-']")
    return [rows.nth(i).get_attribute("data-record") for i in range(rows.count())]


def test_the_three_record_a_whole_tranche_and_the_balance_bar_follows(
    new_page: Any, shot: Any
) -> None:
    verifier, ua, ru = new_page(), new_page(), new_page(language="ru")
    sign_in(verifier, "verifier")
    sign_in(ua, "own")
    sign_in(ru, "other")
    for page in (verifier, ua, ru):
        page.goto(CONSOLE)
    expect(verifier.get_by_role("heading", level=1)).to_have_text("Crossing console")
    expect(ru.get_by_role("heading", level=1)).to_have_text("Пункт передачи")
    ua_ids, ru_ids = _ids(verifier, "UA"), _ids(verifier, "RU")
    assert len(ua_ids) == len(ru_ids) == 2
    assert _share(verifier) == 50.0
    assert _next(verifier) == ""
    shot(verifier, "console-verifier-start")

    # Each office sees only its own steps: UA hands over its people, RU receives them.
    expect(ua.locator("button[data-action='verify']")).to_have_count(0)
    expect(ua.locator("button[data-action='receive']")).to_have_count(0)
    expect(_row(ua, ru_ids[0]).locator("button")).to_have_count(0)

    # A handover before the neutral verifier's check is refused, and says why.
    _row(ua, ua_ids[0]).locator("button[data-action='hand_over']").click()
    expect(ua.get_by_role("alert")).to_contain_text("Not verified yet")
    assert _row(ua, ua_ids[0]).get_attribute("data-state") == "listed"
    shot(ua, "console-refused-not-verified")

    for record_id in ua_ids + ru_ids:
        _step(verifier, record_id, "verify")
        expect(_row(verifier, record_id).locator(".tag.ok")).to_be_visible()
    expect(verifier.locator("button[data-action='verify']")).to_have_count(0)
    shot(verifier, "console-verifier-done")

    ua.goto(CONSOLE)
    _step(ua, ua_ids[0], "hand_over")
    assert _share(ua) == 100.0
    assert _next(ua) == "RU"
    expect(ua.locator("#balance .next").first).to_contain_text("RU must hand over next")
    # A second UA handover now would put UA two ahead: refused, naming who is next.
    _row(ua, ua_ids[1]).locator("button[data-action='hand_over']").click()
    expect(ua.get_by_role("alert")).to_contain_text("RU must hand over next")
    shot(ua, "console-refused-balance")

    ru.goto(CONSOLE)
    _step(ru, ua_ids[0], "receive")
    _step(ru, ru_ids[0], "hand_over")
    assert _share(ru) == 50.0
    assert _next(ru) == ""
    ua.goto(CONSOLE)
    _step(ua, ru_ids[0], "receive")
    _step(ua, ua_ids[1], "hand_over")
    assert _share(ua) > 50.0
    ru.goto(CONSOLE)
    _step(ru, ua_ids[1], "receive")
    _step(ru, ru_ids[1], "hand_over")
    ua.goto(CONSOLE)
    _step(ua, ru_ids[1], "receive")

    for page in (verifier, ua, ru):
        page.goto(CONSOLE)
        assert _share(page) == 50.0
        assert _next(page) == ""
        states = page.locator("tr[data-record]")
        assert {states.nth(i).get_attribute("data-state") for i in range(4)} == {"received"}
    expect(verifier.locator("#balance tbody td.num")).to_have_text(["2", "2", "2", "2"])
    shot(ru, "console-ru-balanced")
    shot(ua, "console-ua-balanced")


def test_a_step_sent_twice_with_its_key_is_recorded_once(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "verifier")
    page.goto(CONSOLE)
    form = _row(page, "UA-6").locator("form")
    fields = {
        name: form.locator(f"input[name='{name}']").get_attribute("value") or ""
        for name in ("csrf_token", "side", "record_id", "action", "key", "q")
    }
    first = page.request.post(CONSOLE, form=fields)
    again = page.request.post(CONSOLE, form=fields)  # the click retried on a slow line
    assert first.status == again.status == 200
    assert "identity and will confirmed" in first.text()
    assert "not recorded twice" in again.text()


def test_people_are_found_by_name_in_cyrillic_and_in_latin(new_page: Any, shot: Any) -> None:
    page = new_page()
    sign_in(page, "verifier")
    page.goto(CONSOLE)
    search = page.get_by_label(re.compile("Find a person"))
    search.fill("Олійник")  # UA-7, Олійник Тарас
    expect(_row(page, "UA-6")).to_have_count(0)
    expect(_row(page, "UA-7")).to_be_visible()
    expect(_row(page, "UA-7")).to_contain_text("Oliinyk")  # the transliteration beside it
    shot(page, "console-search-cyrillic")
    search.fill("kravets")  # UA-6, Кравець Богдан, typed in Latin letters
    expect(_row(page, "UA-7")).to_have_count(0)
    expect(_row(page, "UA-6")).to_be_visible()
    shot(page, "console-search-latin")
    search.fill("UA-7")
    expect(page.locator("tr[data-record]")).to_have_count(1)
    search.fill("nobody-like-this")
    expect(page.locator("#people")).to_contain_text("Nobody matches")


def test_the_console_fits_a_phone_and_is_refused_to_an_observer(new_page: Any, shot: Any) -> None:
    page = new_page(width=375, height=740)
    sign_in(page, "own")
    page.goto(CONSOLE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    shot(page, "console-phone")
    observer = new_page()
    sign_in(observer, "observer")
    response = observer.goto(CONSOLE)
    assert response is not None
    assert response.status == 403
