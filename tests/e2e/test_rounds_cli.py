"""``parley rounds`` end to end: load the demo's rounds, list them, refuse a bad file.

Each call is a subprocess (about a second), so the checks are grouped into a few flows.
"""

from __future__ import annotations

from pathlib import Path

import parley
from tests.e2e.conftest import Parley, Result

DEMO_FILE = Path(parley.__file__).parent / "data" / "demo-rounds.yaml"
BAD = """\
rounds:
  - number: 1
    venue: Neutral venue
    agreements: [2 June]
  - number: 2
    venue: Neutral venue
    commitments:
      - text: Round 3 follows the exchange
        precondition: {kind: soon, agreement: 2 June}
      - ref: r 2
        text: A second promise
"""


def _no_traceback(*results: Result) -> None:
    for result in results:
        assert "Traceback" not in result.stderr, result.describe()
        assert "internal error" not in result.stderr, result.describe()


def test_the_demo_rounds_load_and_are_listed_with_what_each_commitment_waits_on(
    parley: Parley, tmp_path: Path
) -> None:
    empty = parley("rounds")
    assert empty.lines("stdout") == ["no rounds recorded yet: parley rounds load ROUNDS.yaml"]

    loaded = parley("rounds", "load", str(DEMO_FILE))
    first = loaded.lines("stdout")[0]
    assert first == (
        "loaded 3 rounds and 4 commitments from demo-rounds.yaml: 3 new or changed (logged)"
    )
    # The date commitment (2025-09-01) is past by now: it fell due on loading.
    assert "commitment r2-civilian-lists of round 2 is now due" in loaded.stdout

    listed = parley("rounds").stdout
    assert (
        "round 2 (concluded, 2025-06-02) at Neutral venue (host state's conference centre), "
        "mediator: Host state's mediation team"
    ) in listed
    assert "  UA: Delegation of UA (its exchange office and ministries)" in listed
    assert "  agreements: 1,000 for 1,000 (demo)" in listed
    assert "round 3 (planned) at Neutral venue" in listed
    row = next(line for line in listed.splitlines() if "r2-next-round" in line)
    assert "pending" in row
    assert "waits on exchange '1,000 for 1,000 (demo)': no tranche of" in row
    assert "fulfilled since" in next(line for line in listed.splitlines() if "r1-lists" in line)

    again = parley("rounds", "load", str(DEMO_FILE))
    assert again.lines("stdout") == [
        "loaded 3 rounds and 4 commitments from demo-rounds.yaml: unchanged"
    ]
    assert parley("rounds", "refresh").lines("stdout") == ["no commitment fell due"]

    # r1-lists is fulfilled: the file cannot take it back to pending.
    text = DEMO_FILE.read_text("utf-8").replace("status: fulfilled", "status: pending")
    (tmp_path / "back.yaml").write_text(text, "utf-8")
    back = parley("rounds", "load", "back.yaml", code=1)
    assert back.lines()[0].startswith(
        "error: back.yaml line 19, key rounds[1].commitments[1].status: commitment r1-lists "
        "cannot move from fulfilled to pending"
    )
    assert back.lines()[1:] == ["back.yaml: nothing was loaded (1 problem)"]
    _no_traceback(empty, loaded, again, back)


def test_a_bad_rounds_file_lists_every_problem_and_loads_nothing(
    parley: Parley, tmp_path: Path
) -> None:
    (tmp_path / "rounds.yaml").write_text(BAD, "utf-8")
    (tmp_path / "broken.yaml").write_text("rounds: [\n", "utf-8")
    (tmp_path / "latin1.yaml").write_bytes(
        "rounds:\n  - {number: 1, venue: Genève}\n".encode("latin-1")
    )

    bad, broken, missing, latin1 = parley.many(
        ("rounds", "load", "rounds.yaml"),
        ("rounds", "load", "broken.yaml"),
        ("rounds", "load", "missing.yaml"),
        ("rounds", "load", "latin1.yaml"),
        code=1,
    )

    assert bad.lines() == [
        "error: rounds.yaml line 9, key rounds[2].commitments[1].precondition.kind: 'soon' is "
        "not allowed (expected one of: none, exchange_complete, stages_closed, date_reached)",
        "error: rounds.yaml line 10, key rounds[2].commitments[2].ref: 'r 2' is not a "
        "commitment ref (expected 1-64 letters, digits, '.', '_' or '-', e.g. r2-next-round)",
        "rounds.yaml: nothing was loaded (2 problems)",
    ]
    line, verdict = broken.lines()
    assert line.startswith("error: broken.yaml line 2: not valid YAML: ")
    assert verdict == "broken.yaml: nothing was loaded (1 problem)"
    assert missing.lines() == [
        "error: missing.yaml: cannot be read (No such file or directory)",
        "missing.yaml: nothing was loaded (1 problem)",
    ]
    assert latin1.lines()[0] == "error: latin1.yaml: cannot be read (it is not UTF-8 text)"
    assert parley("rounds").lines("stdout") == [
        "no rounds recorded yet: parley rounds load ROUNDS.yaml"
    ]
    _no_traceback(bad, broken, missing, latin1)


def test_rounds_load_and_list_on_postgres(parley_on_postgres: Parley) -> None:
    parley_on_postgres("rounds", "load", str(DEMO_FILE))
    listed = parley_on_postgres("rounds").stdout
    assert "r2-next-round" in listed
    assert "round 3 (planned)" in listed
