"""A person's receipt verifies with the mediator's key alone, and against the export.

The log here is built in memory: nine entries, of which entries 3, 6 and 7 name the
holding RU-7 of party RU (entry 6 by a list-free field of a review, entry 4 names
another person). Every way of changing a receipt, or of showing it a log that is not
the one its checkpoint signs, is refused with a message that says what failed.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.errors import VerificationFailed
from parley.ledger.entries import commitment, entry, person_record
from parley.ledger.keys import SigningKey
from parley.ledger.merkle import InMemoryNodeStore, MerkleLog
from parley.ledger.notes import Checkpoint, Note, Signature
from parley.ledger.receipts import (
    TEXT_PREFIX,
    Receipt,
    ReceiptEntry,
    ReceiptReport,
    names_commitment,
    read_receipt,
    verify_receipt,
)
from parley.ledger.verify import write_log

ORIGIN = "parley.example/exchange-2025"
MEDIATOR = SigningKey.from_seed("MEDIATOR", bytes(range(32)))
UA = SigningKey.from_seed("UA", bytes(range(1, 33)))
RU = SigningKey.from_seed("RU", bytes(range(2, 34)))
IMPOSTOR = SigningKey.from_seed("MEDIATOR", bytes(range(3, 35)))
SALT = bytes(range(100, 132))
START = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)
PERSON = ("holding", "RU", "RU-7")
COMMITMENT = commitment(SALT, person_record(*PERSON))

HOLDING = {"record_id": ("holding", "party")}
REVIEW = {"request_id": ("request", "requester"), "holding_id": ("holding", "holder")}
MERGE = {"kept": ("request", "party"), "merged": ("request", "party")}


def _moved(record_id: str, before: str, after: str) -> dict[str, Any]:
    return {"party": "RU", "record_id": record_id, "from_status": before, "to_status": after}


REVIEWED = {
    "proposal_id": 1,
    "run_id": 1,
    "requester": "UA",
    "request_id": "UA-1",
    "holder": "RU",
    "holding_id": "RU-7",
    "from_state": "proposed",
    "to_state": "confirmed",
    "reason": None,
    "acting_as": "RU",
}
EVENTS: list[tuple[str, dict[str, Any], Mapping[str, tuple[str, str]]]] = [
    ("PartyRegistered", {"party": "UA"}, {}),
    ("PartyRegistered", {"party": "RU"}, {}),
    ("HoldingStatusChanged", _moved("RU-7", "detained", "eligible"), HOLDING),
    ("HoldingStatusChanged", _moved("RU-8", "detained", "eligible"), HOLDING),
    ("RequestsMerged", {"party": "UA", "run_id": 1, "kept": "UA-1", "merged": ["UA-2"]}, MERGE),
    ("ProposalReviewed", REVIEWED, REVIEW),
    ("HoldingStatusChanged", _moved("RU-7", "eligible", "selected"), HOLDING),
    ("HoldingStatusChanged", _moved("RU-8", "eligible", "selected"), HOLDING),
    ("PartyRegistered", {"party": "XX"}, {}),
]
MINE = [3, 6, 7]


def _salt(kind: str, party: str, record_id: str) -> bytes:
    if (kind, party, record_id) == PERSON:
        return SALT
    return hashlib.sha256(f"{kind}/{party}/{record_id}".encode()).digest()


def _entries(
    events: Iterable[tuple[str, dict[str, Any], Mapping[str, tuple[str, str]]]],
) -> list[bytes]:
    return [
        entry(seq, kind, START + timedelta(minutes=seq), "mediator", payload, persons, _salt)
        for seq, (kind, payload, persons) in enumerate(events, start=1)
    ]


ENTRIES = _entries(EVENTS)


def _tree(entries: list[bytes]) -> MerkleLog:
    log = MerkleLog(InMemoryNodeStore())
    for line in entries:
        log.append(line)
    return log


def _note(
    entries: list[bytes], size: int, key: SigningKey = MEDIATOR, *cosigners: SigningKey
) -> Note:
    note = Checkpoint(ORIGIN, size, _tree(entries).root(size)).sign(key)
    for witness in cosigners:
        signed = witness.sign(note.text.encode())
        note = note.with_signature(Signature(witness.name, witness.key_id, signed))
    return note


def _receipt(
    entries: list[bytes] = ENTRIES, seqs: Iterable[int] = MINE, note: Note | None = None
) -> Receipt:
    note = note or _note(entries, len(entries))
    size = Checkpoint.parse(note.text).size
    log = _tree(entries)
    items = tuple(
        ReceiptEntry(seq, entries[seq - 1], tuple(log.inclusion_proof(seq - 1, size)))
        for seq in seqs
    )
    return Receipt(*PERSON, SALT, COMMITMENT, items, note.format())


RECEIPT = _receipt()


def _export(
    entries: list[bytes], checkpoints: Mapping[int, Note], key: SigningKey = MEDIATOR
) -> list[bytes]:
    """The lines of an export: each note right after the entries it covers."""
    items: list[bytes | Note] = []
    for seq, line in enumerate(entries, start=1):
        items.append(line)
        if seq in checkpoints:
            items.append(checkpoints[seq])
    out = io.BytesIO()
    write_log(out, ORIGIN, key.verifier, items)
    return list(io.BytesIO(out.getvalue()))


def _refusal(receipt: Receipt, **kw: Any) -> str:
    with pytest.raises(VerificationFailed) as failure:
        verify_receipt(receipt, MEDIATOR.verifier, **kw)
    return str(failure.value)


def _with_entry(receipt: Receipt, seq: int, **changes: Any) -> Receipt:
    entries = tuple(
        dataclasses.replace(e, **changes) if e.seq == seq else e for e in receipt.entries
    )
    return dataclasses.replace(receipt, entries=entries)


def test_a_good_receipt_verifies_with_the_mediators_key_alone() -> None:
    report = verify_receipt(RECEIPT, MEDIATOR.verifier)

    assert [a.seq for a in report.appearances] == MINE
    assert [a.type for a in report.appearances] == [
        "HoldingStatusChanged",
        "ProposalReviewed",
        "HoldingStatusChanged",
    ]
    assert report.latest.change == ("eligible", "selected")
    assert (report.checkpoint.size, report.checkpoint.origin) == (9, ORIGIN)
    assert report.log is None
    assert report.witnesses == ()
    assert report.explain() == [
        f"holding RU-7 of party RU appears in 3 entries of the public log {ORIGIN}:",
        "  entry 3, 2025-05-16 09:03:00 UTC: HoldingStatusChanged (detained → eligible)",
        "  entry 6, 2025-05-16 09:06:00 UTC: ProposalReviewed (proposed → confirmed)",
        "  entry 7, 2025-05-16 09:07:00 UTC: HoldingStatusChanged (eligible → selected)",
        "on a manifest signed by both parties and the mediator: no",
        "handed over: not yet",
        "received: not yet",
        "the latest about this person: entry 7, 2025-05-16 09:07:00 UTC: "
        "HoldingStatusChanged (eligible → selected)",
    ]


def test_a_receipt_verifies_against_an_export_that_holds_its_entries() -> None:
    longer = [*ENTRIES, ENTRIES[0].replace(b'"seq":1', b'"seq":10')]
    lines = _export(longer, {9: _note(ENTRIES, 9, MEDIATOR, UA), 10: _note(longer, 10)})

    report = verify_receipt(RECEIPT, MEDIATOR.verifier, witnesses=[UA.verifier], log_lines=lines)

    assert report.log is not None
    assert report.log.entries == 10
    assert report.witnesses == ("UA",)  # from the export's co-signed copy


def test_a_later_export_without_the_receipts_checkpoint_still_proves_its_root() -> None:
    longer = [*ENTRIES, ENTRIES[0].replace(b'"seq":1', b'"seq":10')]
    lines = _export(longer, {10: _note(longer, 10)})

    report = verify_receipt(RECEIPT, MEDIATOR.verifier, log_lines=lines)

    assert report.log is not None
    assert [seen.checkpoint.size for seen in report.log.checkpoints] == [10]


def test_the_parties_cosignatures_on_the_receipts_checkpoint_are_reported() -> None:
    receipt = _receipt(note=_note(ENTRIES, 9, MEDIATOR, UA, RU))
    keys = [UA.verifier, RU.verifier]

    assert verify_receipt(receipt, MEDIATOR.verifier, witnesses=keys).witnesses == ("UA", "RU")
    forged = _note(ENTRIES, 9).with_signature(Signature("UA", UA.key_id, bytes(64)))
    wrong = dataclasses.replace(receipt, checkpoint=forged.format())
    assert "receipt checkpoint: witness signature by key UA does not verify" in _refusal(
        wrong, witnesses=keys
    )


def test_a_wrong_salt_or_a_changed_record_is_refused() -> None:
    expected = (
        "receipt: the salt and the person record do not give the receipt's commitment "
        "(wrong salt, or a changed record)"
    )
    assert _refusal(dataclasses.replace(RECEIPT, salt=bytes(32))) == expected
    assert _refusal(dataclasses.replace(RECEIPT, record_id="RU-8")) == expected
    assert _refusal(dataclasses.replace(RECEIPT, kind="request")) == expected


def test_a_changed_entry_is_refused_by_its_proof() -> None:
    changed = ENTRIES[6].replace(b'"to_status":"selected"', b'"to_status":"handed_over"')
    assert changed != ENTRIES[6]

    message = _refusal(_with_entry(RECEIPT, 7, entry=changed))

    assert message.startswith("receipt entry 7: is not in the log its checkpoint signs: inclusion:")


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    receipt = _receipt(note=_note(ENTRIES, 9, IMPOSTOR))

    message = _refusal(receipt)

    assert message == (
        "receipt checkpoint: note carries no signature of a known key (known: MEDIATOR)"
    )


def test_a_checkpoint_whose_signature_was_changed_is_refused() -> None:
    note = _note(ENTRIES, 9)
    bad = Note(note.text, (Signature("MEDIATOR", MEDIATOR.key_id, bytes(64)),))

    message = _refusal(_receipt(note=bad))

    assert message == "receipt checkpoint: signature by key MEDIATOR does not verify"


def test_an_entry_that_does_not_name_the_person_is_refused() -> None:
    # Entry 4, about RU-8, with its own valid proof: in the log, but not this person's.
    receipt = _receipt(seqs=[3, 4, 7])

    assert _refusal(receipt) == (
        "receipt entry 4: does not name the receipt's commitment in its data"
    )


def test_an_entry_beyond_the_checkpoint_is_refused() -> None:
    early = _receipt(seqs=[3, 6], note=_note(ENTRIES, 6))
    proof = tuple(_tree(ENTRIES).inclusion_proof(6, 9))
    later = ReceiptEntry(7, ENTRIES[6], proof)
    receipt = dataclasses.replace(early, entries=(*early.entries, later))

    assert _refusal(receipt) == "receipt entry 7: beyond the 6 entries its checkpoint signs"


def test_an_export_whose_line_differs_from_the_receipts_entry_is_refused() -> None:
    # The mediator signed another history in which entry 7 says something else.
    fork = list(ENTRIES)
    fork[6] = ENTRIES[6].replace(b'"to_status":"selected"', b'"to_status":"released"')
    lines = _export(fork, {9: _note(fork, 9)})

    message = _refusal(RECEIPT, log_lines=lines)

    assert message == "log export: entry 7: differs from the receipt's entry 7 (line 8)"


def test_an_export_that_differs_elsewhere_before_the_checkpoint_is_refused() -> None:
    fork = list(ENTRIES)
    fork[4] = ENTRIES[4].replace(b'"run_id":1', b'"run_id":2')
    lines = _export(fork, {9: _note(fork, 9)})

    message = _refusal(RECEIPT, log_lines=lines)

    assert message.startswith("log export: its first 9 entries hash to ")
    assert message.endswith("the log key signed two different histories")


def test_a_tampered_export_is_refused() -> None:
    lines = _export(ENTRIES, {9: _note(ENTRIES, 9)})
    lines[5] = lines[5].replace(b'"run_id":1', b'"run_id":3')

    message = _refusal(RECEIPT, log_lines=lines)

    assert message.startswith("log export: line 11: checkpoint of size 9 signs root ")


def test_an_export_signed_by_another_key_is_refused() -> None:
    lines = _export(ENTRIES, {9: _note(ENTRIES, 9, IMPOSTOR)}, key=IMPOSTOR)

    message = _refusal(RECEIPT, log_lines=lines)

    assert message == (
        f"log export: signed by {IMPOSTOR.verifier.to_text()}, not by the log key given "
        f"({MEDIATOR.verifier.to_text()})"
    )


def test_an_export_older_than_the_receipt_is_refused() -> None:
    lines = _export(ENTRIES[:6], {6: _note(ENTRIES, 6)})

    message = _refusal(RECEIPT, log_lines=lines)

    assert message == (
        "log export: holds 6 entries, fewer than the 9 the receipt's checkpoint signs "
        "(an export older than the receipt?)"
    )


def test_the_json_and_text_forms_round_trip() -> None:
    data = RECEIPT.to_json()
    text = RECEIPT.to_text()

    assert Receipt.from_json(data) == RECEIPT
    assert Receipt.from_json(data + b"\n") == RECEIPT
    assert Receipt.from_text(text) == RECEIPT
    assert read_receipt(data) == read_receipt(text + "\n") == RECEIPT
    assert text.startswith(TEXT_PREFIX)
    assert "\n" not in text
    assert zlib.decompress(base64.urlsafe_b64decode(text[len(TEXT_PREFIX) :] + "==")) == data
    assert json.loads(data)["entries"][1]["entry"] == ENTRIES[5].decode()


def test_a_receipt_names_no_one_but_holds_the_salt() -> None:
    value = json.loads(RECEIPT.to_json())

    assert value["person"] == {"kind": "holding", "party": "RU", "record_id": "RU-7"}
    assert value["salt"] == SALT.hex()
    assert all(COMMITMENT in e["entry"] for e in value["entries"])
    assert all(names_commitment(json.loads(e["entry"]), COMMITMENT) for e in value["entries"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: json.dumps(json.loads(d), indent=1).encode(), "not canonical JSON"),
        (lambda d: d.replace(SALT.hex().encode(), SALT.hex().upper().encode()), "salt must be"),
        (lambda d: d.replace(b'"version":1', b'"version":2'), "format and version must be"),
        (lambda d: d.replace(b'"seq":6', b'"seq":3'), "increasing sequence"),
        (lambda d: d.replace(b'"format"', b'"formats"'), "exactly the keys"),
        (lambda d: d[:-1], "not JSON parley can read"),
    ],
)
def test_a_malformed_receipt_says_what_is_wrong(change: Any, expected: str) -> None:
    data = change(RECEIPT.to_json())

    with pytest.raises(VerificationFailed, match=r"^receipt is malformed: ") as failure:
        Receipt.from_json(data)

    assert expected in str(failure.value)


def _with_unused_bits_set(data: bytes) -> list[bytes]:
    """The zlib streams of ``data`` with one unused bit of the deflate stream's end set."""
    packed = zlib.compress(data, 9)
    last = len(packed) - 5
    variants = []
    for bit in range(7, 0, -1):
        changed = packed[:last] + bytes([packed[last] | 1 << bit]) + packed[last + 1 :]
        try:
            if changed != packed and zlib.decompress(changed) == data:
                variants.append(changed)
        except zlib.error:
            pass  # a bit the stream uses
    return variants


