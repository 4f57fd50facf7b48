"""Loading rounds, letting commitments fall due, and listing them, over in-memory fakes.

The rounds come as ``parley.adapters.rounds_file`` reads them (``tests/unit/
test_rounds_file.py`` has every problem of a file on its own); here is what depends on
what is stored. The fake repository keeps the SQL repository's promises
(``services.rounds``): a round replaces the stored round of its number with exactly its
commitments; a commitment keeps the moment of its status unless the status changes.
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
from parley.adapters.rounds_file import read_rounds
from parley.domain.events import CommitmentStatusChanged, RoundRecorded
from parley.domain.rounds import (
    Commitment,
    CommitmentStatus,
    ExchangeFacts,
    Precondition,
    PreconditionKind,
    Round,
)
from parley.errors import NotFound, RoundsRejected
from parley.services.rounds import (
    ListedCommitment,
    ListedRound,
    ListedRounds,
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


def listed(document: Any) -> ListedRounds:
    """The rounds of ``document`` as the rounds file reader gives them, from rounds.yaml."""
    return read_rounds(yaml.safe_dump(document, sort_keys=False), "rounds.yaml")


def facts(closed: int, planned: int = 3, *, totals_met: bool = True) -> dict[str, ExchangeFacts]:
    return {DEMO: ExchangeFacts(DEMO, planned, closed, totals_met)}


def loaded(uow: FakeRoundUnitOfWork | None = None, now: datetime = NOW) -> FakeRoundUnitOfWork:
    uow = uow or FakeRoundUnitOfWork()
    load_rounds(uow, listed(demo_document()), actor="mediator", now=now)
    return uow


def statuses(uow: FakeRoundUnitOfWork) -> dict[str, CommitmentStatus]:
    return {ref: s.commitment.status for ref, s in uow.rounds.commitments.items()}


# --- loading ---------------------------------------------------------------------------


def test_the_demo_rounds_load_with_their_delegations_agreements_and_commitments() -> None:
    uow = FakeRoundUnitOfWork()
    done = load_rounds(uow, listed(demo_document()), actor="mediator", now=NOW)
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
    again = load_rounds(uow, listed(demo_document()), actor="mediator", now=LATER)
    assert again.recorded == ()
    assert len(uow.events) == before
    assert uow.rounds.commitments["r2-next-round"].since == NOW


def test_a_changed_round_is_logged_again_and_replaces_the_stored_one() -> None:
    uow = loaded()
    document = demo_document()
    document["rounds"][2].update(status="held", starts_on=date(2025, 7, 23))
    document["rounds"][1]["commitments"].pop(0)  # r2-first-balance no longer stands
    done = load_rounds(uow, listed(document), actor="mediator", now=LATER)
    assert done.recorded == (2, 3)
    assert uow.rounds.rounds[3].starts_on == date(2025, 7, 23)
    assert "r2-first-balance" not in uow.rounds.commitments


def test_a_commitment_keeps_its_status_when_the_file_gives_none() -> None:
    uow = loaded(FakeRoundUnitOfWork(facts(3)))
    assert statuses(uow)["r2-next-round"] is C.DUE
    load_rounds(uow, listed(demo_document()), actor="mediator", now=LATER)
    assert statuses(uow)["r2-next-round"] is C.DUE


def test_the_file_may_record_that_a_due_commitment_was_fulfilled_and_that_is_logged() -> None:
    uow = loaded(FakeRoundUnitOfWork(facts(3)))
    document = demo_document()
    document["rounds"][1]["commitments"][1]["status"] = "fulfilled"
    done = load_rounds(uow, listed(document), actor="mediator", now=LATER)
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
    load_rounds(uow, listed(document), actor="mediator", now=LATER)
    assert uow.rounds.commitments["r2-civilian-lists"].commitment.round_number == 3


# --- falling due -----------------------------------------------------------------------


def test_a_commitment_whose_precondition_already_holds_falls_due_on_loading() -> None:
    uow = FakeRoundUnitOfWork(facts(3))
    done = load_rounds(
        uow, listed(demo_document()), actor="mediator", now=datetime(2025, 9, 1, tzinfo=UTC)
    )
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
    document = {"rounds": [{"number": 1, "venue": "V", "commitments": items}]}
    load_rounds(uow, listed(document), actor="m", now=NOW)
    views = rounds_status(uow, facts={}, today=NOW.date())[0].commitments
    assert [c.commitment.ref for c in views][8:] == ["r1-9", "r1-10", "r1-11"]


def test_without_an_exchange_in_the_unit_of_work_no_exchange_is_known() -> None:
    assert exchange_facts(FakeRoundUnitOfWork()) == {}
    assert exchange_facts(FakeRoundUnitOfWork(facts(1))) == facts(1)
    assert exchange_facts(object()) == {}


# --- what does not fit what is stored: the line, the key path, nothing stored ----------


def _round(**keys: Any) -> dict[str, Any]:
    return {"number": 1, "venue": "Neutral venue", "agreements": [DEMO], **keys}


def refused_by(uow: FakeRoundUnitOfWork, document: Any) -> list[str]:
    """The problems loading ``document`` into ``uow`` meets; it must store and log nothing."""
    rounds, commitments = copy.deepcopy(uow.rounds.rounds), copy.deepcopy(uow.rounds.commitments)
    events = len(uow.events)
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(uow, listed(document), actor="mediator", now=LATER)
    assert refused.value.source == "rounds.yaml"
    assert (uow.rounds.rounds, uow.rounds.commitments) == (rounds, commitments)
    assert len(uow.events) == events
    return refused.value.problems


def test_a_ref_of_a_round_the_file_leaves_out_is_refused() -> None:
    document = {"rounds": [_round(number=5, commitments=[{"ref": "r1-lists", "text": "x"}])]}
    assert refused_by(loaded(), document) == [
        "rounds.yaml line 7, key rounds[1].commitments[1].ref: 'r1-lists' is a commitment of "
        "round 1, which this document does not list (expected a ref of its own)"
    ]


def test_a_stored_commitment_cannot_skip_a_step_of_its_state_machine() -> None:
    uow = loaded()
    text = DEMO_FILE.read_text("utf-8").replace(
        "- ref: r2-next-round\n", "- ref: r2-next-round\n        status: fulfilled\n"
    )
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(uow, read_rounds(text, "demo-rounds.yaml"), actor="mediator", now=LATER)
    (problem,) = refused.value.problems
    assert problem.startswith(
        "demo-rounds.yaml line 39, key rounds[2].commitments[2].status: commitment "
        "r2-next-round cannot move from pending to fulfilled"
    )
    assert statuses(uow)["r2-next-round"] is C.PENDING


def test_a_precondition_must_wait_on_an_agreement_a_round_lists() -> None:
    pre = {"kind": "exchange_complete", "agreement": "2 June"}
    document = {"rounds": [_round(commitments=[{"text": "meet again", "precondition": pre}])]}
    assert refused_by(FakeRoundUnitOfWork(), document) == [
        "rounds.yaml line 10, key rounds[1].commitments[1].precondition.agreement: '2 June' is "
        "no round's agreement ('1,000 for 1,000 (demo)')"
    ]


def test_a_round_listed_again_without_its_agreement_no_longer_names_it() -> None:
    pre = {"kind": "exchange_complete", "agreement": DEMO}
    document = {
        "rounds": [
            _round(number=2, agreements=[], commitments=[{"text": "t", "precondition": pre}])
        ]
    }
    [problem] = refused_by(loaded(), document)
    assert problem.endswith(
        "key rounds[1].commitments[1].precondition.agreement: '1,000 for 1,000 (demo)' is "
        "no round's agreement (none: list it under a round)"
    )


def test_every_problem_with_what_is_stored_is_listed_in_the_order_of_the_file() -> None:
    pre = {"kind": "date_reached", "date": date(2025, 9, 1)}
    document = {
        "rounds": [
            _round(
                number=2, commitments=[{"ref": "r2-next-round", "text": "t", "status": "broken"}]
            ),
            _round(number=4, commitments=[{"ref": "r1-lists", "text": "t", "precondition": pre}]),
        ]
    }
    assert [p.split(":")[0] for p in refused_by(loaded(), document)] == [
        "rounds.yaml line 9, key rounds[1].commitments[1].status",
        "rounds.yaml line 15, key rounds[2].commitments[1].ref",
    ]


def test_rounds_made_in_code_are_refused_by_their_key_paths() -> None:
    pre = Precondition(PreconditionKind.STAGES_CLOSED, agreement_ref="2 June", stages=1)
    at = ("rounds", 1, "commitments", 1)
    made = ListedRounds(
        "code",
        (ListedRound(Round(1, "V"), (ListedCommitment(Commitment("a", 1, "t", pre), at=at),)),),
    )
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(FakeRoundUnitOfWork(), made, actor="mediator", now=NOW)
    assert refused.value.problems == [
        "rounds[1].commitments[1].precondition.agreement: '2 June' is no round's agreement "
        "(none: list it under a round)"
    ]
    assert str(refused.value) == refused.value.problems[0]


def test_an_agreement_of_a_stored_round_may_be_waited_on_by_a_later_file() -> None:
    uow = loaded()
    pre = {"kind": "stages_closed", "agreement": DEMO, "stages": 2}
    document = {
        "rounds": [{"number": 3, "venue": "V", "commitments": [{"text": "t", "precondition": pre}]}]
    }
    load_rounds(uow, listed(document), actor="mediator", now=LATER)
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
