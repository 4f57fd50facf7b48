"""The agreement and plan pages in a browser: the agreement as written and understood,
the plan per track and tranche, and an infeasible draft relaxed with one click."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.integration import exchange_support as ex

pytestmark = pytest.mark.slow

AGREEMENT = f"/app/exchanges/{quote(ex.EXCHANGE)}/agreement"
# Seven prisoners a side, four of them on manifests already: a hundred a side cannot be.
INFEASIBLE = ex.terms(per_tranche=50)


def test_the_mediator_sees_the_agreement_in_plain_language_and_the_plan(
    new_page: Any, shot: Any
) -> None:
    page = new_page()
    sign_in(page, "mediator")
    page.goto(AGREEMENT)

    expect(page.get_by_role("heading", level=1)).to_contain_text(ex.EXCHANGE)
    clauses = page.locator("ol.clauses")
    expect(clauses).to_contain_text("The exchange is between UA and RU.")
    expect(clauses).to_contain_text(
        "Track military (category == pow): each side releases as many as the other."
    )
    expect(clauses).to_contain_text("Each side releases at least 4 people in all.")
    expect(clauses).to_contain_text("2025-05-23, 2025-05-24")
    plan = page.get_by_role("table", name=re.compile("per track and tranche"))
    expect(plan.locator("tbody tr")).to_have_count(2)
    expect(plan.locator("tbody tr").first).to_contain_text("2025-05-23")
    expect(plan.locator("tfoot")).to_contain_text("4")
    # The file as adopted, byte for byte: the one its SHA-256 is of.
    assert page.locator("pre.yaml").inner_text().strip() == ex.AGREEMENT.strip()
    expect(page.locator(".hash").first).to_have_text(
        hashlib.sha256(ex.AGREEMENT.encode()).hexdigest()
    )
    shot(page, "agreement-mediator")


def test_a_party_reads_the_agreement_in_ukrainian_on_a_phone(new_page: Any, shot: Any) -> None:
    page = new_page(language="uk", width=375, height=800)
    sign_in(page, "own")
    page.goto(AGREEMENT)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Угода і план")
    expect(page.locator("ol.clauses")).to_contain_text("Обмін відбувається між UA та RU.")
    listed = page.get_by_role("table", name=re.compile("останні маніфести"))
    expect(listed.locator("tbody tr")).to_have_count(2)  # tranches 1 and 2, as listed
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    shot(page, "agreement-uk-phone")


def test_an_infeasible_draft_shows_the_collision_and_a_relaxation_makes_it_feasible(
    new_page: Any, shot: Any
) -> None:
    page = new_page()
    sign_in(page, "mediator")
    page.goto("/app/agreements/check")
    page.get_by_label("Draft agreement (YAML)").fill(INFEASIBLE)
    page.get_by_role("button", name="Check the draft").click()

    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("No plan can satisfy this draft")
    expect(page.locator("ul.collision")).to_contain_text("minimum_per_side")
    proposals = page.locator("ul.relaxations li")
    expect(proposals.first).to_contain_text(re.compile("from 100 to"))
    shot(page, "draft-infeasible")

    proposals.first.get_by_role("button", name=re.compile("^Apply: Lower")).click()

    expect(page.locator("#verdict")).to_contain_text("A plan exists for this draft")
    expect(page.get_by_role("status").first).to_contain_text("Applied:")
    text = page.get_by_label("Draft agreement (YAML)").input_value()
    assert "minimum_per_side: 100" not in text
    assert re.search(r"minimum_per_side: \d+", text)
    expect(page.get_by_label("Draft agreement (YAML)")).to_be_focused()
    shot(page, "draft-relaxed")


def test_a_party_checks_a_draft_but_does_not_plan_it(new_page: Any, shot: Any) -> None:
    page = new_page(language="ru")
    sign_in(page, "other")
    page.goto("/app/agreements/check")
    page.get_by_label("Проект соглашения (YAML)").fill("parties: [UA]\n")
    page.get_by_role("button", name="Проверить проект").click()

    expect(page.get_by_role("alert")).to_contain_text("line")
    expect(page.locator("#verdict")).to_have_count(0)
    shot(page, "draft-problems-ru")
