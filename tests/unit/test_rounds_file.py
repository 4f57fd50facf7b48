"""Rounds files: reading good ones, and every problem of bad ones by line and key path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import parley
from parley.adapters.rounds_file import read_rounds
from parley.domain.rounds import CommitmentStatus, Precondition, PreconditionKind
from parley.errors import RoundsRejected

DEMO_FILE = Path(parley.__file__).parent / "data" / "demo-rounds.yaml"
DEMO = "1,000 for 1,000 (demo)"
KINDS = "none, exchange_complete, stages_closed, date_reached"


def rejected(text: str) -> list[str]:
    with pytest.raises(RoundsRejected) as refused:
        read_rounds(text, "rounds.yaml")
    assert refused.value.source == "rounds.yaml"
    return refused.value.problems


def a_round(*lines: str) -> str:
    """Round 1 at lines 2-3, then ``lines`` from line 4, indented under it."""
    return "rounds:\n  - number: 1\n    venue: Neutral venue\n" + "".join(
        f"    {line}\n" for line in lines
    )


def a_commitment(*lines: str) -> str:
    """Round 1's one commitment at line 5, its text there, ``lines`` from line 6."""
    return a_round("commitments:", "  - text: meet again", *(f"    {line}" for line in lines))


# --- good files -----------------------------------------------------------------------


def test_the_demo_rounds_are_read_with_their_commitments_and_where_each_is() -> None:
    listed = read_rounds(DEMO_FILE.read_text("utf-8"), "demo-rounds.yaml")
    assert listed.source == "demo-rounds.yaml"
    assert [r.round.number for r in listed.rounds] == [1, 2, 3]
    second = listed.rounds[1]
    assert second.round.agreements == (DEMO,)
    assert [code for code, _ in second.round.delegations] == ["UA", "RU"]
    refs = [c.commitment.ref for c in second.commitments]
    assert refs == ["r2-first-balance", "r2-next-round", "r2-civilian-lists"]
    assert second.commitments[1].commitment.precondition == Precondition(
        PreconditionKind.EXCHANGE_COMPLETE, agreement_ref=DEMO
    )
    assert second.commitments[1].at == ("rounds", 2, "commitments", 2)
    [lists] = listed.rounds[0].commitments
    assert (lists.commitment.status, lists.status_given) == (CommitmentStatus.FULFILLED, True)
    assert not second.commitments[0].status_given
    assert listed.rounds[2].commitments == ()


def test_the_rounds_read_say_a_later_problem_by_its_line() -> None:
    listed = read_rounds(DEMO_FILE.read_text("utf-8"), "demo-rounds.yaml")
    at = (*listed.rounds[1].commitments[1].at, "status")
    assert listed.locate(at, "no") == (
        "demo-rounds.yaml line 38, key rounds[2].commitments[2].status: no"
    )


def test_a_commitment_without_a_ref_is_named_after_its_round_and_place() -> None:
    text = "rounds:\n  - number: 4\n    venue: V\n    commitments: [{text: a}, {text: b}]\n"
    [listed] = read_rounds(text, "rounds.yaml").rounds
    assert [c.commitment.ref for c in listed.commitments] == ["r4-1", "r4-2"]


def test_dates_may_be_quoted() -> None:
    [listed] = read_rounds(a_round("starts_on: '2025-05-16'"), "rounds.yaml").rounds
    assert listed.round.starts_on == date(2025, 5, 16)


def test_a_precondition_may_be_given_by_its_kind_alone_or_as_none() -> None:
    text = a_round("commitments:", "  - {text: a, precondition: none}")
    [listed] = read_rounds(text, "rounds.yaml").rounds
    assert listed.commitments[0].commitment.precondition == Precondition()


# --- every bad file: the line, the key path, what is wrong ------------------------------