def test_set_unused_bits_at_the_end_of_the_zlib_stream_are_refused() -> None:
    receipts = [_receipt(seqs=seqs) for seqs in ([3], [6], [7], [3, 6], [6, 7], [3, 7], MINE)]
    variants = [v for r in receipts for v in _with_unused_bits_set(r.to_json())]
    assert variants, "each of these receipts' zlib streams uses all 8 bits of its last byte"

    for changed in variants:
        text = TEXT_PREFIX + base64.urlsafe_b64encode(changed).rstrip(b"=").decode()
        with pytest.raises(VerificationFailed, match="unused last bits are not zero"):
            Receipt.from_text(text)


def _fails(text: str) -> bool:
    try:
        verify_receipt(read_receipt(text), MEDIATOR.verifier)
    except VerificationFailed:
        return True
    return False


# The second one's zlib stream leaves 7 bits of its last byte unused.
TEXTS = [RECEIPT.to_text().encode("ascii"), _receipt(seqs=[6]).to_text().encode("ascii")]


@settings(max_examples=300)
@given(st.sampled_from(TEXTS), st.data())
def test_changing_any_byte_of_the_text_form_is_refused(text: bytes, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(text) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != text[at]))
    changed = text[:at] + bytes([new]) + text[at + 1 :]

    assert _fails(changed.decode("latin-1"))


@given(st.data())
def test_flipping_any_bit_of_any_proof_is_refused(data: st.DataObject) -> None:
    item = data.draw(st.sampled_from(RECEIPT.entries))
    i = data.draw(st.integers(0, len(item.proof) - 1))
    bit = data.draw(st.integers(0, 8 * len(item.proof[i]) - 1))
    flipped = bytearray(item.proof[i])
    flipped[bit // 8] ^= 1 << bit % 8
    proof = (*item.proof[:i], bytes(flipped), *item.proof[i + 1 :])

    message = _refusal(_with_entry(RECEIPT, item.seq, proof=proof))

    assert message.startswith(f"receipt entry {item.seq}: is not in the log its checkpoint signs")


def test_the_report_is_what_a_family_reads() -> None:
    report = verify_receipt(RECEIPT, MEDIATOR.verifier)

    assert isinstance(report, ReceiptReport)
    assert all("RU-8" not in line for line in report.explain())
