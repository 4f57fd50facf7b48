"""The agreement page's helpers: the agreement written back out, and said in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.adapters.agreements import read_agreement
from parley.entrypoints.web import i18n
from parley.entrypoints.web.pages.agreement import agreement_yaml, clauses, relaxation_text

EXAMPLES = sorted((Path(__file__).parents[2] / "docs" / "examples" / "agreements").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_an_agreement_written_out_reads_back_as_the_same_agreement(path: Path) -> None:
    agreement = read_agreement(path.read_text(), path.name).agreement

    again = read_agreement(agreement_yaml(agreement), "again.yaml").agreement

    assert again == agreement


def test_every_clause_is_said_in_the_pages_language() -> None:
    agreement = read_agreement(EXAMPLES[-1].read_text(), "seed.yaml").agreement
    i18n.using("uk")
    try:
        said = clauses(agreement)
        relaxed = relaxation_text("minimum_per_side", "1000", "7", "lower ...")
    finally:
        i18n.using(i18n.DEFAULT)

    keys = [s.key for s in said]
    assert "must_include[2]" in keys
    assert "tranches.separate" in keys
    assert any("«age < 25»" in s.text for s in said)
    assert relaxed == "Знизити мінімум для кожної сторони з 1000 до 7."
