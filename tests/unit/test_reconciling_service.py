"""Reconciling and reviewing over in-memory fakes, with a fake matching engine.

``FakeEngine`` matches a request to the holdings with the same family and given name
(one such holding: match; two: review; none: no_match), keeps confirmed pairs, never
proposes a rejected one, and merges requests with the same names and birth date, as the
real engine promises to (``parley.matching.reconcile``). ``ReviewingUnitOfWork`` adds
an in-memory review repository to the shared ``FakeUnitOfWork``. The integration tests
use both too.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Self

import pytest

from parley.domain.dates import PartialDate
from parley.domain.events import ProposalReviewed, RequestsMerged, RequestsReconciled
from parley.domain.holdings import Holding, HoldingCategory
from parley.domain.parties import Party
from parley.domain.people import Identity
from parley.domain.requests import Request, RequestSource
from parley.domain.reviews import (
    Proposal,
    RejectionReason,
    ReviewDecision,
    Reviewer,
    ReviewState,
    Verdict,
)
from parley.errors import ImportRejected, InvalidValue, NotFound, NotPermitted
from parley.matching.results import (
    Candidate,
    Decision,
    DuplicateGroup,
    MatchConfig,
    Outcome,
    Reconciliation,
    Record,
)
from parley.services.match_files import MATCH_COLUMNS, match_files, read_match_file
from parley.services.readers import Values, values_of
from parley.services.reconciling import reconcile_parties
from parley.services.reviewing import decide, review_queue
from tests.unit.fakes import FakeTable, FakeUnitOfWork

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)
RU_OFFICE = Reviewer("ru-office", "RU")


# --- fakes ------------------------------------------------------------------------------


class FakeEngine:
    """Matches on family and given name; remembers what it was told."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self,
        requests: Sequence[Record],
        holdings: Sequence[Record],
        config: MatchConfig | None = None,
        *,
        confirmed: Collection[tuple[str, str]] = (),
        rejected: Collection[tuple[str, str]] = (),
        on_progress: Any = None,
    ) -> Reconciliation:
        self.calls.append({"confirmed": set(confirmed), "rejected": set(rejected)})
        kept, groups = _merge(requests)
        decisions = [_decide(r, holdings, confirmed, rejected) for r in kept]
        if on_progress is not None:
            on_progress("comparing", len(requests), len(requests))
        return Reconciliation(tuple(decisions), tuple(groups), len(requests) * len(holdings))


def _key(r: Record) -> tuple[str, str]:
    return r.family_name, r.given_name


def _merge(requests: Sequence[Record]) -> tuple[list[Record], list[DuplicateGroup]]:
    first: dict[tuple[str, str, object], Record] = {}
    merged: dict[str, list[Record]] = {}
    for r in requests:
        same = first.setdefault((*_key(r), r.birth_date), r)
        if same is not r:
            merged.setdefault(same.record_id, []).append(r)
    groups = [
        DuplicateGroup(
            kept,
            tuple(m.record_id for m in ms),
            tuple(dict.fromkeys([first_of.source, *(m.source for m in ms)])),
            0.99,
        )
        for kept, ms in merged.items()
        for first_of in [next(r for r in requests if r.record_id == kept)]
    ]
    return list(first.values()), groups


def _decide(
    r: Record,
    holdings: Sequence[Record],
    confirmed: Collection[tuple[str, str]],
    rejected: Collection[tuple[str, str]],
) -> Decision:
    for request_id, holding_id in confirmed:
        if request_id == r.record_id:
            return Decision(r.record_id, Outcome.MATCH, holding_id, 1.0, "confirmed before")
    fits = [
        h for h in holdings if _key(h) == _key(r) and (r.record_id, h.record_id) not in rejected
    ]
    if not fits:
        return Decision(r.record_id, Outcome.NO_MATCH, None, 0.0, "no holding shares the names")
    if len(fits) == 1:
        return Decision(r.record_id, Outcome.MATCH, fits[0].record_id, 0.99, "names exact")
    others = tuple(Candidate(h.record_id, 0.5, "names exact") for h in fits[1:])
    return Decision(r.record_id, Outcome.REVIEW, fits[0].record_id, 0.5, "two fit", others)