BAD = [
    ("", "rounds.yaml: is not a mapping (expected keys rounds)"),
    (
        "rounds: [\n",
        "rounds.yaml line 2: not valid YAML: expected the node content, but found '<stream end>'",
    ),
    ("rounds: []\n", "rounds.yaml line 1, key rounds: is empty (expected at least one round)"),
    (
        "rounds: round 1\n",
        "rounds.yaml line 1, key rounds: is not a list (expected '- ' items or [a, b])",
    ),
    (
        "round: []\n",
        "rounds.yaml line 1, key round: unknown key (expected one of: rounds)\n"
        "rounds.yaml line 1: lacks the key rounds (required)",
    ),
    (
        "rounds:\n  - venue: V\n",
        "rounds.yaml line 2, key rounds[1]: lacks the key number (required)",
    ),
    (
        "rounds:\n  - {number: 0, venue: V}\n",
        "rounds.yaml line 2, key rounds[1].number: 0 is not a whole number (expected 1 or more)",
    ),
    (
        "rounds:\n  - {number: true, venue: V}\n",
        "rounds.yaml line 2, key rounds[1].number: True is not a whole number (expected 1 or more)",
    ),
    (
        "rounds:\n  - {number: 1, venue: V}\n  - {number: 1, venue: W}\n",
        "rounds.yaml line 3, key rounds[2].number: 1 is also the number of rounds[1] on line 2 "
        "(expected each round once)",
    ),
    (
        "rounds:\n  - {number: 1, venue: ' '}\n",
        "rounds.yaml line 2, key rounds[1].venue: ' ' is not a text of 1 to 200 characters",
    ),
    (
        a_round("starts_on: 16.05.2025"),
        "rounds.yaml line 4, key rounds[1].starts_on: '16.05.2025' is not a date "
        "(expected YYYY-MM-DD)",
    ),
    (
        a_round("starts_on: 2025-05-16 09:00:00"),
        "rounds.yaml line 4, key rounds[1].starts_on: datetime.datetime(2025, 5, 16, 9, 0) "
        "is not a date (expected YYYY-MM-DD)",
    ),
    (
        a_round("status: postponed"),
        "rounds.yaml line 4, key rounds[1].status: 'postponed' is not allowed "
        "(expected one of: planned, held, concluded, cancelled)",
    ),
    (
        a_round("place: Geneva"),
        "rounds.yaml line 4, key rounds[1].place: unknown key (expected one of: number, venue, "
        "starts_on, status, mediator, delegations, agreements, commitments)",
    ),
    (
        a_round("venue: Elsewhere"),
        "rounds.yaml line 4, key rounds[1].venue: appears twice (expected each key once)",
    ),
    (
        a_round("delegations: [UA, RU]"),
        "rounds.yaml line 4, key rounds[1].delegations: is not a mapping "
        "(expected party code: delegation, e.g. UA: ...)",
    ),
    (
        a_round("delegations:", "  ua: x"),
        "rounds.yaml line 5, key rounds[1].delegations.ua: 'ua' is not a party code "
        "(expected 2-8 capital letters or digits)",
    ),
    (
        a_round("delegations:", "  UA: x", "  NO: y"),
        "rounds.yaml line 6, key rounds[1].delegations.NO: False is not a party code "
        "(expected text: quote it, e.g. 'NO')",
    ),
    (
        a_round("agreements:", f"  - {DEMO}", f"  - {DEMO}"),
        "rounds.yaml line 4, key rounds[1].agreements: '1,000 for 1,000 (demo)' is named twice",
    ),
    (
        a_round(f"agreements: {DEMO}"),
        "rounds.yaml line 4, key rounds[1].agreements: is not a list "
        "(expected '- ' items or [a, b])",
    ),
    (
        a_round("commitments:", "  - ref: x"),
        "rounds.yaml line 5, key rounds[1].commitments[1]: lacks the key text (required)",
    ),
    (
        a_commitment("ref: r 1"),
        "rounds.yaml line 6, key rounds[1].commitments[1].ref: 'r 1' is not a commitment ref "
        "(expected 1-64 letters, digits, '.', '_' or '-', e.g. r2-next-round)",
    ),
    (
        a_commitment("status: kept"),
        "rounds.yaml line 6, key rounds[1].commitments[1].status: 'kept' is not allowed "
        "(expected one of: pending, due, fulfilled, broken, withdrawn)",
    ),
    (
        a_commitment("precondition: {kind: soon}"),
        "rounds.yaml line 6, key rounds[1].commitments[1].precondition.kind: 'soon' is not "
        f"allowed (expected one of: {KINDS})",
    ),
    (
        a_commitment("precondition: exchange_complete"),
        "rounds.yaml line 6, key rounds[1].commitments[1].precondition: lacks the key "
        "agreement (required by exchange_complete)",
    ),
    (
        a_commitment("precondition:", "  kind: exchange_complete", "  agreement: A", "  stages: 2"),
        "rounds.yaml line 9, key rounds[1].commitments[1].precondition.stages: does not apply "
        "to exchange_complete (remove it)",
    ),
    (
        a_commitment("precondition: {kind: stages_closed, agreement: A, stages: 0}"),
        "rounds.yaml line 6, key rounds[1].commitments[1].precondition.stages: 0 is not a "
        "whole number (expected 1 or more)",
    ),
    (
        a_commitment("precondition:", "  kind: date_reached", "  date: soon"),
        "rounds.yaml line 8, key rounds[1].commitments[1].precondition.date: 'soon' is not a "
        "date (expected YYYY-MM-DD)",
    ),
    (
        a_commitment("precondition:", "  kind: date_reached", "  on: 2025-09-01"),
        "rounds.yaml line 6, key rounds[1].commitments[1].precondition: lacks the key date "
        "(required by date_reached)\n"
        "rounds.yaml line 8, key rounds[1].commitments[1].precondition.on: True is what YAML "
        "makes of a bare on, off, yes or no (expected one of: kind, agreement, stages, date)",
    ),
    (
        "rounds:\n"
        "  - {number: 1, venue: V, commitments: [{ref: a, text: x}]}\n"
        "  - {number: 2, venue: V, commitments: [{ref: a, text: y}]}\n",
        "rounds.yaml line 3, key rounds[2].commitments[1].ref: 'a' is also the ref of "
        "rounds[1].commitments[1] on line 2 (expected once)",
    ),
]


