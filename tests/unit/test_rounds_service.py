"""Loading rounds, letting commitments fall due, and listing them, over in-memory fakes.

The fake repository keeps the SQL repository's promises (``services.rounds``): a round
replaces the stored round of its number with exactly its commitments; a commitment keeps
the moment of its status unless the status changes.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import yaml

import parley
from parley.domain.events import CommitmentStatusChanged, RoundRecorded
from parley.domain.rounds import (
    Commitment,
    CommitmentStatus,
    ExchangeFacts,
    Precondition,
    PreconditionKind,
    Round,
)
from parley.errors import NotFound
from parley.services.rounds import (
    RoundsRejected,
    StoredCommitment,
    StoredRound,
    exchange_facts,
    load_rounds,
    refresh_commitments,
    rounds_status,
    update_commitments,
)
from tests.unit.fakes import FakeUnitOfWork

DEMO_FILE = Path(parley.__file__).parent / "data" / "demo-rounds.yaml"
DEMO = "1,000 for 1,000 (demo)"
C = CommitmentStatus
NOW = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
LATER = datetime(2025, 7, 23, 18, 0, tzinfo=UTC)


class FakeRoundRepository:
    """Rounds by number, commitments by ref."""

    def __init__(self) -> None:
        self.rounds: dict[int, Round] = {}
        self.commitments: dict[str, StoredCommitment] = {}

    def put(self, rounds: Sequence[tuple[Round, Sequence[Commitment]]], at: datetime) -> None:
        numbers = {r.number for r, _ in rounds}
        listed = {c.ref: c for _, commitments in rounds for c in commitments}
        for round_, _ in rounds:
            self.rounds[round_.number] = round_
        for ref, stored in list(self.commitments.items()):
            if stored.commitment.round_number in numbers and ref not in listed:
                del self.commitments[ref]
        for c in listed.values():
            old = self.commitments.get(c.ref)
            since = old.since if old and old.commitment.status is c.status else at
            self.commitments[c.ref] = StoredCommitment(c, since)

    def all(self) -> list[StoredRound]:
        return [
            StoredRound(
                r,
                tuple(
                    s for _, s in sorted(self.commitments.items()) if s.commitment.round_number == n
                ),
            )
            for n, r in sorted(self.rounds.items())
        ]

    def save_status(self, commitment: Commitment, at: datetime) -> None:
        if commitment.ref not in self.commitments:
            raise NotFound(f"no commitment {commitment.ref!r} is stored")
        self.commitments[commitment.ref] = StoredCommitment(commitment, at)


class FakeExchange:
    """``uow.exchange`` as the tranche service provides it: the facts by agreement name."""

    def __init__(self, facts: Mapping[str, ExchangeFacts]) -> None:
        self.counted = dict(facts)

    def facts(self) -> dict[str, ExchangeFacts]:
        return dict(self.counted)


class FakeRoundUnitOfWork(FakeUnitOfWork):
    """The fake unit of work, with the rounds rolled back too, and maybe an exchange."""

    def __init__(self, facts: Mapping[str, ExchangeFacts] | None = None) -> None:
        super().__init__()
        self.rounds = FakeRoundRepository()
        self._saved = copy.deepcopy(self.rounds)
        if facts is not None:
            self.exchange = FakeExchange(facts)

    def __enter__(self) -> FakeRoundUnitOfWork:
        super().__enter__()
        self._saved = copy.deepcopy(self.rounds)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        super().commit()
        self._saved = copy.deepcopy(self.rounds)

    def rollback(self) -> None:
        super().rollback()
        self.rounds = copy.deepcopy(self._saved)


def demo_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text("utf-8"))
    return document


def facts(closed: int, planned: int = 3, *, totals_met: bool = True) -> dict[str, ExchangeFacts]:
    return {DEMO: ExchangeFacts(DEMO, planned, closed, totals_met)}


def loaded(uow: FakeRoundUnitOfWork | None = None, now: datetime = NOW) -> FakeRoundUnitOfWork:
    uow = uow or FakeRoundUnitOfWork()
    load_rounds(uow, demo_document(), actor="mediator", now=now)
    return uow


def statuses(uow: FakeRoundUnitOfWork) -> dict[str, CommitmentStatus]:
    return {ref: s.commitment.status for ref, s in uow.rounds.commitments.items()}


# --- loading ---------------------------------------------------------------------------


def test_the_demo_rounds_load_with_their_delegations_agreements_and_commitments() -> None:
    uow = FakeRoundUnitOfWork()
    done = load_rounds(uow, demo_document(), actor="mediator", now=NOW)
    assert done.rounds == (1, 2, 3)
    assert done.commitments == 4
    assert done.recorded == (1, 2, 3)
    second = uow.rounds.rounds[2]
    assert second.agreements == (DEMO,)
    assert [code for code, _ in second.delegations] == ["UA", "RU"]
    assert second.mediator == "Host state's mediation team"
    next_round = uow.rounds.commitments["r2-next-round"].commitment
    assert next_round.round_number == 2
    assert next_round.precondition == Precondition(
        PreconditionKind.EXCHANGE_COMPLETE, agreement_ref=DEMO
    )
    assert statuses(uow) == {
        "r1-lists": C.FULFILLED,
        "r2-first-balance": C.PENDING,
        "r2-next-round": C.PENDING,
        "r2-civilian-lists": C.PENDING,
    }


def test_loading_logs_each_round_without_the_commitments_text() -> None:
    uow = loaded()
    recorded = [e for e in uow.events if isinstance(e, RoundRecorded)]
    assert [e.number for e in recorded] == [1, 2, 3]
    assert recorded[1].payload() == {
        "number": 2,
        "venue": "Neutral venue (host state's conference centre)",
        "starts_on": "2025-06-02",
        "status": "concluded",
        "agreements": (DEMO,),
    }
    assert recorded[2].starts_on is None
    assert {e.actor for e in uow.events} == {"mediator"}


def test_loading_the_same_file_again_changes_nothing_and_logs_nothing() -> None:
    uow = loaded()
    before = len(uow.events)
    again = load_rounds(uow, demo_document(), actor="mediator", now=LATER)
    assert again.recorded == ()
    assert len(uow.events) == before
    assert uow.rounds.commitments["r2-next-round"].since == NOW


def test_a_changed_round_is_logged_again_and_replaces_the_stored_one() -> None:
    uow = loaded()
    document = demo_document()
    document["rounds"][2].update(status="held", starts_on=date(2025, 7, 23))
    document["rounds"][1]["commitments"].pop(0)  # r2-first-balance no longer stands
    done = load_rounds(uow, document, actor="mediator", now=LATER)
    assert done.recorded == (2, 3)
    assert uow.rounds.rounds[3].starts_on == date(2025, 7, 23)
    assert "r2-first-balance" not in uow.rounds.commitments


def test_a_commitment_without_a_ref_is_named_after_its_round_and_place() -> None:
    uow = FakeRoundUnitOfWork()
    document = {"rounds": [{"number": 4, "venue": "V", "commitments": [{"text": "a"}] * 2}]}
    load_rounds(uow, document, actor="mediator", now=NOW)
    assert sorted(uow.rounds.commitments) == ["r4-1", "r4-2"]


def test_dates_may_be_given_as_text_as_json_has_no_dates() -> None:
    uow = FakeRoundUnitOfWork()
    document = {"rounds": [{"number": 1, "venue": "V", "starts_on": "2025-05-16"}]}
    load_rounds(uow, document, actor="mediator", now=NOW)
    assert uow.rounds.rounds[1].starts_on == date(2025, 5, 16)


def test_a_commitment_keeps_its_status_when_the_file_gives_none() -> None:
    uow = loaded(FakeRoundUnitOfWork(facts(3)))
    assert statuses(uow)["r2-next-round"] is C.DUE
    load_rounds(uow, demo_document(), actor="mediator", now=LATER)
    assert statuses(uow)["r2-next-round"] is C.DUE


def test_the_file_may_record_that_a_due_commitment_was_fulfilled_and_that_is_logged() -> None:
    uow = loaded(FakeRoundUnitOfWork(facts(3)))
    document = demo_document()
    document["rounds"][1]["commitments"][1]["status"] = "fulfilled"
    done = load_rounds(uow, document, actor="mediator", now=LATER)
    assert statuses(uow)["r2-next-round"] is C.FULFILLED
    assert done.recorded == ()  # the round's record did not change, only a status
    moved = [e for e in uow.events if isinstance(e, CommitmentStatusChanged)][-1]
    assert (moved.ref, moved.from_status, moved.to_status) == ("r2-next-round", "due", "fulfilled")
    assert uow.rounds.commitments["r2-next-round"].since == LATER


def test_a_commitment_may_move_to_another_round_the_file_lists() -> None:
    uow = loaded()
    document = demo_document()
    moved = document["rounds"][1]["commitments"].pop(2)
    document["rounds"][2]["commitments"] = [moved]
    load_rounds(uow, document, actor="mediator", now=LATER)
    assert uow.rounds.commitments["r2-civilian-lists"].commitment.round_number == 3


# --- falling due -----------------------------------------------------------------------


def test_a_commitment_whose_precondition_already_holds_falls_due_on_loading() -> None:
    uow = FakeRoundUnitOfWork(facts(3))
    done = load_rounds(uow, demo_document(), actor="mediator", now=datetime(2025, 9, 1, tzinfo=UTC))
    assert sorted(c.ref for c in done.fell_due) == [
        "r2-civilian-lists",
        "r2-first-balance",
        "r2-next-round",
    ]
    assert all(c.status is C.DUE for c in done.fell_due)


def test_round_3_follows_the_exchange_the_day_its_last_tranche_closes() -> None:
    uow = loaded()
    days = [(date(2025, 7, 1), 1), (date(2025, 7, 10), 2), (date(2025, 7, 23), 3)]
    moved_on: dict[str, date] = {}
    for day, closed in days:
        at = datetime(day.year, day.month, day.day, 18, tzinfo=UTC)
        with uow:
            moved = refresh_commitments(
                uow, facts=facts(closed), today=day, actor="tranches", now=at
            )
            uow.commit()
        moved_on.update({c.ref: day for c in moved})
    assert moved_on == {"r2-first-balance": date(2025, 7, 1), "r2-next-round": date(2025, 7, 23)}
    assert uow.rounds.commitments["r2-next-round"].since == datetime(2025, 7, 23, 18, tzinfo=UTC)
    changed = [e for e in uow.events if isinstance(e, CommitmentStatusChanged)]
    assert [(e.ref, e.round_number, e.from_status, e.to_status, e.actor) for e in changed] == [
        ("r2-first-balance", 2, "pending", "due", "tranches"),
        ("r2-next-round", 2, "pending", "due", "tranches"),
    ]


def test_an_exchange_closed_short_of_its_totals_does_not_bring_round_3() -> None:
    uow = loaded()
    with uow:
        moved = refresh_commitments(
            uow, facts=facts(3, totals_met=False), today=NOW.date(), actor="t", now=NOW
        )
        uow.commit()
    assert [c.ref for c in moved] == ["r2-first-balance"]
    assert statuses(uow)["r2-next-round"] is C.PENDING


def test_refreshing_is_part_of_the_callers_transaction_and_rolls_back_with_it() -> None:
    uow = loaded()
    with uow:
        refresh_commitments(uow, facts=facts(3), today=NOW.date(), actor="t", now=NOW)
    assert statuses(uow)["r2-next-round"] is C.PENDING
    assert not [e for e in uow.events if isinstance(e, CommitmentStatusChanged)]


def test_a_date_commitment_falls_due_when_refreshed_on_its_day() -> None:
    uow = loaded()
    assert update_commitments(uow, today=date(2025, 8, 31), actor="m", now=NOW) == []
    moved = update_commitments(uow, today=date(2025, 9, 1), actor="m", now=NOW)
    assert [c.ref for c in moved] == ["r2-civilian-lists"]


def test_final_and_due_commitments_are_left_alone() -> None:
    uow = loaded(FakeRoundUnitOfWork(facts(3)))
    events = len(uow.events)
    assert update_commitments(uow, today=NOW.date(), actor="m", now=LATER) == []
    assert len(uow.events) == events


# --- listing ---------------------------------------------------------------------------


def test_the_listing_says_what_each_commitment_waits_on() -> None:
    uow = loaded()
    views = rounds_status(uow, facts=facts(1), today=NOW.date())
    assert [v.round.number for v in views] == [1, 2, 3]
    second = {c.commitment.ref: c for c in views[1].commitments}
    assert second["r2-next-round"].progress == (
        "waits on exchange '1,000 for 1,000 (demo)': 1 of 3 tranches closed"
    )
    assert not second["r2-next-round"].holds
    assert second["r2-first-balance"].holds  # pending still: it falls due at a refresh
    assert second["r2-civilian-lists"].progress == "waits until 2025-09-01 (73 days from now)"
    assert views[2].commitments == ()


def test_the_listing_counts_the_exchanges_through_the_unit_of_work_by_default() -> None:
    uow = loaded(FakeRoundUnitOfWork(facts(2)))
    views = rounds_status(uow, today=NOW.date())
    second = {c.commitment.ref: c for c in views[1].commitments}
    assert second["r2-next-round"].progress.endswith("2 of 3 tranches closed")


def test_commitments_are_listed_with_numbers_in_their_refs_in_number_order() -> None:
    uow = FakeRoundUnitOfWork()
    items = [{"text": f"promise {n}"} for n in range(1, 12)]
    load_rounds(
        uow, {"rounds": [{"number": 1, "venue": "V", "commitments": items}]}, actor="m", now=NOW
    )
    listed = rounds_status(uow, facts={}, today=NOW.date())[0].commitments
    assert [c.commitment.ref for c in listed][8:] == ["r1-9", "r1-10", "r1-11"]


def test_without_an_exchange_in_the_unit_of_work_no_exchange_is_known() -> None:
    assert exchange_facts(FakeRoundUnitOfWork()) == {}
    assert exchange_facts(FakeRoundUnitOfWork(facts(1))) == facts(1)
    assert exchange_facts(object()) == {}


# --- every bad input: the key path, what is wrong, nothing stored ----------------------


def _round(**keys: Any) -> dict[str, Any]:
    return {"number": 1, "venue": "Neutral venue", "agreements": [DEMO], **keys}


def _with_commitment(**keys: Any) -> dict[str, Any]:
    return {"rounds": [_round(commitments=[{"text": "meet again", **keys}])]}


def _with_precondition(pre: Any) -> dict[str, Any]:
    return _with_commitment(precondition=pre)


KINDS = "none, exchange_complete, stages_closed, date_reached"
BAD = [
    (None, "the document: is not a mapping (expected the keys rounds)"),
    ({"rounds": []}, "rounds: is empty (expected at least one round)"),
    ({"rounds": "round 1"}, "rounds: is not a list (expected '- ' items or [a, b])"),
    (
        {"round": []},
        "round: unknown key (expected one of: rounds)\n"
        "the document: lacks the key rounds (required)",
    ),
    ({"rounds": [{"venue": "V"}]}, "rounds[1]: lacks the key number (required)"),
    (
        {"rounds": [_round(number=0)]},
        "rounds[1].number: 0 is not a whole number (expected 1 or more)",
    ),
    (
        {"rounds": [_round(number=True)]},
        "rounds[1].number: True is not a whole number (expected 1 or more)",
    ),
    (
        {"rounds": [_round(), _round(venue="Elsewhere")]},
        "rounds[2].number: 1 is also the number of rounds[1] (expected each round once)",
    ),
    ({"rounds": [_round(venue=" ")]}, "rounds[1].venue: ' ' is not a text of 1 to 200 characters"),
    (
        {"rounds": [_round(starts_on="16.05.2025")]},
        "rounds[1].starts_on: '16.05.2025' is not a date (expected YYYY-MM-DD)",
    ),
    (
        {"rounds": [_round(starts_on=datetime(2025, 5, 16, 9, 0))]},
        "rounds[1].starts_on: datetime.datetime(2025, 5, 16, 9, 0) is not a date "
        "(expected YYYY-MM-DD)",
    ),
    (
        {"rounds": [_round(status="postponed")]},
        "rounds[1].status: 'postponed' is not allowed "
        "(expected one of: planned, held, concluded, cancelled)",
    ),
    (
        {"rounds": [_round(place="Geneva")]},
        "rounds[1].place: unknown key (expected one of: number, venue, starts_on, status, "
        "mediator, delegations, agreements, commitments)",
    ),
    (
        {"rounds": [_round(delegations=["UA", "RU"])]},
        "rounds[1].delegations: is not a mapping (expected party code: delegation, e.g. UA: ...)",
    ),
    (
        {"rounds": [_round(delegations={"ua": "x"})]},
        "rounds[1].delegations.ua: 'ua' is not a party code (expected 2-8 capital letters "
        "or digits)",
    ),
    (
        {"rounds": [_round(delegations={False: "x"})]},
        "rounds[1].delegations.False: False is not a party code (expected text: quote it, "
        "e.g. 'NO')",
    ),
    (
        {"rounds": [_round(agreements=[DEMO, DEMO])]},
        "rounds[1].agreements: '1,000 for 1,000 (demo)' is named twice",
    ),
    (
        {"rounds": [_round(agreements=DEMO)]},
        "rounds[1].agreements: is not a list (expected '- ' items or [a, b])",
    ),
    (
        {"rounds": [_round(commitments=[{"ref": "x"}])]},
        "rounds[1].commitments[1]: lacks the key text (required)",
    ),
    (
        _with_commitment(ref="r 1"),
        "rounds[1].commitments[1].ref: 'r 1' is not a commitment ref (expected 1-64 letters, "
        "digits, '.', '_' or '-', e.g. r2-next-round)",
    ),
    (
        _with_commitment(status="kept"),
        "rounds[1].commitments[1].status: 'kept' is not allowed (expected one of: pending, "
        "due, fulfilled, broken, withdrawn)",
    ),
    (
        _with_precondition({"kind": "soon"}),
        f"rounds[1].commitments[1].precondition.kind: 'soon' is not allowed "
        f"(expected one of: {KINDS})",
    ),
    (
        _with_precondition("exchange_complete"),
        "rounds[1].commitments[1].precondition: lacks the key agreement "
        "(required by exchange_complete)",
    ),
    (
        _with_precondition({"kind": "exchange_complete", "agreement": "2 June"}),
        "rounds[1].commitments[1].precondition.agreement: '2 June' is no round's agreement "
        "('1,000 for 1,000 (demo)')",
    ),
    (
        _with_precondition({"kind": "exchange_complete", "agreement": DEMO, "stages": 2}),
        "rounds[1].commitments[1].precondition.stages: does not apply to exchange_complete "
        "(remove it)",
    ),
    (
        _with_precondition({"kind": "stages_closed", "agreement": DEMO, "stages": 0}),
        "rounds[1].commitments[1].precondition.stages: 0 is not a whole number "
        "(expected 1 or more)",
    ),
    (
        _with_precondition({"kind": "date_reached", "date": "soon"}),
        "rounds[1].commitments[1].precondition.date: 'soon' is not a date (expected YYYY-MM-DD)",
    ),
    (
        _with_precondition({"kind": "date_reached", True: date(2025, 9, 1)}),
        "rounds[1].commitments[1].precondition.True: True is what YAML makes of a bare on, "
        "off, yes or no (expected one of: kind, agreement, stages, date)\n"
        "rounds[1].commitments[1].precondition: lacks the key date (required by date_reached)",
    ),
    (
        {
            "rounds": [
                _round(commitments=[{"ref": "a", "text": "x"}]),
                _round(number=2, agreements=[], commitments=[{"ref": "a", "text": "y"}]),
            ]
        },
        "rounds[2].commitments[1].ref: 'a' is also the ref of rounds[1].commitments[1] "
        "(expected once)",
    ),
]


@pytest.mark.parametrize(("document", "line"), BAD, ids=[line.split(":")[0] for _, line in BAD])
def test_a_bad_document_is_refused_naming_the_key_and_what_is_wrong(
    document: Any, line: str
) -> None:
    uow = FakeRoundUnitOfWork()
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(uow, document, actor="mediator", now=NOW)
    lines = line.split("\n")
    assert refused.value.problems == lines
    more = f" (and {len(lines) - 1} more problem)" if len(lines) > 1 else ""
    assert str(refused.value) == lines[0] + more
    assert uow.rounds.rounds == {}
    assert uow.rounds.commitments == {}
    assert uow.events == []


def test_every_problem_is_listed_round_by_round_and_nothing_is_stored() -> None:
    uow = loaded()
    document = demo_document()
    document["rounds"][0]["venue"] = ""
    document["rounds"][1]["commitments"][0]["precondition"]["kind"] = "soon"
    document["rounds"][2]["status"] = "later"
    before = copy.deepcopy(uow.rounds)
    events = len(uow.events)
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(uow, document, actor="mediator", now=LATER)
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "rounds[1].venue",
        "rounds[2].commitments[1].precondition.kind",
        "rounds[3].status",
    ]
    assert str(refused.value).endswith("(and 2 more problems)")
    assert refused.value.field == "rounds[1].venue"
    assert uow.rounds.rounds == before.rounds
    assert uow.rounds.commitments == before.commitments
    assert len(uow.events) == events


def test_a_ref_of_a_round_the_file_leaves_out_is_refused() -> None:
    uow = loaded()
    document = {"rounds": [_round(number=5, commitments=[{"ref": "r1-lists", "text": "x"}])]}
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(uow, document, actor="mediator", now=LATER)
    assert refused.value.problems == [
        "rounds[1].commitments[1].ref: 'r1-lists' is a commitment of round 1, which this "
        "document does not list (expected a ref of its own)"
    ]


def test_a_stored_commitment_cannot_skip_a_step_of_its_state_machine() -> None:
    uow = loaded()
    document = demo_document()
    document["rounds"][1]["commitments"][1]["status"] = "fulfilled"
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(uow, document, actor="mediator", now=LATER)
    (problem,) = refused.value.problems
    assert problem.startswith(
        "rounds[2].commitments[2].status: commitment r2-next-round cannot move from pending "
        "to fulfilled"
    )
    assert statuses(uow)["r2-next-round"] is C.PENDING


def test_an_agreement_of_a_stored_round_may_be_waited_on_by_a_later_file() -> None:
    uow = loaded()
    pre = {"kind": "stages_closed", "agreement": DEMO, "stages": 2}
    document = {
        "rounds": [{"number": 3, "venue": "V", "commitments": [{"text": "t", "precondition": pre}]}]
    }
    load_rounds(uow, document, actor="mediator", now=LATER)
    assert uow.rounds.commitments["r3-1"].commitment.precondition.stages == 2


def test_saving_the_status_of_an_unknown_commitment_is_an_error() -> None:
    with pytest.raises(NotFound):
        FakeRoundRepository().save_status(Commitment("x", 1, "t"), NOW)


def test_the_fake_keeps_the_moment_of_an_unchanged_status() -> None:
    repo = FakeRoundRepository()
    c = Commitment("x", 1, "t")
    repo.put([(Round(1, "V"), [c])], NOW)
    repo.put([(Round(1, "V"), [dataclasses.replace(c, text="u")])], LATER)
    assert repo.commitments["x"].since == NOW
