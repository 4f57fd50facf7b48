"""Signing, witnessing and exporting the public log, on SQLite and PostgreSQL.

The mediator signs the log as it stands; a party's witness co-signs a checkpoint only if
it extends the last one it co-signed, and stores what it co-signed before the
co-signature is committed; the export verifies from its bytes alone and names no one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from parley.adapters.uow import SqlUnitOfWork
from parley.errors import ExportFailed, NotFound, VerificationFailed
from parley.ledger.keys import SigningKey
from parley.ledger.notes import Checkpoint, Witness, WitnessState, open_checkpoint, parse_note
from parley.ledger.verify import LogReport, verify_log
from parley.services import ledger
from parley.services.ledger import export_log, sign_checkpoint, witness_checkpoint
from parley.services.ports import StoredCheckpoint
from tests.conftest import NOW
from tests.integration.log_support import MEDIATOR, ORIGIN, RU, UA, move_holdings

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")  # entries 1 and 2: UA and RU registered


def _sign(uow: Uow, key: SigningKey = MEDIATOR, origin: str = ORIGIN) -> StoredCheckpoint:
    return sign_checkpoint(uow(), key, origin=origin, now=NOW)


class _Memory:
    """A witness's state file: what was kept, and how many checkpoints the database held
    at that moment (the co-signature must not be committed yet)."""

    def __init__(self, uow: Uow, engine: Engine, party: SigningKey) -> None:
        self.uow = uow
        self.engine = engine
        self.witness = Witness(party, MEDIATOR.verifier, WitnessState.empty(ORIGIN))
        self.kept: list[tuple[WitnessState, int]] = []

    def keep(self, state: WitnessState) -> None:
        # Read beside the witness's open transaction, as anyone else would.
        with SqlUnitOfWork(self.engine, read_only=True) as u:
            self.kept.append((state, len(u.log.checkpoints())))

    def cosign(self) -> StoredCheckpoint:
        return witness_checkpoint(self.uow(), self.witness, now=NOW, keep=self.keep)


def _checkpoints(uow: Uow) -> list[StoredCheckpoint]:
    with uow() as u:
        return u.log.checkpoints()


def _export(uow: Uow, *witnesses: SigningKey) -> tuple[bytes, LogReport]:
    stream = io.BytesIO()
    export_log(uow(), stream, origin=ORIGIN)
    data = stream.getvalue()
    report = verify_log(io.BytesIO(data), witnesses=[w.verifier for w in witnesses])
    return data, report


def test_a_checkpoint_signs_the_root_of_the_log_as_it_stands(uow: Uow) -> None:
    move_holdings(uow, "RU-7")
    stored = _sign(uow)

    checkpoint, _ = open_checkpoint(stored.note, MEDIATOR.verifier, ORIGIN)
    with uow() as u:
        assert (checkpoint.size, checkpoint.root_hash) == (3, u.log.root(3))
    assert stored.size == 3
    assert stored.log_key == MEDIATOR.verifier.to_text()
    assert _checkpoints(uow) == [stored]


def test_one_log_keeps_one_key_and_one_origin(uow: Uow) -> None:
    first = _sign(uow)
    with pytest.raises(VerificationFailed, match="signed by MEDIATOR, not IMPOSTOR"):
        _sign(uow, SigningKey.from_seed("IMPOSTOR", bytes(range(3, 35))))
    with pytest.raises(VerificationFailed, match=re.escape(f"for origin {ORIGIN!r}")):
        _sign(uow, origin="parley.example/another")
    stream = io.BytesIO()
    with pytest.raises(VerificationFailed, match=re.escape("not 'parley.example/another'")):
        export_log(uow(), stream, origin="parley.example/another")
    assert _checkpoints(uow) == [first]


def test_each_party_cosigns_after_checking_consistency_and_keeps_its_state_first(
    uow: Uow, engine: Engine
) -> None:
    _sign(uow)
    ua, ru = _Memory(uow, engine, UA), _Memory(uow, engine, RU)
    ua.cosign()
    ru.cosign()
    move_holdings(uow, "RU-7", "RU-8", "RU-9")
    _sign(uow)
    ua.cosign()
    latest = ru.cosign()

    with uow() as u:
        root = u.log.root(5)
    assert [state for state, _ in ua.kept] == [
        WitnessState(ORIGIN, 2, ua.kept[0][0].root_hash),
        WitnessState(ORIGIN, 5, root),
    ]
    # Each state was kept while the database held one checkpoint fewer than after.
    assert [held for _, held in ua.kept] == [1, 4]
    assert [held for _, held in ru.kept] == [2, 5]
    assert latest.size == 5
    assert [s.name for s in parse_note(latest.note).signatures] == ["MEDIATOR", "UA", "RU"]
    assert len(_checkpoints(uow)) == 6


def test_a_witness_that_cannot_keep_its_state_releases_no_cosignature(uow: Uow) -> None:
    _sign(uow)
    witness = Witness(UA, MEDIATOR.verifier, WitnessState.empty(ORIGIN))

    def fail(state: WitnessState) -> None:
        raise ExportFailed("cannot write ua-witness.json (disk full)")

    with pytest.raises(ExportFailed):
        witness_checkpoint(uow(), witness, now=NOW, keep=fail)
    assert [parse_note(c.note).signatures[-1].name for c in _checkpoints(uow)] == ["MEDIATOR"]


def test_cosigning_the_same_checkpoint_again_adds_no_signature(uow: Uow, engine: Engine) -> None:
    _sign(uow)
    ua = _Memory(uow, engine, UA)
    first = ua.cosign()
    again = ua.cosign()
    assert again == first
    assert len(parse_note(again.note).signatures) == 2
    assert len(_checkpoints(uow)) == 2


@pytest.mark.parametrize(
    ("size", "root", "refusal"),
    [
        (9, b"\x01" * 32, "has size 5, smaller than size 9 co-signed before"),
        (5, b"\x01" * 32, "has a root different from the one co-signed before: the log has forked"),
        (3, b"\x01" * 32, "at size 5 is not consistent with size 3 co-signed before"),
    ],
    ids=["smaller", "forked", "inconsistent"],
)
def test_a_witness_refuses_a_checkpoint_that_does_not_extend_its_last(
    uow: Uow, size: int, root: bytes, refusal: str
) -> None:
    move_holdings(uow, "RU-7", "RU-8", "RU-9")
    _sign(uow)
    before = WitnessState(ORIGIN, size, root)
    witness = Witness(UA, MEDIATOR.verifier, before)
    kept: list[WitnessState] = []

    with pytest.raises(VerificationFailed, match=re.escape(refusal)):
        witness_checkpoint(uow(), witness, now=NOW, keep=kept.append)
    assert kept == []
    assert witness.state == before
    assert len(_checkpoints(uow)) == 1


def test_nothing_is_witnessed_or_exported_before_the_first_checkpoint(uow: Uow) -> None:
    witness = Witness(UA, MEDIATOR.verifier, WitnessState.empty(ORIGIN))
    with pytest.raises(NotFound, match="no checkpoint was signed yet"):
        witness_checkpoint(uow(), witness, now=NOW, keep=lambda state: None)
    with pytest.raises(NotFound, match="no checkpoint was signed yet"):
        export_log(uow(), io.BytesIO(), origin=ORIGIN)


def test_the_export_verifies_names_no_one_and_says_who_cosigned(
    uow: Uow, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger, "_PAGE", 2)  # checkpoints on and across page boundaries
    _sign(uow)
    _Memory(uow, engine, UA).cosign()
    move_holdings(uow, "RU-7")
    _sign(uow)
    move_holdings(uow, "RU-8", "RU-9")
    _sign(uow)
    ua, ru = _Memory(uow, engine, UA), _Memory(uow, engine, RU)
    ua.cosign()
    ru.cosign()
    move_holdings(uow, "RU-10")  # after the latest checkpoint: exported, not yet signed

    data, report = _export(uow, UA, RU)

    assert b"RU-7" not in data
    assert b"RU-10" not in data
    assert report.origin == ORIGIN
    assert report.log_key == MEDIATOR.verifier
    assert (report.entries, report.signed_size, report.unsigned) == (6, 5, 1)
    assert [seen.checkpoint.size for seen in report.checkpoints] == [2, 2, 3, 5, 5, 5]
    assert [seen.witnesses for seen in report.checkpoints] == [
        (),
        ("UA",),
        (),
        (),
        ("UA",),
        ("UA", "RU"),
    ]
    with uow() as u:
        assert report.root == u.log.root(6)
    assert report.latest == Checkpoint(ORIGIN, 5, ua.witness.state.root_hash)
    assert report.types == {"PartyRegistered": 2, "HoldingStatusChanged": 4}