@pytest.mark.parametrize(("text", "lines"), BAD, ids=[line.split(":")[0] for _, line in BAD])
def test_a_bad_file_is_refused_naming_the_line_the_key_and_what_is_wrong(
    text: str, lines: str
) -> None:
    assert rejected(text) == lines.split("\n")


def test_every_problem_is_listed_in_the_order_of_the_file() -> None:
    text = DEMO_FILE.read_text("utf-8")
    text = text.replace("venue: Neutral venue (host state's conference centre)", "venue: ''", 1)
    text = text.replace("kind: stages_closed", "kind: soon")
    text = text.replace("status: planned", "status: later")
    with pytest.raises(RoundsRejected) as refused:
        read_rounds(text, "demo-rounds.yaml")
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "demo-rounds.yaml line 9, key rounds[1].venue",
        "demo-rounds.yaml line 35, key rounds[2].commitments[1].precondition.kind",
        "demo-rounds.yaml line 53, key rounds[3].status",
    ]
    assert str(refused.value).endswith("(and 2 more problems)")


def test_a_round_with_a_problem_still_has_its_commitments_read() -> None:
    text = "rounds:\n  - number: 1\n    venue: ''\n    commitments: [{ref: r 1, text: x}]\n"
    assert [p.split(":")[0] for p in rejected(text)] == [
        "rounds.yaml line 3, key rounds[1].venue",
        "rounds.yaml line 4, key rounds[1].commitments[1].ref",
    ]
