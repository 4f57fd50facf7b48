"""``parley import/export --purpose``, ``parley retention apply`` and ``parley person
export`` end to end: what the operator types, and what they see (docs/data-protection.md)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Parley

HOLDINGS = (
    "record_id,family_name,given_name,sex,birth_date,category\n"
    "RU-1,Іваненко,Петро,M,1999-03-14,pow\n"
    "RU-2,Petrenko,Olena,F,1987-03,civilian_internee\n"
)
REFUSED = (
    "error: holding RU-1 of RU is held for family_tracing, not repatriation: "
    "a read or export for another purpose is refused"
)


def _setup(parley: Parley, tmp_path: Path, *purpose: str) -> None:
    (tmp_path / "h.csv").write_text(HOLDINGS, encoding="utf-8")
    parley("parties", "add", "RU", "Party RU", "--language", "ru")
    parley("import", "holdings", "h.csv", "--party", "RU", *purpose)


def test_an_export_for_another_purpose_is_refused_and_writes_no_file(
    parley: Parley, tmp_path: Path
) -> None:
    _setup(parley, tmp_path, "--purpose", "family_tracing")

    refused = parley(
        "export", "holdings", "--party", "RU", "--purpose", "repatriation", "--out", "x.csv",
        code=1,
    )  # fmt: skip

    assert refused.stderr.strip().splitlines()[-1] == REFUSED
    assert not (tmp_path / "x.csv").exists()
    allowed = parley("export", "holdings", "--party", "RU", "--purpose", "family_tracing")
    assert allowed.stdout.count("RU-") == 2


def test_an_export_that_declares_no_purpose_is_for_the_records_own(
    parley: Parley, tmp_path: Path
) -> None:
    _setup(parley, tmp_path)

    shown = parley("export", "holdings", "--party", "RU")
    refused = parley("export", "holdings", "--party", "RU", "--purpose", "family_tracing", code=1)

    assert shown.stdout.count("RU-") == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "error: holding RU-1 of RU is held for repatriation, not family_tracing: "
        "a read or export for another purpose is refused"
    )


def test_a_purpose_parley_does_not_serve_is_refused_at_import(
    parley: Parley, tmp_path: Path
) -> None:
    (tmp_path / "h.csv").write_text(HOLDINGS, encoding="utf-8")
    parley("parties", "add", "RU", "Party RU", "--language", "ru")

    refused = parley(
        "import", "holdings", "h.csv", "--party", "RU", "--purpose", "prosecution", code=2
    )

    assert "'prosecution' is not one of" in " ".join(refused.stderr.split())
    assert parley("export", "holdings", "--party", "RU").stdout.count("RU-") == 0


def test_retention_dry_run_says_what_it_keeps_and_why_and_removes_nothing(
    parley: Parley, tmp_path: Path
) -> None:
    _setup(parley, tmp_path)

    shown = parley("retention", "apply", "--dry-run")

    text = " ".join(shown.stdout.split())
    assert "retention (dry run: nothing removed)" in text
    assert "kept while no exchange has tranches yet" in text
    assert "0 rows are due; run without --dry-run to remove them" in text
    assert parley("export", "holdings", "--party", "RU").stdout.count("RU-") == 2


def test_retention_apply_keeps_the_records_of_an_exchange_not_closed_and_says_so(
    parley: Parley, tmp_path: Path
) -> None:
    _setup(parley, tmp_path)

    shown = parley("retention", "apply")

    text = " ".join(shown.stdout.split())
    assert "0 rows removed and registered in the retention register" in text
    assert parley("export", "holdings", "--party", "RU").stdout.count("RU-") == 2


def test_the_mediator_exports_one_persons_file_as_json(parley: Parley, tmp_path: Path) -> None:
    _setup(parley, tmp_path)

    shown = parley("person", "export", "RU-2", "--side", "RU")
    parley("person", "export", "RU-2", "--side", "ru", "--out", "p.json")

    found = json.loads(shown.stdout)
    assert found["record_id"] == "RU-2"
    assert found["records"] == {
        "holdings": {"purpose": "repatriation", "status": "detained", "version": 1}
    }
    assert found["holding_versions"][0]["content"]["family_name"] == "Petrenko"
    assert found["crossings"] == []
    assert found["findings"] == []
    assert json.loads((tmp_path / "p.json").read_text("utf-8")) == found
    assert (tmp_path / "p.json").stat().st_mode & 0o777 == 0o600


def test_a_person_export_of_an_unknown_record_names_only_the_record_id(
    parley: Parley, tmp_path: Path
) -> None:
    _setup(parley, tmp_path)

    refused = parley("person", "export", "RU-9", "--side", "RU", code=1)

    assert refused.stderr.strip() == "error: nothing is held about RU/RU-9"
