"""The public pages in a browser, without signing in: an exchange's report with its
balances and signed checkpoint, the report as PDF, and a family checking a receipt in
English, Ukrainian and Russian, an altered receipt being refused.

Each test first crosses UA-6 of tranche 1 through the API (the neutral verifier, UA
hands over, RU receives), signs a checkpoint with the mediator's key and, where it needs
one, issues UA-6's receipt, as the mediator would.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from parley.adapters import db
from parley.adapters.uow import SqlUnitOfWork
from parley.config import DEFAULT_LOG_ORIGIN
from parley.ledger.receipt_format import read_receipt
from parley.services.ledger import sign_checkpoint
from parley.services.receipts import issue_receipt
from tests.browser.conftest import Site
from tests.integration.exchange_support import KEYS

pytestmark = pytest.mark.slow

X = "/exchanges/four%20for%20four"


def _cross_and_sign(site: Site) -> str:
    """Cross UA-6 through the API, sign a checkpoint; the checkpoint's root hash."""
    tokens = site.world.tokens
    for who, action in (("verifier", "verify"), ("own", "hand_over"), ("other", "receive")):
        response = httpx.post(
            f"{site.url}{X}/tranches/1/handover",
            json={"side": "UA", "record_id": "UA-6", "action": action},
            headers={"Authorization": f"Bearer {tokens[who]}"},
        )
        assert response.status_code == 200, response.text
    engine = db.create_db_engine(site.database_url)
    try:
        stored = sign_checkpoint(
            SqlUnitOfWork(engine), KEYS["MEDIATOR"], origin=DEFAULT_LOG_ORIGIN,
            now=datetime.now(UTC),
        )  # fmt: skip
    finally:
        engine.dispose()
    return stored.note.splitlines()[2]


def _receipt(site: Site) -> str:
    engine = db.create_db_engine(site.database_url)
    try:
        return issue_receipt(SqlUnitOfWork(engine), "holding", "UA", "UA-6").to_text()
    finally:
        engine.dispose()


def test_the_public_report_shows_balances_and_the_checkpoint_without_login(
    site: Site, new_page: Any, shot: Any
) -> None:
    root = _cross_and_sign(site)
    page = new_page()
    page.goto("/public")
    shot(page, "public-index")
    page.get_by_role("link", name="four for four").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("four for four")
    expect(page.locator(".user")).to_have_count(0)  # nobody is signed in
    ua_line = page.locator(".tranche[data-tranche='1'] tbody tr").filter(has_text="UA")
    expect(ua_line.locator("td[data-count='handed_over']")).to_have_text("1")
    expect(ua_line.locator("td[data-count='received']")).to_have_text("1")
    expect(page.locator(".tranche[data-tranche='1'] .balance")).to_have_count(1)
    expect(page.locator("#root-hash")).to_have_text(root)
    expect(page.locator("#checkpoint-note")).to_contain_text("— MEDIATOR")
    expect(page.get_by_text("parley verify log.jsonl")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("UA-6")  # numbers only
    shot(page, "public-report")
    page.goto("/public")
    page.get_by_role("textbox", name="The exchange's name").fill("four for four")
    page.get_by_role("button", name="Open the report").click()
    expect(page.locator("#root-hash")).to_have_text(root)


def test_the_report_downloads_as_a_pdf_carrying_the_checkpoint(
    site: Site, new_page: Any, shot: Any
) -> None:
    root = _cross_and_sign(site)
    page = new_page(language="uk", width=375, height=740)  # on a phone
    page.goto("/public/exchanges/four%20for%20four")
    expect(page.get_by_role("heading", level=1)).to_contain_text("four for four")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the report is {width} px wide on a 375 px screen"
    with page.expect_download() as waiting:
        page.locator("a[download]").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    texts = [data]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            texts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    assert any(root.encode() in text for text in texts), "the PDF does not carry the root hash"
    shot(page, "public-report-uk-phone")
    page.goto("/public/receipts")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the receipt checker is {width} px wide on a 375 px screen"


VERDICTS = {
    "en": ("This receipt is valid", "This person was received"),
    "uk": ("Ця квитанція дійсна", "Цю людину прийнято"),
    "ru": ("Эта квитанция действительна", "Этот человек принят"),
}


def test_a_family_checks_a_receipt_in_its_language(site: Site, new_page: Any, shot: Any) -> None:
    _cross_and_sign(site)
    receipt = _receipt(site)
    for language, (valid, received) in VERDICTS.items():
        page = new_page(language=language)
        page.goto("/public/receipts")
        expect(page.locator("html")).to_have_attribute("lang", language)
        shot(page, f"receipt-form-{language}")
        page.locator("#receipt").fill(receipt)
        page.locator("form[action='/public/receipts'] button[type=submit]").click()
        expect(page.locator("#verdict")).to_have_text(valid)
        expect(page.locator(".conclusion")).to_contain_text(received)
        expect(page.locator("[data-answer='sealed'] .tag.ok")).to_be_visible()
        expect(page.locator("[data-answer='received'] .tag.ok")).to_be_visible()
        shot(page, f"receipt-valid-{language}")


def test_an_altered_or_uploaded_receipt(site: Site, new_page: Any, shot: Any) -> None:
    _cross_and_sign(site)
    receipt = _receipt(site)
    document = json.loads(read_receipt(receipt).to_json())
    document["person"]["record_id"] = "UA-7"  # someone else's record, the same salt
    altered = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    page = new_page(language="uk")
    page.goto("/public/receipts")
    page.locator("#receipt").fill(altered)
    page.locator("form[action='/public/receipts'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("Ця квитанція недійсна")
    expect(page.locator(".verdict.ok")).to_have_count(0)
    shot(page, "receipt-altered-uk")

    # One character changed in the text form is refused too.
    middle = len(receipt) // 2
    swapped = "A" if receipt[middle] != "A" else "B"
    page.locator("#receipt").fill(receipt[:middle] + swapped + receipt[middle + 1 :])
    page.locator("form[action='/public/receipts'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("Ця квитанція недійсна")

    # The receipt's file, uploaded, verifies.
    page.locator("#receipt").fill("")
    page.locator("#upload").set_input_files(
        files=[{"name": "receipt.txt", "mimeType": "text/plain", "buffer": receipt.encode()}]
    )
    page.locator("form[action='/public/receipts'] button[type=submit]").click()
    expect(page.locator("#verdict")).to_have_text("Ця квитанція дійсна")