class FakeReviewRepository:
    """Runs, proposals, decisions and merges in lists; ids count from 1."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.proposals: dict[int, Proposal] = {}
        self.decided: list[ReviewDecision] = []
        self.merged: dict[str, list[Any]] = {}

    def start_run(
        self, requester: str, holder: str, *, actor: str, at: datetime, config: Mapping[str, object]
    ) -> int:
        self.runs.append({"requester": requester, "holder": holder, "actor": actor, "at": at})
        return len(self.runs)

    def finish_run(self, run_id: int, counts: Any) -> None:
        self.runs[run_id - 1]["counts"] = counts

    def add_proposals(self, proposals: Sequence[Proposal], at: datetime) -> None:
        for p in proposals:
            new_id = len(self.proposals) + 1
            self.proposals[new_id] = dataclasses.replace(p, id=new_id)

    def _between(self, p: Proposal, requester: str | None, holder: str | None) -> bool:
        return requester in (None, p.requester) and holder in (None, p.holder)

    def proposals_in(
        self, requester: str, holder: str, states: Collection[ReviewState]
    ) -> list[Proposal]:
        return [
            p
            for p in self.proposals.values()
            if self._between(p, requester, holder) and p.state in states
        ]

    def queue(self, holder: str | None, states: Collection[ReviewState]) -> list[Proposal]:
        return [
            p
            for p in self.proposals.values()
            if self._between(p, None, holder) and p.state in states
        ]

    def get(self, proposal_id: int) -> Proposal | None:
        return self.proposals.get(proposal_id)

    def save_states(self, proposals: Sequence[Proposal], at: datetime) -> None:
        for p in proposals:
            assert p.id is not None
            self.proposals[p.id] = dataclasses.replace(self.proposals[p.id], state=p.state)

    def add_decision(self, decision: ReviewDecision) -> None:
        self.decided.append(decision)

    def decisions(self, proposal_id: int) -> list[ReviewDecision]:
        return [d for d in self.decided if d.proposal_id == proposal_id]

    def add_merges(self, party: str, merges: Sequence[Any], at: datetime) -> None:
        self.merged.setdefault(party, []).extend(merges)

    def merges(self, party: str) -> list[Any]:
        return list(self.merged.get(party, []))


class ReviewingUnitOfWork(FakeUnitOfWork):
    """``FakeUnitOfWork`` with the review repository, rolled back with the rest."""

    def __init__(self, parties: Iterable[Party] = ()) -> None:
        super().__init__(parties)
        self.reviews = FakeReviewRepository()
        self._saved_reviews = copy.deepcopy(self.reviews)

    def __enter__(self) -> Self:
        self._saved_reviews = copy.deepcopy(self.reviews)
        return super().__enter__()

    def commit(self) -> None:
        super().commit()
        self._saved_reviews = copy.deepcopy(self.reviews)

    def rollback(self) -> None:
        super().rollback()
        self.reviews = copy.deepcopy(self._saved_reviews)


def a_request(record_id: str, family: str, given: str, **fields: Any) -> Request:
    born = fields.pop("born", None)
    identity = Identity(family, given, birth_date=PartialDate.parse(born) if born else None)
    return Request("UA", record_id, identity, fields.pop("source", RequestSource.FAMILY), **fields)


def a_holding(record_id: str, family: str, given: str) -> Holding:
    return Holding("RU", record_id, Identity(family, given), HoldingCategory.POW)


def stored(
    requests: Iterable[Request] = (), holdings: Iterable[Holding] = ()
) -> ReviewingUnitOfWork:
    uow = ReviewingUnitOfWork([Party("UA", "Party U", "uk"), Party("RU", "Party R", "ru")])
    uow.requests.store_rows(1, "UA", _rows(requests), NOW)
    uow.holdings.store_rows(2, "RU", _rows(holdings), NOW)
    return uow


def _rows(records: Iterable[Request | Holding]) -> list[tuple[int, Values]]:
    """The records as rows 2, 3, ... of a file, in their stored values."""
    return [(row, values_of(record)) for row, record in enumerate(records, start=2)]


def three_requests() -> ReviewingUnitOfWork:
    """UA-1 has one fitting holding, UA-2 two (brothers' namesakes), UA-3 none."""
    return stored(
        [
            a_request("UA-1", "Лисенко", "Олег"),
            a_request("UA-2", "Коваль", "Іван"),
            a_request("UA-3", "Бондар", "Петро"),
        ],
        [
            a_holding("RU-1", "Лисенко", "Олег"),
            a_holding("RU-2", "Коваль", "Іван"),
            a_holding("RU-3", "Коваль", "Іван"),
            a_holding("RU-4", "Шевчук", "Тарас"),
        ],
    )


def run(uow: ReviewingUnitOfWork, engine: FakeEngine | None = None) -> Any:
    return reconcile_parties(
        uow,
        requester="UA",
        holder="RU",
        actor="desk",
        now=NOW,
        reconcile=engine or FakeEngine(),
    )


def proposal_of(uow: ReviewingUnitOfWork, request_id: str, state: ReviewState) -> Proposal:
    (found,) = [
        p for p in uow.reviews.proposals.values() if p.request_id == request_id and p.state is state
    ]
    return found


def by_pair(uow: ReviewingUnitOfWork) -> dict[tuple[str, str | None], list[str]]:
    out: dict[tuple[str, str | None], list[str]] = {}
    for p in uow.reviews.proposals.values():
        out.setdefault((p.request_id, p.holding_id), []).append(p.state.value)
    return out


# --- a run ------------------------------------------------------------------------------


def test_a_run_stores_one_proposal_per_request_and_logs_counts_only() -> None:
    uow = three_requests()

    summary = run(uow)

    assert summary.outcomes == {"match": 1, "review": 1, "no_match": 1}
    assert by_pair(uow) == {
        ("UA-1", "RU-1"): ["proposed"],
        ("UA-2", "RU-2"): ["proposed"],
        ("UA-3", None): ["unmatched"],
    }
    review_one = proposal_of(uow, "UA-2", ReviewState.PROPOSED)
    assert [a.holding_id for a in review_one.alternatives] == ["RU-3"]
    assert summary.counts.proposed == 2
    (event,) = uow.events
    assert isinstance(event, RequestsReconciled)
    assert (event.run_id, event.requester, event.holder, event.matched) == (1, "UA", "RU", 1)
    assert "Лисенко" not in repr(event.payload())


def test_a_run_of_a_party_against_itself_is_refused() -> None:
    with pytest.raises(InvalidValue, match="name the other party"):
        reconcile_parties(
            three_requests(),
            requester="UA",
            holder="UA",
            actor="d",
            now=NOW,
            reconcile=FakeEngine(),
        )


def test_a_run_with_no_holdings_says_what_to_import() -> None:
    uow = stored([a_request("UA-1", "Лисенко", "Олег")])

    with pytest.raises(NotFound, match="RU has no holdings"):
        run(uow)

    assert uow.reviews.runs == []


def test_a_rerun_keeps_decisions_and_replaces_undecided_proposals() -> None:
    uow = three_requests()
    run(uow)
    confirmed = proposal_of(uow, "UA-1", ReviewState.PROPOSED)
    doubtful = proposal_of(uow, "UA-2", ReviewState.PROPOSED)
    assert confirmed.id is not None
    assert doubtful.id is not None
    decide(uow, proposal_id=confirmed.id, verdict=Verdict.CONFIRM, reviewer=RU_OFFICE, now=NOW)
    decide(
        uow,
        proposal_id=doubtful.id,
        verdict=Verdict.REJECT,
        reviewer=RU_OFFICE,
        now=NOW,
        reason=RejectionReason.HELD_DIFFERENT_PERSON,
    )
    engine = FakeEngine()

    summary = run(uow, engine)

    assert engine.calls == [{"confirmed": {("UA-1", "RU-1")}, "rejected": {("UA-2", "RU-2")}}]
    assert by_pair(uow) == {
        ("UA-1", "RU-1"): ["confirmed"],  # kept, not proposed again
        ("UA-2", "RU-2"): ["rejected"],  # never proposed again
        ("UA-2", "RU-3"): ["proposed"],  # the other namesake, now the one fit
        ("UA-3", None): ["unmatched", "unmatched"],
    }
    assert (summary.counts.kept_confirmed, summary.counts.proposed) == (1, 1)


def test_a_rerun_supersedes_what_nobody_decided_and_keeps_what_is_escalated() -> None:
    uow = three_requests()
    run(uow)
    escalated = proposal_of(uow, "UA-2", ReviewState.PROPOSED)
    assert escalated.id is not None
    decide(
        uow,
        proposal_id=escalated.id,
        verdict=Verdict.ESCALATE,
        reviewer=Reviewer("mediator-desk"),
        now=NOW,
    )

    summary = run(uow)

    assert by_pair(uow) == {
        ("UA-1", "RU-1"): ["superseded", "proposed"],
        ("UA-2", "RU-2"): ["escalated"],
        ("UA-3", None): ["unmatched", "unmatched"],
    }
    assert (summary.counts.superseded, summary.counts.kept_escalated) == (1, 1)


def test_duplicate_requests_are_merged_once_keeping_both_sources() -> None:
    uow = stored(
        [
            a_request("UA-1", "Лисенко", "Олег", born="1999", source=RequestSource.FAMILY),
            a_request(
                "UA-9", "Лисенко", "Олег", born="1999", source=RequestSource.OFFICIAL_REGISTER
            ),
        ],
        [a_holding("RU-1", "Лисенко", "Олег")],
    )

    first = run(uow)
    again = run(uow)

    assert [(m.kept, m.merged) for m in uow.reviews.merges("UA")] == [("UA-1", "UA-9")]
    assert (first.counts.merged, again.counts.merged) == (1, 0)
    merged_events = [e for e in uow.events if isinstance(e, RequestsMerged)]
    assert [(e.kept, e.merged) for e in merged_events] == [("UA-1", ("UA-9",))]
    (entry,) = review_queue(uow, reviewer=RU_OFFICE)
    assert entry.proposal.request_id == "UA-1"
    assert entry.sources == ("family", "official_register")


# --- the queue and decisions ------------------------------------------------------------


def test_a_party_sees_the_open_proposals_on_its_own_holdings_only() -> None:
    uow = three_requests()
    run(uow)

    ru = review_queue(uow, reviewer=RU_OFFICE)
    ua = review_queue(uow, reviewer=Reviewer("ua-office", "UA"))
    mediator = review_queue(uow, reviewer=Reviewer("mediator-desk"))

    assert [(e.proposal.request_id, e.holding and e.holding.record_id) for e in ru] == [
        ("UA-1", "RU-1"),
        ("UA-2", "RU-2"),
    ]
    assert ru[0].request.identity.family_name == "Лисенко"
    assert ua == []
    assert len(mediator) == 2


def test_a_decision_is_kept_with_who_when_and_why_and_logged_without_the_note() -> None:
    uow = three_requests()
    run(uow)
    proposal = proposal_of(uow, "UA-1", ReviewState.PROPOSED)
    assert proposal.id is not None

    decision = decide(
        uow,
        proposal_id=proposal.id,
        verdict=Verdict.REJECT,
        reviewer=RU_OFFICE,
        now=NOW,
        reason=RejectionReason.DECEASED,
        note=" Олег Лисенко died in 2024 ",
    )

    assert uow.reviews.decisions(proposal.id) == [decision]
    assert (decision.actor, decision.acting_as, decision.at) == ("ru-office", "RU", NOW)
    assert (decision.reason, decision.note) == (
        RejectionReason.DECEASED,
        "Олег Лисенко died in 2024",
    )
    event = uow.events[-1]
    assert isinstance(event, ProposalReviewed)
    assert "Лисенко" not in repr(event.payload())


def test_a_party_is_refused_on_the_other_partys_holdings_and_nothing_changes() -> None:
    uow = three_requests()
    run(uow)
    proposal = proposal_of(uow, "UA-1", ReviewState.PROPOSED)
    assert proposal.id is not None
    events = list(uow.events)

    with pytest.raises(NotPermitted, match="party UA may not confirm"):
        decide(
            uow,
            proposal_id=proposal.id,
            verdict=Verdict.CONFIRM,
            reviewer=Reviewer("ua-office", "UA"),
            now=NOW,
        )

    assert uow.reviews.get(proposal.id) == proposal
    assert uow.reviews.decided == []
    assert uow.events == events


def test_a_review_without_a_holding_puts_the_closest_before_the_holder() -> None:
    uow = three_requests()
    contested = Decision(
        "UA-2",
        Outcome.REVIEW,
        None,
        0.6,
        "its closest holdings answer other requests",
        (Candidate("RU-2", 0.6, "names exact"), Candidate("RU-3", 0.5, "names exact")),
    )

    def engine(*_: Any, **__: Any) -> Reconciliation:
        return Reconciliation((contested,))

    reconcile_parties(uow, requester="UA", holder="RU", actor="d", now=NOW, reconcile=engine)

    (entry,) = review_queue(uow, reviewer=RU_OFFICE)
    p = entry.proposal
    assert (p.request_id, p.holding_id, p.probability) == ("UA-2", "RU-2", 0.6)
    assert p.explanation == "names exact (its closest holdings answer other requests)"
    assert [a.holding_id for a in p.alternatives] == ["RU-3"]


def test_a_holding_is_confirmed_for_one_request_only() -> None:
    uow = stored(
        [a_request("UA-1", "Коваль", "Іван", born="1990"), a_request("UA-2", "Коваль", "Іван")],
        [a_holding("RU-1", "Коваль", "Іван")],
    )
    run(uow)
    first, second = (proposal_of(uow, r, ReviewState.PROPOSED) for r in ("UA-1", "UA-2"))
    assert first.id is not None
    assert second.id is not None
    decide(uow, proposal_id=first.id, verdict=Verdict.CONFIRM, reviewer=RU_OFFICE, now=NOW)

    with pytest.raises(InvalidValue, match="is confirmed already"):
        decide(uow, proposal_id=second.id, verdict=Verdict.CONFIRM, reviewer=RU_OFFICE, now=NOW)

    assert uow.reviews.get(second.id) == second


def test_deciding_an_unknown_proposal_says_so() -> None:
    with pytest.raises(NotFound, match="no proposal 404"):
        decide(
            three_requests(),
            proposal_id=404,
            verdict=Verdict.CONFIRM,
            reviewer=RU_OFFICE,
            now=NOW,
        )


# --- plain files ------------------------------------------------------------------------

REQUEST_COLUMNS = ["record_id", "family_name", "given_name", "birth_date", "source"]
HOLDING_COLUMNS = ["record_id", "family_name", "given_name", "category"]
TODAY = date(2025, 5, 16)


def test_file_mode_gives_one_row_per_request_with_an_empty_holding_for_no_match() -> None:
    requests = read_match_file(
        "requests",
        FakeTable(
            "r.csv",
            REQUEST_COLUMNS,
            [
                {"record_id": "A-1", "family_name": "Лисенко", "given_name": "Олег",
                 "birth_date": "1999", "source": "family"},
                {"record_id": "A-2", "family_name": "Бондар", "given_name": "Петро",
                 "birth_date": "", "source": "family"},
                {"record_id": "A-3", "family_name": "Лисенко", "given_name": "Олег",
                 "birth_date": "1999", "source": "official_register"},
            ],
        ),
        TODAY,
    )  # fmt: skip
    holdings = read_match_file(
        "holdings",
        FakeTable(
            "h.csv",
            HOLDING_COLUMNS,
            [{"record_id": "B-1", "family_name": "Лисенко", "given_name": "Олег",
              "category": "pow"}],
        ),
        TODAY,
    )  # fmt: skip

    found = match_files(requests, holdings, reconcile=FakeEngine())

    assert [list(row) for row in found.rows] == [list(MATCH_COLUMNS)] * 3
    assert [(r["request_id"], r["holding_id"], r["decision"]) for r in found.rows] == [
        ("A-1", "B-1", "match"),
        ("A-2", "", "no_match"),
        ("A-3", "B-1", "match"),
    ]
    assert found.rows[0]["probability"] == "0.9900"
    assert found.rows[2]["explanation"].startswith("same person as request A-1; ")
    assert found.counts == {"match": 2, "review": 0, "no_match": 1}


def test_file_mode_reports_bad_input_as_an_import_would() -> None:
    table = FakeTable(
        "r.csv",
        [*REQUEST_COLUMNS, "nickname"],
        [
            {"record_id": "A-1", "family_name": "", "given_name": "Олег",
             "birth_date": "31.02.1999", "source": "family", "nickname": ""},
        ],
    )  # fmt: skip

    with pytest.raises(ImportRejected) as rejected:
        read_match_file("requests", table, TODAY)

    assert rejected.value.lines()[0].startswith(
        "r.csv row 1, column nickname: is not a requests column (expected: record_id,"
    )


def test_file_mode_reports_every_bad_cell_with_its_row() -> None:
    table = FakeTable(
        "r.csv",
        REQUEST_COLUMNS,
        [
            {"record_id": "A-1", "family_name": "", "given_name": "Олег",
             "birth_date": "31.02.1999", "source": "family"},
            {"record_id": "A-1", "family_name": "Коваль", "given_name": "Іван",
             "birth_date": "", "source": "family"},
        ],
    )  # fmt: skip

    with pytest.raises(ImportRejected) as rejected:
        read_match_file("requests", table, TODAY)

    lines = rejected.value.lines()
    assert "r.csv row 2, column family_name: is empty (a value is required)" in lines
    assert any(line.startswith("r.csv row 2, column birth_date: '31.02.1999'") for line in lines)
    assert len(lines) == 2  # the second A-1 is fine: the first was not read
