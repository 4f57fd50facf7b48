"""The manifest pages in a browser: a party reviews a new version against the one before
and signs it with a signature made offline; a signature made with another key is
rejected; the manifest prints to a PDF carrying its hash and the names as written."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from parley.adapters import db
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.handover import Action
from parley.ledger.keys import SigningKey
from parley.ledger.signatures import sign_file
from parley.services.amendments import substitute
from parley.services.manifests import export_manifest
from tests.browser.conftest import Site, sign_in
from tests.conftest import NOW
from tests.integration import exchange_support as ex

pytestmark = pytest.mark.slow

TRANCHE = f"/app/exchanges/{quote(ex.EXCHANGE)}/tranches/1/manifests"
Uow = Callable[[], SqlUnitOfWork]


@pytest.fixture
def direct(site: Site) -> Iterator[Uow]:
    """Units of work on the site's database, to make what has no page here."""
    engine = db.create_db_engine(site.database_url)
    yield lambda: SqlUnitOfWork(engine)
    engine.dispose()


def _new_version(uow: Uow) -> tuple[str, str]:
    """A listed UA prisoner will not go home; the first reserve takes their place (v2)."""
    declining = ex.listed(uow, 1, "UA")[0]
    reserve = ex.reserves(uow, 1, "UA")[0]
    ex.act(uow, 1, "UA", declining, Action.DECLINE, "neutral_verifier")
    substitute(
        uow(), ex.EXCHANGE, 1, "UA", declining, reserve,
        actor="mediator", now=NOW + timedelta(minutes=5),
    )  # fmt: skip
    return declining, reserve


def _signature_file(uow: Uow, key: SigningKey, folder: Path) -> Path:
    """What ``parley sign`` writes for the latest version of UA's manifest of tranche 1."""
    stored = export_manifest(uow(), ex.EXCHANGE, 1, "UA")
    document = folder / f"manifest-1-UA-v{stored.manifest.version}.json"
    document.write_bytes(stored.document)
    signature = folder / f"{document.name}.sig"
    signature.write_text(sign_file(hashlib.sha256(document.read_bytes()).digest(), key).to_text())
    return signature


def test_the_tranche_lists_both_sides_manifests(new_page: Any, shot: Any) -> None:
    page = new_page(language="ru")
    sign_in(page, "other")
    page.goto(TRANCHE)

    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("скреплён")
    shot(page, "tranche-ru")


def test_a_party_reviews_a_new_version_and_signs_it_offline(
    new_page: Any, shot: Any, direct: Uow, tmp_path: Path
) -> None:
    declining, reserve = _new_version(direct)
    page = new_page()
    sign_in(page, "own")
    page.goto(f"{TRANCHE}/UA")

    expect(page.get_by_role("heading", level=1)).to_contain_text("version 2")
    diff = page.get_by_role("table", name="People taken off and put on")
    expect(diff.locator("tr.removed")).to_contain_text(declining)
    expect(diff.locator("tr.added")).to_contain_text(reserve)
    people = page.get_by_role("table", name=re.compile("in crossing order"))
    expect(people).to_contain_text(reserve)
    expect(people.locator(".translit").first).to_be_visible()  # names are transliterated
    expect(page.locator("pre.command")).to_contain_text("parley sign manifest-1-UA-v2.json")
    shot(page, "version-2-to-sign")

    page.get_by_label("Signature file (.sig)").set_input_files(
        str(_signature_file(direct, ex.KEYS["UA"], tmp_path))
    )
    page.get_by_role("button", name="Hand in the signature").click()

    expect(page.locator("#sign-result")).to_contain_text("verified and recorded")
    signed = page.get_by_role("table", name="Who has signed this version")
    expect(signed.locator("tbody tr")).to_have_count(1)
    expect(signed).to_contain_text("UA")
    expect(signed).to_contain_text(ex.KEYS["UA"].key_id.hex())
    expect(page.get_by_text("You have signed this version.")).to_be_visible()
    shot(page, "version-2-signed")


def test_a_signature_made_with_the_wrong_key_is_rejected(
    new_page: Any, shot: Any, direct: Uow, tmp_path: Path
) -> None:
    _new_version(direct)
    forged = SigningKey.from_seed("UA", bytes(range(100, 132)))  # named UA, not UA's key
    page = new_page()
    sign_in(page, "own")
    page.goto(f"{TRANCHE}/UA")
    page.get_by_label("Or paste the signature file's text").fill(
        _signature_file(direct, forged, tmp_path).read_text()
    )
    page.get_by_role("button", name="Hand in the signature").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Signature rejected: it was not made with the registered key"
    )
    signed = page.get_by_role("table", name="Who has signed this version")
    expect(signed).to_contain_text("No one has signed this version yet.")
    shot(page, "wrong-key-rejected")


def _pdf_texts(data: bytes) -> list[str]:
    """The text a PDF shows, once per font (glyphs decoded by each font's ToUnicode map)."""
    streams = []
    for found in re.finditer(rb"stream\r?\n", data):
        raw = data[found.end() : data.find(b"endstream", found.end())]
        try:
            streams.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            streams.append(raw)
    maps: list[dict[int, str]] = []
    glyphs: list[bytes] = []
    pair = rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>"
    for s in streams:
        if b"begincmap" in s:
            table: dict[int, str] = {}
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
                for src, dst in re.findall(pair, block):
                    table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", s, re.S):
                for lo, hi, dst in re.findall(pair[:-1] + rb"\s*<([0-9A-Fa-f]+)>", block):
                    for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                        table[code] = chr(int(dst, 16) + i)
            maps.append(table)
        elif b"BT" in s:
            glyphs += re.findall(rb"<([0-9A-Fa-f]+)>", s)
    return [
        "".join(
            table.get(int(h[i : i + 4], 16), "\ufffd") for h in glyphs for i in range(0, len(h), 4)
        )
        for table in maps
    ]


def test_the_manifest_prints_to_a_pdf_with_its_hash_signatures_and_names(
    new_page: Any, shot: Any, direct: Uow
) -> None:
    stored = export_manifest(direct(), ex.EXCHANGE, 1, "UA")
    family = stored.manifest.people[0].family_name
    page = new_page()
    sign_in(page, "mediator")
    page.goto(f"{TRANCHE}/UA")
    shot(page, "version-1-sealed")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download as PDF").click()
    data = Path(downloading.value.path()).read_bytes()

    assert downloading.value.suggested_filename == "manifest-1-UA-v1.pdf"
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    texts = _pdf_texts(data)
    assert any(stored.sha256 in t for t in texts), "the hash is not in the PDF's text"
    assert any(family in t for t in texts), "the Cyrillic name is not in the PDF's text"
    assert re.search("[А-Яа-яІіЇї]", family)
    assert any(ex.KEYS["RU"].key_id.hex() in t for t in texts), "a signature is missing"
