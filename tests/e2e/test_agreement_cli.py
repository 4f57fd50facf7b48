"""``parley agreement check`` end to end, and every agreement example in the docs loads.

The command opens no database: it reads one file, prints a summary and the law's
warnings, or prints every problem one line each and exits 1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parley import bootstrap
from parley.adapters.agreements import read_agreement
from tests.e2e.conftest import Parley

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples" / "agreements").glob("*.yaml"))
GUIDE = (ROOT / "docs" / "agreements.md").read_text("utf-8")
BAD = """\
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - name: military
    selector: category == pow and sexx == M
    formula: parity
tranches: {count: 3, separate: [civilians]}
"""
NO_SERIOUSLY_ILL_CLAUSE = """\
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - name: military
    selector: category == pow
    formula: parity
must_include: [age < 25]
tranches: {count: 1}
"""


def test_there_are_several_examples_and_the_guide_shows_each_one() -> None:
    assert len(EXAMPLES) >= 3
    for example in EXAMPLES:
        assert f"examples/agreements/{example.name}" in GUIDE


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_in_the_docs_loads_without_errors_or_warnings(example: Path) -> None:
    checked = bootstrap.load_agreement(example)
    assert checked.warnings == ()
    assert checked.agreement.tracks


def test_every_yaml_block_in_the_guide_is_a_loadable_agreement_or_a_part_of_one() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE, re.S)
    whole = [b for b in blocks if b.startswith("parties:") or "\nparties:" in b]
    assert whole
    for block in whole:
        assert read_agreement(block, "guide").agreement.tracks


def test_check_prints_the_summary_of_the_seed_example(parley: Parley) -> None:
    seed = str(ROOT / "docs" / "examples" / "agreements" / "seed-1000-for-1000.yaml")
    result = parley("agreement", "check", seed)
    lines = result.lines("stdout")
    assert lines[0] == "agreement 1,000 for 1,000 (seed formula): UA and RU, ages on 2025-05-16"
    assert "must include: seriously_ill; age < 25" in lines
    assert "per side: at least 1,000" in lines
    assert (
        "tranches: 3 (2025-05-23, 2025-05-24, 2025-05-25); per side per tranche: 400; "
        "largest lead: 1; separate: civilians"
    ) in lines
    assert lines[-1] == "no warnings"
    assert any("military" in line and "not civilian" in line and "parity" in line for line in lines)
    assert not (parley.cwd / "e2e.db").exists()


def test_check_prints_the_exclusion_clauses(parley: Parley) -> None:
    (parley.cwd / "excluding.yaml").write_text(
        NO_SERIOUSLY_ILL_CLAUSE + "exclude: [category == convicted, age > 60]\n", "utf-8"
    )
    result = parley("agreement", "check", "excluding.yaml")
    assert "excluded: category == convicted; age > 60" in result.lines("stdout")


def test_check_lists_every_problem_one_line_each_and_exits_1(parley: Parley) -> None:
    (parley.cwd / "bad.yaml").write_text(BAD, "utf-8")
    result = parley("agreement", "check", "bad.yaml", code=1)
    assert result.stdout == ""
    assert result.lines() == [
        "error: bad.yaml line 5, key tracks[1].selector: unknown name 'sexx' at column 35 "
        "(expected one of: age, captured_on, category, civilian, health, nationality, rank, "
        "seriously_ill, sex, status)",
        "error: bad.yaml line 7, key tranches.separate[1]: 'civilians' is not a track "
        "(expected one of: military)",
        "bad.yaml: not loaded (2 problems)",
    ]


def test_check_warns_with_art_109_and_strict_makes_the_warning_fail(parley: Parley) -> None:
    (parley.cwd / "warn.yaml").write_text(NO_SERIOUSLY_ILL_CLAUSE, "utf-8")
    relaxed, strict = parley.many(
        ("agreement", "check", "warn.yaml"),
        ("agreement", "check", "--strict", "warn.yaml"),
        code=None,
    )
    assert relaxed.returncode == 0, relaxed.describe()
    assert strict.returncode == 1, strict.describe()
    warning = relaxed.lines("stdout")[-1]
    assert warning.startswith("warn.yaml line 6, key tracks[1].formula: warning: track military")
    assert warning.endswith("(GC III Art. 109(1))")


def test_check_of_a_missing_file_is_one_line_and_exit_1(parley: Parley) -> None:
    result = parley("agreement", "check", "nowhere.yaml", code=1)
    assert result.lines()[0] == "error: nowhere.yaml: cannot be read (No such file or directory)"
