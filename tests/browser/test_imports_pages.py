"""Importing a file in a browser: dropped or chosen, its progress, and its problems
shown row by row and column by column."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.slow

GOOD = """\
record_id,family_name,given_name,sex,birth_date,category,service_number
UA-H-1,Шевченко,Тарас,M,1990-02-03,pow,UA-X-1
UA-H-2,Коваленко,Олег,M,1991-04-05,pow,UA-X-2
"""
# Two bad rows: row 3 has a birth date that does not exist, row 4 no family name.
BAD = """\
record_id,family_name,given_name,sex,birth_date,category,service_number
UA-H-1,Шевченко,Тарас,M,1990-02-03,pow,UA-X-1
UA-H-2,Коваленко,Олег,M,1991-02-30,pow,UA-X-2
UA-H-3,,Іван,M,1992-06-07,pow,UA-X-3
"""


def drop(page: Any, name: str, text: str) -> None:
    """Drop a file called ``name`` holding ``text`` on the page's drop zone."""
    page.locator("#import-drop").evaluate(
        """(zone, [name, text]) => {
          const data = new DataTransfer();
          data.items.add(new File([text], name, { type: "text/csv" }));
          const init = { dataTransfer: data, bubbles: true, cancelable: true };
          zone.dispatchEvent(new DragEvent("dragover", init));
          zone.dispatchEvent(new DragEvent("drop", init));
        }""",
        [name, text],
    )


def test_a_dropped_file_with_errors_is_refused_with_its_rows_and_columns(
    new_page: Any, shot: Any
) -> None:
    page = new_page()
    sign_in(page, "own")
    page.goto("/app/imports")
    expect(page.get_by_role("heading", name="Import for UA")).to_be_visible()
    imported = page.locator("table.list tbody tr").count()
    shot(page, "imports-form")

    drop(page, "bad-holdings.csv", BAD)

    expect(page.get_by_role("alert")).to_contain_text("bad-holdings.csv has 2 problems")
    table = page.locator("#import-result table.problems")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").nth(0).locator("td").nth(0)).to_have_text("3")
    expect(table.locator("tbody tr").nth(0).locator("td").nth(1)).to_have_text("birth_date")
    expect(table.locator("tbody tr").nth(1).locator("td").nth(0)).to_have_text("4")
    expect(table.locator("tbody tr").nth(1).locator("td").nth(1)).to_have_text("family_name")
    shot(page, "imports-rejected")
    page.reload()
    expect(page.locator("table.list tbody tr")).to_have_count(imported)  # nothing kept


def test_a_good_file_is_imported_with_a_progress_bar_and_listed(
    new_page: Any, shot: Any, tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, "own")
    page.goto("/app/imports")
    seen = page.evaluate_handle(
        "() => { const s = {progress: false}; "
        "document.addEventListener('htmx:xhr:progress', () => { s.progress = true; }); return s; }"
    )
    good = tmp_path / "holdings.csv"
    good.write_text(GOOD, encoding="utf-8")

    imported = page.locator("table.list tbody tr").count()
    page.get_by_label("The file (CSV, HXL-tagged CSV, XLSX or JSON)").set_input_files(good)
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("holdings.csv: 2 rows accepted.")
    expect(page.get_by_role("status")).to_contain_text("New records: 2")
    assert seen.evaluate("s => s.progress"), "the upload reported no progress"
    page.reload()
    expect(page.locator("table.list tbody tr")).to_have_count(imported + 1)
    expect(page.locator("table.list tbody tr").first).to_contain_text("holdings.csv")
    shot(page, "imports-accepted")


def test_the_form_works_without_javascript(browser: Any, site: Site, tmp_path: Path) -> None:
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "own")
        page.goto("/app/imports")
        bad = tmp_path / "bad.csv"
        bad.write_text(BAD, encoding="utf-8")
        page.get_by_label("The file (CSV, HXL-tagged CSV, XLSX or JSON)").set_input_files(bad)
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.locator("table.problems tbody tr")).to_have_count(2)
    finally:
        context.close()


def test_a_party_cannot_import_for_the_other_party(new_page: Any, shot: Any) -> None:
    page = new_page()
    sign_in(page, "own")
    page.goto("/app/imports")
    expect(page.locator("#import-party")).to_have_count(0)  # no party to choose
    # The form's address changed by hand to the other party's: refused, nothing read.
    page.locator("#import-form").evaluate(
        "f => { f.setAttribute('hx-post', '/app/imports/RU'); htmx.process(f); }"
    )
    page.locator("#import-file").set_input_files(
        files=[{"name": "x.csv", "mimeType": "text/csv", "buffer": GOOD.encode()}]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("RU")
    page.goto("/app/imports?party=RU")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    shot(page, "imports-other-party-refused")


def test_the_mediator_chooses_the_party_and_others_are_refused(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "mediator")
    page.goto("/app/imports")
    page.get_by_label("For the party").select_option("RU")
    page.get_by_role("button", name="Choose").click()
    expect(page.get_by_role("heading", name="Import for RU")).to_be_visible()
    observer = new_page()
    sign_in(observer, "observer")
    observer.goto("/app/imports")
    expect(observer.get_by_role("heading", level=1)).to_have_text("Not allowed")


def test_the_imports_page_in_ukrainian_fits_a_phone(new_page: Any, shot: Any) -> None:
    page = new_page(language="uk", width=375, height=740)
    sign_in(page, "own")
    page.goto("/app/imports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Імпорт записів")
    drop(page, "bad.csv", BAD)
    expect(page.locator("table.problems caption")).to_be_visible()
    expect(page.locator("table.problems th").first).to_have_text(re.compile(r"\S"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    shot(page, "imports-uk-phone")
