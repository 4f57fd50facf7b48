"""Running an exchange on SQLite and PostgreSQL: manifests, signatures, tranches.

What the mediator and the two parties notice: each tranche gets one manifest per
releasing side whose canonical bytes all three sign; a wrong, foreign or stale
signature is refused and stores nothing; an amendment is a new version chained to the
one before; a tranche opens only when sealed and on its date, and closes only when
everyone listed has crossed, been received and the track balances.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from parley.domain.handover import Action
from parley.domain.holdings import HoldingStatus
from parley.domain.tranches import TrancheState
from parley.errors import (
    InvalidValue,
    NotFound,
    NotPermitted,
    TransitionNotAllowed,
    VerificationFailed,
)
from parley.ledger.canonical import canonical
from parley.ledger.keys import SigningKey
from parley.ledger.signatures import sign_file
from parley.services.amendments import substitute
from parley.services.exchange import (
    cancel_tranche,
    close_tranche,
    exchange_facts,
    open_tranche,
    resume_tranche,
    suspend_tranche,
    tranche_status,
)
from parley.services.manifests import (
    SignOutcome,
    adopt_plan,
    diff_versions,
    export_manifest,
    manifest_versions,
    sign_manifest,
)
from parley.services.planning import plan_from_database
from tests.conftest import NOW, snapshot
from tests.integration import exchange_support as ex
from tests.integration.exchange_support import DAY_ONE, EXCHANGE, Uow

pytestmark = pytest.mark.usefixtures("parties")
SIDES = ("UA", "RU")


def _status(uow: Uow, side: str, record_id: str) -> HoldingStatus:
    with uow() as u:
        found = u.holdings.get(side, record_id)
        assert found is not None
        return found.status


def _sign(uow: Uow, side: str, signature: str, number: int = 1) -> SignOutcome:
    return sign_manifest(uow(), EXCHANGE, number, side, signature, actor="signer", now=NOW)


# --- manifests ------------------------------------------------------------------------


def test_adopting_a_plan_issues_version_1_of_one_manifest_per_tranche_and_side(
    uow: Uow, engine: Engine
) -> None:
    ex.adopted(uow)

    for number in (1, 2):
        for side in SIDES:
            versions = manifest_versions(uow(), EXCHANGE, number, side)
            assert len(versions) == 1
            stored = versions[0]
            manifest = stored.manifest
            assert (manifest.tranche, manifest.side, manifest.version) == (number, side, 1)
            assert manifest.receiver == ex.other(side)
            assert manifest.previous_sha256 is None
            assert manifest.date == (DAY_ONE + timedelta(days=number - 1)).isoformat()
            assert stored.document == canonical(manifest.document())
            assert stored.sha256 == hashlib.sha256(stored.document).hexdigest()
            assert len(manifest.people) == 2
            assert stored.signatures == {}
            assert stored.sealed_at is None
        assert tranche_status(uow(), EXCHANGE, number).state is TrancheState.AWAITING_SIGNATURES
    issued = ex.logged(engine, "ManifestIssued")
    assert len(issued) == 4
    assert {(e.payload["tranche"], e.payload["side"]) for e in issued} == {
        (n, s) for n in (1, 2) for s in SIDES
    }
    for event in issued:
        stored = export_manifest(uow(), EXCHANGE, event.payload["tranche"], event.payload["side"])
        assert event.payload["sha256"] == stored.sha256


def test_a_manifest_gives_the_receiving_side_each_persons_identity_fields(uow: Uow) -> None:
    ex.adopted(uow)

    for side in SIDES:
        document = json.loads(export_manifest(uow(), EXCHANGE, 1, side).document)
        for line in document["people"] + document["reserves"]:
            number = int(line["record_id"].split("-")[1])
            assert line["family_name"] == ex.FAMILY[number % len(ex.FAMILY)]
            assert line["given_name"] == ex.GIVEN[number % len(ex.GIVEN)]
            assert line["patronymic"] == ex.FATHER[number % len(ex.FATHER)]
            assert line["birth_date"] == f"{1980 + number}-01-01"
            assert line["rank"] == "private"
            assert line["service_number"] == f"{side}-SN-{number:04d}"
            assert line["sex"] == "M"
            assert line["track"] == "military"
            assert line["points"] == 1


def test_a_manifest_lists_its_reserves_and_its_people_become_listed(uow: Uow) -> None:
    ex.adopted(uow)

    for side in SIDES:
        manifest = export_manifest(uow(), EXCHANGE, 1, side).manifest
        assert [r.reserve_rank for r in manifest.reserves] == [1, 2]
        assert not {r.record_id for r in manifest.reserves} & {p.record_id for p in manifest.people}
        for number in (1, 2):
            for record_id in ex.listed(uow, number, side):
                assert _status(uow, side, record_id) is HoldingStatus.LISTED
        for reserve in manifest.reserves:
            assert _status(uow, side, reserve.record_id) is not HoldingStatus.LISTED


def test_adopting_a_plan_twice_is_refused_and_changes_nothing(uow: Uow, engine: Engine) -> None:
    ex.adopted(uow)
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed, match=f"exchange '{EXCHANGE}' has adopted a plan"):
        adopt_plan(uow(), ex.agreement(), ex.AGREEMENT, actor="mediator", now=NOW)

    assert snapshot(engine) == before


def test_adopting_an_unknown_plan_is_refused_and_changes_nothing(uow: Uow, engine: Engine) -> None:
    chosen = ex.planned(uow)
    before = snapshot(engine)

    with pytest.raises(NotFound, match="there is no plan 999: run parley plan first"):
        adopt_plan(uow(), chosen, ex.AGREEMENT, plan_id=999, actor="mediator", now=NOW)

    assert snapshot(engine) == before


def test_adopting_an_infeasible_plan_is_refused_and_changes_nothing(
    uow: Uow, engine: Engine
) -> None:
    ex.planned(uow)
    too_many = ex.AGREEMENT.replace("minimum_per_side: 4", "minimum_per_side: 40")
    impossible = ex.agreement(too_many)
    draft = plan_from_database(uow(), impossible, actor="mediator", now=NOW)
    assert not draft.plan.feasible
    before = snapshot(engine)

    with pytest.raises(InvalidValue, match=f"plan {draft.plan_id} is infeasible"):
        adopt_plan(uow(), impossible, too_many, actor="mediator", now=NOW)

    assert snapshot(engine) == before


# --- signatures -----------------------------------------------------------------------


def test_the_third_signature_seals_the_version_and_both_seal_the_tranche(
    uow: Uow, engine: Engine
) -> None:
    ex.adopted(uow)

    outcomes = [
        _sign(uow, "UA", ex.signature(uow, 1, "UA", signer)) for signer in ("UA", "RU", "MEDIATOR")
    ]

    assert [(o.signer, o.sealed, o.missing) for o in outcomes] == [
        ("UA", False, ("MEDIATOR", "RU")),
        ("RU", False, ("MEDIATOR",)),
        ("MEDIATOR", True, ()),
    ]
    assert outcomes[-1].tranche_state is TrancheState.AWAITING_SIGNATURES
    status = tranche_status(uow(), EXCHANGE, 1)
    assert status.manifests["UA"] == (1, True, ("MEDIATOR", "RU", "UA"))
    assert status.manifests["RU"] == (1, False, ())
    for record_id in ex.listed(uow, 1, "UA"):
        assert _status(uow, "UA", record_id) is HoldingStatus.ACCEPTED

    ex.sign_all(uow, 1, ("RU",))

    assert tranche_status(uow(), EXCHANGE, 1).state is TrancheState.SEALED
    assert tranche_status(uow(), EXCHANGE, 2).state is TrancheState.AWAITING_SIGNATURES
    signed = ex.logged(engine, "ManifestSigned")
    assert [(e.payload["side"], e.payload["signer"]) for e in signed] == [
        (side, signer) for side in SIDES for signer in ("UA", "RU", "MEDIATOR")
    ]
    assert [e.payload["side"] for e in ex.logged(engine, "ManifestSealed")] == ["UA", "RU"]
    moves = ex.logged(engine, "TrancheStateChanged")
    assert (moves[-1].payload["tranche"], moves[-1].payload["to_state"]) == (1, "sealed")


def test_a_key_whose_name_is_not_a_signer_is_refused(uow: Uow, engine: Engine) -> None:
    ex.adopted(uow)
    stored = export_manifest(uow(), EXCHANGE, 1, "UA")
    stranger = SigningKey.from_seed("BY", bytes(range(5, 37)))
    text = sign_file(hashlib.sha256(stored.document).digest(), stranger).to_text()
    before = snapshot(engine)

    with pytest.raises(NotPermitted) as refused:
        _sign(uow, "UA", text)

    assert str(refused.value) == (
        "a key named 'BY' cannot sign the manifest of UA, tranche 1, version 1: "
        "it is signed by MEDIATOR, RU, UA"
    )
    assert snapshot(engine) == before


def test_a_signature_by_an_unregistered_key_of_the_right_name_is_refused(
    uow: Uow, engine: Engine
) -> None:
    ex.adopted(uow)
    stored = export_manifest(uow(), EXCHANGE, 1, "UA")
    impostor = SigningKey.from_seed("UA", bytes(range(9, 41)))
    text = sign_file(hashlib.sha256(stored.document).digest(), impostor).to_text()
    before = snapshot(engine)

    with pytest.raises(VerificationFailed, match="not by the trusted key UA"):
        _sign(uow, "UA", text)

    assert snapshot(engine) == before
    assert tranche_status(uow(), EXCHANGE, 1).manifests["UA"] == (1, False, ())


def test_a_signature_of_an_older_version_is_refused_saying_which(uow: Uow, engine: Engine) -> None:
    ex.adopted(uow)
    of_version_1 = ex.signature(uow, 1, "UA", "RU")
    version = substitute(
        uow(), EXCHANGE, 1, "UA", ex.listed(uow, 1, "UA")[0], ex.reserves(uow, 1, "UA")[0],
        actor="mediator", now=NOW,
    )  # fmt: skip
    assert version == 2
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed) as refused:
        _sign(uow, "UA", of_version_1)

    assert str(refused.value) == (
        "the signature is of version 1, but the manifest of UA in tranche 1 is at version 2 "
        "now: export the latest version and sign that"
    )
    assert snapshot(engine) == before


def test_signing_twice_changes_nothing(uow: Uow, engine: Engine) -> None:
    ex.adopted(uow)
    text = ex.signature(uow, 1, "UA", "UA")
    first = _sign(uow, "UA", text)
    before = snapshot(engine)

    again = _sign(uow, "UA", text)

    assert again.changed is False
    assert first.changed is True
    assert again.missing == ("MEDIATOR", "RU")
    assert snapshot(engine) == before


def _tampered(text: str, field: str) -> str:
    value = json.loads(text)
    if field == "signature":
        raw = bytearray(base64.b64decode(value["signature"]))
        raw[0] ^= 1
        value["signature"] = base64.b64encode(bytes(raw)).decode()
    else:
        value["sha256"] = hashlib.sha256(b"another file").hexdigest()
    return json.dumps(value)


def test_a_tampered_signature_file_is_refused_and_stores_nothing(uow: Uow, engine: Engine) -> None:
    ex.adopted(uow)
    text = ex.signature(uow, 1, "UA", "RU")
    before = snapshot(engine)

    with pytest.raises(VerificationFailed):
        _sign(uow, "UA", _tampered(text, "signature"))
    with pytest.raises(VerificationFailed, match="the file was changed, or it is another file"):
        _sign(uow, "UA", _tampered(text, "sha256"))
    with pytest.raises(InvalidValue, match="signature file"):
        _sign(uow, "UA", text[: len(text) // 2])

    assert snapshot(engine) == before


# --- amendments -----------------------------------------------------------------------


def test_a_substitution_is_version_2_chained_to_version_1_and_needs_three_signatures_again(
    uow: Uow, engine: Engine
) -> None:
    ex.adopted(uow)
    ex.sign_all(uow, 1)
    assert tranche_status(uow(), EXCHANGE, 1).state is TrancheState.SEALED
    gone, spare = ex.listed(uow, 1, "UA")[0], ex.reserves(uow, 1, "UA")[0]

    substitute(uow(), EXCHANGE, 1, "UA", gone, spare, actor="mediator", now=NOW)

    first, second = manifest_versions(uow(), EXCHANGE, 1, "UA")
    assert second.manifest.version == 2
    assert second.manifest.previous_sha256 == first.sha256
    assert second.sha256 == hashlib.sha256(second.document).hexdigest() != first.sha256
    assert next(p.record_id for p in second.manifest.people) == spare
    assert second.manifest.reason == f"substitution: {spare} for {gone} (listed)"
    status = tranche_status(uow(), EXCHANGE, 1)
    assert status.state is TrancheState.AWAITING_SIGNATURES
    assert status.manifests["UA"] == (2, False, ())
    with pytest.raises(TransitionNotAllowed, match=r"version 2 \(unsigned by MEDIATOR, RU, UA\)"):
        open_tranche(uow(), EXCHANGE, 1, today=DAY_ONE, actor="mediator", now=NOW)
    (diff,) = diff_versions(uow(), EXCHANGE, 1, "UA")
    assert diff.lines() == [
        f"version 1 -> 2: substitution: {spare} for {gone} (listed)",
        f"- {gone} (military, 1 pt)",
        f"+ {spare} (military, 1 pt)",
    ]
    substituted = ex.logged(engine, "PersonSubstituted")
    assert [(e.payload["replaced"], e.payload["substitute"]) for e in substituted] == [
        (gone, spare)
    ]

    for signer in ("UA", "RU"):
        ex.sign(uow, 1, "UA", signer)
        assert tranche_status(uow(), EXCHANGE, 1).state is TrancheState.AWAITING_SIGNATURES
    ex.sign(uow, 1, "UA", "MEDIATOR")

    assert tranche_status(uow(), EXCHANGE, 1).state is TrancheState.SEALED
    assert _status(uow, "UA", spare) is HoldingStatus.ACCEPTED


# --- the tranche's life -----------------------------------------------------------------


def test_a_tranche_does_not_open_before_its_manifests_are_signed(uow: Uow, engine: Engine) -> None:
    ex.adopted(uow)
    ex.sign(uow, 1, "UA", "UA")
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed) as refused:
        open_tranche(uow(), EXCHANGE, 1, today=DAY_ONE, actor="mediator", now=NOW)

    assert str(refused.value) == (
        "tranche 1 cannot open: the manifest of UA, tranche 1, version 1 (unsigned by "
        "MEDIATOR, RU), the manifest of RU, tranche 1, version 1 (unsigned by MEDIATOR, RU, "
        "UA) still wait for signatures"
    )
    assert snapshot(engine) == before


def test_a_sealed_tranche_opens_on_its_date_and_not_before(uow: Uow, engine: Engine) -> None:
    ex.adopted(uow)
    ex.sign_all(uow, 1)
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed) as refused:
        open_tranche(
            uow(), EXCHANGE, 1, today=DAY_ONE - timedelta(days=1), actor="mediator", now=NOW
        )
    assert str(refused.value) == (
        "tranche 1 cannot open before its date 2025-05-23 (today is 2025-05-22)"
    )
    assert snapshot(engine) == before

    opened = open_tranche(uow(), EXCHANGE, 1, today=DAY_ONE, actor="mediator", now=NOW)

    assert opened.state is TrancheState.OPEN
    status = tranche_status(uow(), EXCHANGE, 1)
    assert status.state is TrancheState.OPEN
    assert status.people == {"UA": {"listed": 2}, "RU": {"listed": 2}}
    assert [(t.sent, t.received, t.next_to_cross) for t in status.tracks] == [
        ({"UA": 0, "RU": 0}, {"UA": 0, "RU": 0}, None)
    ]
    for side in SIDES:
        for record_id in ex.listed(uow, 1, side):
            assert _status(uow, side, record_id) is HoldingStatus.IN_TRANCHE


def test_a_tranche_does_not_close_while_anyone_is_to_cross_in_transit_or_unbalanced(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    ua, ru = ex.listed(uow, 1, "UA"), ex.listed(uow, 1, "RU")
    ex.cross(uow, 1, "UA", ua[0])
    ex.hand_over(uow, 1, "RU", ru[0])
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed) as refused:
        close_tranche(uow(), EXCHANGE, 1, actor="mediator", now=NOW)

    assert str(refused.value) == (
        "tranche 1 cannot close: 1 of RU still to cross; 1 of UA still to cross; "
        "RU has 1 handed over in military not yet received; military is unbalanced: UA is "
        "1 ahead of RU by the people received (RU adds someone from its reserves, or the "
        "difference is carried to the next tranche)"
    )
    assert snapshot(engine) == before


def test_a_balanced_tranche_closes_and_logs_its_balance(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    for ua, ru in zip(ex.listed(uow, 1, "UA"), ex.listed(uow, 1, "RU"), strict=True):
        ex.cross(uow, 1, "UA", ua)
        ex.cross(uow, 1, "RU", ru)

    (balance,) = close_tranche(uow(), EXCHANGE, 1, actor="mediator", now=NOW)

    assert balance.received == {"UA": 2, "RU": 2}
    status = tranche_status(uow(), EXCHANGE, 1)
    assert status.state is TrancheState.CLOSED
    assert status.people == {"UA": {"received": 2}, "RU": {"received": 2}}
    closing = ex.logged(engine, "TrancheStateChanged")[-1].payload
    assert (closing["from_state"], closing["to_state"]) == ("closing", "closed")
    assert closing["balances"]["military"]["received"] == {"UA": 2, "RU": 2}
    facts = exchange_facts(uow())[EXCHANGE]
    assert (facts.stages_planned, facts.stages_closed, facts.totals_met) == (2, 1, False)


def test_a_suspended_tranche_takes_no_handover_until_it_resumes(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]
    ex.verify(uow, 1, "UA", person)
    suspend_tranche(uow(), EXCHANGE, 1, actor="mediator", now=NOW)
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed) as refused:
        ex.act(uow, 1, "UA", person, Action.HAND_OVER, "UA")

    assert str(refused.value) == (
        "tranche 1 is suspended: hand_over is recorded only while it is open"
    )
    assert snapshot(engine) == before
    resume_tranche(uow(), EXCHANGE, 1, actor="mediator", now=NOW)
    assert ex.act(uow, 1, "UA", person, Action.HAND_OVER, "UA").state == "handed_over"


def test_a_tranche_cannot_be_cancelled_once_someone_crossed(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    ex.cross(uow, 1, "UA", ex.listed(uow, 1, "UA")[0])
    suspend_tranche(uow(), EXCHANGE, 1, actor="mediator", now=NOW)
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed, match="tranche 1 cannot be cancelled: 1 "):
        cancel_tranche(uow(), EXCHANGE, 1, actor="mediator", now=NOW)

    assert snapshot(engine) == before


def test_a_tranche_nobody_crossed_in_is_cancelled_and_its_people_freed(uow: Uow) -> None:
    ex.adopted(uow)
    ex.sign_all(uow, 2)

    cancel_tranche(uow(), EXCHANGE, 2, actor="mediator", now=NOW)

    assert tranche_status(uow(), EXCHANGE, 2).state is TrancheState.CANCELLED
    for side in SIDES:
        for record_id in ex.listed(uow, 2, side):
            assert _status(uow, side, record_id) is HoldingStatus.ELIGIBLE
    facts = exchange_facts(uow())[EXCHANGE]
    assert facts.stages_planned == 1


def test_a_manifest_of_a_cancelled_tranche_takes_no_more_signatures(
    uow: Uow, engine: Engine
) -> None:
    ex.adopted(uow)
    ex.sign(uow, 2, "UA", "UA")
    ex.sign(uow, 2, "UA", "RU")
    cancel_tranche(uow(), EXCHANGE, 2, actor="mediator", now=NOW)
    late = ex.signature(uow, 2, "UA", "MEDIATOR")
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed, match="tranche 2 is cancelled"):
        _sign(uow, "UA", late, number=2)

    assert snapshot(engine) == before
    for record_id in ex.listed(uow, 2, "UA"):
        assert _status(uow, "UA", record_id) is HoldingStatus.ELIGIBLE
