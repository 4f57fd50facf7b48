"""Both sides and the neutral verifier recording at once, on SQLite and PostgreSQL.

Every handover locks its tranche first, so clients recording at the same moment lose no
event, count nobody twice, and never let one side run further ahead than the agreement
allows, not even for an instant: the log, replayed in sequence order, says so. A
state machine then drives the crossing with random people, actions and roles against a
model of who may do what and of the balance.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine

from parley.adapters.orm import Base
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.handover import Action
from parley.domain.parties import Party
from parley.domain.tranches import BalanceRefused
from parley.errors import (
    Conflict,
    DatabaseBusy,
    NotPermitted,
    ParleyError,
    TransitionNotAllowed,
)
from parley.services.exchange import close_tranche, tranche_status
from parley.services.handover import HandoverResult, record
from parley.services.parties import register_party
from tests.conftest import NOW, snapshot
from tests.integration import exchange_support as ex
from tests.integration.exchange_support import EXCHANGE, Uow

SIDES = ("UA", "RU")
V = "neutral_verifier"


# --- clients recording at once ------------------------------------------------------


@dataclass
class Crossing:
    """What the clients share: who did what first, and a bell rung on every change."""

    engine: Engine
    firsts: Counter[tuple[str, str]] = field(default_factory=Counter)
    results: list[HandoverResult] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    version: int = 0

    def send(self, side: str, person: str, action: Action, acting_as: str) -> None:
        """Send one request until it is done, as a client with an idempotency key would.

        Refusals that another client's progress can lift (not verified yet, not handed
        over yet, the other side must cross first, the key in flight, the database busy)
        wait for the next change and try again; anything else fails the test.
        """
        key = f"{action}:{side}:{person}"
        while True:
            with self.changed:
                seen = self.version
            try:
                result = record(
                    SqlUnitOfWork(self.engine), EXCHANGE, 1, side, person, action,
                    acting_as=acting_as, actor=acting_as, now=NOW, idempotency_key=key,
                )  # fmt: skip
            except (TransitionNotAllowed, Conflict, DatabaseBusy):
                with self.changed:
                    self.changed.wait_for(partial(self.moved, seen), timeout=0.2)
                continue
            with self.changed:
                if not result.replayed:
                    self.firsts[action, person] += 1
                    self.results.append(result)
                self.version += 1
                self.changed.notify_all()
            return

    def moved(self, seen: int) -> bool:
        """Whether anything changed since ``seen`` (call holding ``changed``)."""
        return self.version != seen

    def client(self, work: list[tuple[str, str, Action, str]]) -> Callable[[], None]:
        def run() -> None:
            try:
                for side, person, action, acting_as in work:
                    self.send(side, person, action, acting_as)
            except BaseException as error:  # reported by the test, not lost in a thread
                self.errors.append(error)

        return run


PER_SIDE = 10


def test_both_sides_recording_at_once_lose_nothing_count_once_and_never_run_ahead(
    uow: Uow, engine: Engine, parties: tuple[Party, Party]
) -> None:
    ex.opened(uow, ex.terms(per_tranche=PER_SIDE, tranches=1), per_side=PER_SIDE + 3)
    people = {side: ex.listed(uow, 1, side) for side in SIDES}
    start = ex.logged(engine)[-1].seq
    shared = Crossing(engine)
    verifying = [
        (side, person, action, V)
        for pair in zip(people["UA"], people["RU"], strict=True)
        for side, person in zip(SIDES, pair, strict=True)
        for action in (Action.CONFIRM_IDENTITY, Action.CONFIRM_WILL)
    ]
    clients = [shared.client(verifying)]
    for side in SIDES:
        releasing = [(side, p, Action.HAND_OVER, side) for p in people[side]]
        receiving = [(side, p, Action.RECEIVE, ex.other(side)) for p in people[side]]
        clients += [shared.client(releasing), shared.client(releasing)]  # a client retrying
        clients.append(shared.client(receiving))
    threads = [threading.Thread(target=c) for c in clients]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(t.is_alive() for t in threads)
    assert shared.errors == []
    assert set(shared.firsts.values()) == {1}  # each step done once, whoever sent it
    assert len(shared.firsts) == 2 * PER_SIDE * 4
    (track,) = tranche_status(uow(), EXCHANGE, 1).tracks
    assert track.sent == track.received == {"UA": PER_SIDE, "RU": PER_SIDE}
    events = [e for e in ex.logged(engine) if e.seq > start]
    assert [e.seq for e in events] == list(range(start + 1, start + 1 + len(events)))
    assert Counter(e.type for e in events) == {
        "PersonVerificationRecorded": 4 * PER_SIDE,
        "PersonHandedOver": 2 * PER_SIDE,
        "PersonReceived": 2 * PER_SIDE,
    }
    # As an observer holding only the public log would check it: people are commitments.
    sent = dict.fromkeys(SIDES, 0)
    handed: set[str] = set()
    for event in events:
        data = json.loads(event.entry)["data"]
        if event.type == "PersonHandedOver":
            sent[data["side"]] += data["weight"]
            assert abs(sent["UA"] - sent["RU"]) <= track.allowed_lead, (event.seq, sent)
            handed.add(data["record_id"])
        elif event.type == "PersonReceived":
            assert data["record_id"] in handed, f"entry {event.seq} receives before handing"
    assert len(handed) == 2 * PER_SIDE
    for result in shared.results:
        assert abs(result.sent["UA"] - result.sent["RU"]) <= track.allowed_lead
    close_tranche(uow(), EXCHANGE, 1, actor="mediator", now=NOW)


# --- a model of the crossing --------------------------------------------------------

# Who may record what, relative to the person (DESIGN.md "Who uses it", GC III Art. 109(3)).
MAY = {
    Action.CONFIRM_IDENTITY: {"neutral_verifier"},
    Action.CONFIRM_WILL: {"neutral_verifier", "mediator"},
    Action.VERIFY: {"neutral_verifier"},
    Action.DISPUTE_IDENTITY: {"neutral_verifier", "receiving"},
    Action.HAND_OVER: {"releasing"},
    Action.RECEIVE: {"receiving"},
    Action.NO_SHOW: {"releasing", "neutral_verifier", "mediator"},
    Action.DIED: {"releasing", "mediator"},
}
ROLES = ["releasing", "receiving", "neutral_verifier", "mediator"]
# Drawn more often by the step it is theirs to record, so that people do cross.
HANDING = st.sampled_from(["releasing", "releasing", *ROLES])
RECEIVING = st.sampled_from(["receiving", "receiving", *ROLES])
IN_MODEL = 3  # people a side


@dataclass
class Person:
    state: str = "listed"
    identified: bool = False
    disputed: bool = False
    willing: bool = False


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


class HandoverMachine(RuleBasedStateMachine):
    """Random actions by random roles on random people of one open tranche (max lead 1)."""

    engine: Engine

    def __init__(self) -> None:
        super().__init__()
        _empty(self.engine)
        for code in SIDES:
            register_party(self.uow(), Party(code, f"Party {code}", "uk"), actor="t", now=NOW)
        terms = ex.terms(per_tranche=IN_MODEL, tranches=1)
        ex.opened(self.uow, terms, per_side=IN_MODEL + 2)
        self.ids = {side: ex.listed(self.uow, 1, side) for side in SIDES}
        self.people = {(s, rid): Person() for s in SIDES for rid in self.ids[s]}
        self.sent = dict.fromkeys(SIDES, 0)
        self.received = dict.fromkeys(SIDES, 0)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def expected(self, action: Action, acting_as: str, side: str, p: Person) -> type | None:
        """The error the model expects, or None when the action should be recorded."""
        role = {side: "releasing", ex.other(side): "receiving"}.get(acting_as, acting_as)
        if role not in MAY[action]:
            return NotPermitted
        if action is Action.RECEIVE:
            return None if p.state == "handed_over" else TransitionNotAllowed
        if p.state != "listed":
            return TransitionNotAllowed
        if action is Action.HAND_OVER:
            if not (p.identified and p.willing) or p.disputed:
                return TransitionNotAllowed
            lead = self.sent[side] + 1 - self.sent[ex.other(side)]
            if lead > 1:
                return BalanceRefused
        return None

    def apply(self, action: Action, side: str, p: Person) -> None:
        match action:
            case Action.CONFIRM_IDENTITY:
                p.identified, p.disputed = True, False
            case Action.DISPUTE_IDENTITY:
                p.identified, p.disputed = False, True
            case Action.CONFIRM_WILL:
                p.willing = True
            case Action.VERIFY:
                p.identified, p.disputed, p.willing = True, False, True
            case Action.HAND_OVER:
                p.state = "handed_over"
                self.sent[side] += 1
            case Action.RECEIVE:
                p.state = "received"
                self.received[side] += 1
            case Action.NO_SHOW:
                p.state = "no_show"
            case Action.DIED:
                p.state = "deceased"

    def attempt(self, action: Action, role: str, side: str, index: int) -> None:
        acting_as = {"releasing": side, "receiving": ex.other(side)}.get(role, role)
        record_id = self.ids[side][index]
        person = self.people[side, record_id]
        expected = self.expected(action, acting_as, side, person)
        before = snapshot(self.engine)
        refused: ParleyError | None = None
        try:
            ex.act(self.uow, 1, side, record_id, action, acting_as)
        except ParleyError as error:
            refused = error
        if refused is None:
            assert expected is None, f"{action} by {acting_as} on {record_id} was recorded"
            self.apply(action, side, person)
            return
        assert expected is not None, f"{action} by {acting_as} refused: {refused}"
        assert isinstance(refused, expected), f"{action} by {acting_as}: {refused!r}"
        assert snapshot(self.engine) == before, f"refused {action} changed the database"

    @rule(side=st.sampled_from(SIDES), index=st.integers(0, IN_MODEL - 1))
    def verify(self, side: str, index: int) -> None:
        for action in (Action.CONFIRM_IDENTITY, Action.CONFIRM_WILL):
            self.attempt(action, V, side, index)

    def ready(self) -> list[tuple[str, int]]:
        """Those verified and still to cross."""
        return [(s, i) for (s, rid), p in self.people.items() if p.state == "listed"
                and p.identified and p.willing for i in [self.ids[s].index(rid)]]  # fmt: skip

    def in_transit(self) -> list[tuple[str, int]]:
        """Those handed over and not yet received."""
        return [(s, self.ids[s].index(rid)) for (s, rid), p in self.people.items()
                if p.state == "handed_over"]  # fmt: skip

    @rule(role=HANDING, side=st.sampled_from(SIDES), index=st.integers(0, IN_MODEL - 1))
    def hand_over(self, role: str, side: str, index: int) -> None:
        self.attempt(Action.HAND_OVER, role, side, index)

    @precondition(lambda self: self.ready())
    @rule(role=HANDING, data=st.data())
    def hand_over_someone_ready(self, role: str, data: st.DataObject) -> None:
        side, index = data.draw(st.sampled_from(self.ready()))
        self.attempt(Action.HAND_OVER, role, side, index)

    @rule(role=RECEIVING, side=st.sampled_from(SIDES), index=st.integers(0, IN_MODEL - 1))
    def receive(self, role: str, side: str, index: int) -> None:
        self.attempt(Action.RECEIVE, role, side, index)

    @precondition(lambda self: self.in_transit())
    @rule(role=RECEIVING, data=st.data())
    def receive_someone_in_transit(self, role: str, data: st.DataObject) -> None:
        side, index = data.draw(st.sampled_from(self.in_transit()))
        self.attempt(Action.RECEIVE, role, side, index)

    @rule(
        action=st.sampled_from(sorted(set(MAY) - {Action.HAND_OVER, Action.RECEIVE})),
        role=st.sampled_from(ROLES),
        side=st.sampled_from(SIDES),
        index=st.integers(0, IN_MODEL - 1),
    )
    def other_step(self, action: Action, role: str, side: str, index: int) -> None:
        self.attempt(action, role, side, index)

    @invariant()
    def stored_balance_is_the_models_and_within_the_lead(self) -> None:
        (track,) = tranche_status(self.uow(), EXCHANGE, 1).tracks
        assert track.sent == self.sent
        assert track.received == self.received
        assert abs(track.sent["UA"] - track.sent["RU"]) <= track.allowed_lead

    @invariant()
    def the_log_counts_what_the_model_counts(self) -> None:
        handed = ex.logged(self.engine, "PersonHandedOver", "PersonReceived")
        counted = Counter((e.type, e.payload["side"]) for e in handed)
        for side in SIDES:
            assert counted["PersonHandedOver", side] == self.sent[side]
            assert counted["PersonReceived", side] == self.received[side]


def test_random_steps_by_random_roles_keep_the_balance_and_change_nothing_when_refused(
    engine: Engine,
) -> None:
    machine = type("Machine", (HandoverMachine,), {"engine": engine})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=10,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
