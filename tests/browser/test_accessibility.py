"""Every page passes axe-core's WCAG 2 A and AA rules (labels, contrast, names,
landmarks, language) and fits a phone's width, in each language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
EXCHANGE = "four%20for%20four"

# (who signs in, or None for a public page; the page; its language)
PAGES = [
    (None, "/app/login", "en"),
    (None, "/app/login", "uk"),
    ("mediator", "/app", "ru"),
    ("mediator", f"/app/exchanges/{EXCHANGE}", "en"),
    ("observer", f"/app/exchanges/{EXCHANGE}", "uk"),
    ("mediator", f"/app/exchanges/{EXCHANGE}/agreement", "en"),
    ("own", "/app/agreements/check", "uk"),
    ("own", f"/app/exchanges/{EXCHANGE}/tranches/1/manifests", "ru"),
    ("own", f"/app/exchanges/{EXCHANGE}/tranches/1/manifests/UA", "en"),
    ("verifier", f"/app/exchanges/{EXCHANGE}/tranches/1/crossing", "uk"),
    ("own", f"/app/exchanges/{EXCHANGE}/tranches/1/crossing", "en"),
    ("own", "/app/imports", "ru"),
    ("mediator", "/app/reviews", "en"),
    (None, "/public", "uk"),
    (None, f"/public/exchanges/{EXCHANGE}", "en"),
    (None, "/public/receipts", "ru"),
]


def _violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            });
            return result.violations.map(v => ({
                id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return list(found)


@pytest.mark.parametrize(("who", "path", "language"), PAGES)
def test_the_page_passes_axe_and_fits_a_phone(
    new_page: Any, who: str | None, path: str, language: str
) -> None:
    page = new_page(language=language, bypass_csp=True)
    if who is not None:
        sign_in(page, who)
    page.goto(path)
    violations = _violations(page)
    assert not violations, f"{path} ({language}):\n{json.dumps(violations, indent=1)}"

    page.set_viewport_size({"width": 375, "height": 740})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} is {width} px wide on a 375 px screen"


def test_the_check_finds_a_field_without_a_label_and_text_too_faint(new_page: Any) -> None:
    page = new_page(bypass_csp=True)
    page.set_content(
        '<html lang="en"><title>t</title><main><input type="text">'
        '<p style="color:#bbb;background:#fff">faint</p></main></html>'
    )
    found = {v["id"] for v in _violations(page)}
    assert {"label", "color-contrast"} <= found
