"""A public log export verifies from its bytes alone, and any tampering is named."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.canonical import canonical
from parley.ledger.keys import SigningKey
from parley.ledger.merkle import InMemoryNodeStore, MerkleLog, leaf_hash, root_from_leaves
from parley.ledger.notes import Checkpoint, Note, Signature, parse_note
from parley.ledger.verify import MAX_LAG, LogReport, _Frontier, verify_log, write_log

ORIGIN = "parley.example/exchange-2025"
MEDIATOR = SigningKey.from_seed("MEDIATOR", bytes(range(32)))
UA = SigningKey.from_seed("UA", bytes(range(1, 33)))
RU = SigningKey.from_seed("RU", bytes(range(2, 34)))
IMPOSTOR = SigningKey.from_seed("MEDIATOR", bytes(range(3, 35)))


def _entry(seq: int, *, forged: bool = False, **fields: Any) -> dict[str, Any]:
    secret = f"{seq}{'forged' if forged else ''}".encode()
    entry = {
        "v": 1,
        "seq": seq,
        "type": "person.handed_over" if seq % 3 else "tranche.opened",
        "time": f"2025-05-16T10:{seq // 60 % 60:02d}:{seq % 60:02d}.000000Z",
        "actor": "mediator",
        "data": {"commitment": hashlib.sha256(secret).hexdigest(), "side": "UA", "count": 1},
    }
    return entry | fields


def _line(seq: int, **kwargs: Any) -> bytes:
    return canonical(_entry(seq, **kwargs)) + b"\n"


def _checkpoint(log: MerkleLog, size: int, *, key: SigningKey = MEDIATOR, **kw: Any) -> Note:
    root = kw["root"] if "root" in kw else log.root(min(size, log.size))
    note = Checkpoint(kw.get("origin", ORIGIN), size, root).sign(key)
    for witness in kw.get("cosigners", ()):
        signature = witness.sign(note.text.encode())
        note = note.with_signature(Signature(witness.name, witness.key_id, signature))
    return note


def _log(n: int, checkpoints: Iterable[int] | None = None, **kw: Any) -> list[bytes]:
    """The lines of a valid log of n entries, a checkpoint after each size given (default all)."""
    log = MerkleLog(InMemoryNodeStore())
    marks = set(range(1, n + 1) if checkpoints is None else checkpoints)
    items: list[bytes | Note] = []
    for seq in range(1, n + 1):
        line = _line(seq)[:-1]
        items.append(line)
        log.append(line)
        if seq in marks:
            items.append(_checkpoint(log, seq, **kw))
    out = io.BytesIO()
    write_log(out, ORIGIN, MEDIATOR.verifier, items)
    return list(io.BytesIO(out.getvalue()))


def _at(lines: list[bytes], seq: int) -> int | None:
    """The index of entry ``seq`` among the lines (canonical order puts seq after data)."""
    return next((i for i, line in enumerate(lines) if f',"seq":{seq},'.encode() in line), None)


def _index(lines: list[bytes], seq: int) -> int:
    index = _at(lines, seq)
    assert index is not None
    return index


def _refusal(lines: Iterable[bytes], **kw: Any) -> str:
    with pytest.raises(VerificationFailed) as failure:
        verify_log(lines, **kw)
    return str(failure.value)


def _first_bad(message: str) -> int | None:
    """The entry a refusal names: 'entry N: ...', or a checkpoint's 'entry N was changed'."""
    named = re.match(r"entry (\d+):", message) or re.search(
        r"\bentry (\d+) (?:was changed|is missing)", message
    )
    return int(named.group(1)) if named else None


# Tampering with one entry: each is named by the first bad sequence number, which each
# tampering returns (k, except for an entry moved back to before entry j: then j).


def _modify(lines: list[bytes], k: int, _: int) -> int:
    lines[_index(lines, k)] = _line(k, forged=True)
    return k


def _delete(lines: list[bytes], k: int, _: int) -> int:
    del lines[_index(lines, k)]
    return k


def _move(lines: list[bytes], k: int, j: int) -> int:
    """Move entry k to just before entry j, or to the very end when there is no entry j."""
    index = _index(lines, k)
    line = lines.pop(index)
    target = index if j == k else _at(lines, j)
    lines.insert(len(lines) if target is None else target, line)
    return min(j, k)


def _insert_forged(lines: list[bytes], k: int, _: int) -> int:
    """A new entry claiming sequence number k, just before the real entry k."""
    lines.insert(_index(lines, k), _line(k, forged=True))
    return k


def _insert_copy(lines: list[bytes], k: int, j: int) -> int:
    """A copy of entry j before entry k (a copy of k itself would sit after k as well)."""
    source = j if j != k and _at(lines, j) is not None else k % 2 + 1
    lines.insert(_index(lines, k), lines[_index(lines, source)])
    return k


TAMPERS = [_modify, _delete, _move, _insert_forged, _insert_copy]


def _tamper_and_check(n: int, marks: Iterable[int] | None, tamper: Any, k: int, j: int) -> None:
    lines = _log(n, marks)
    first_bad = tamper(lines, k, j)
    if lines == _log(n, marks):
        return  # moving an entry to where it already was changes nothing
    message = _refusal(lines)
    if marks is None or tamper is not _modify:
        assert _first_bad(message) == first_bad, message
    else:  # the checkpoint after a changed entry can only name the entries it covers
        found = re.search(r"entry (\d+) was changed|one of entries (\d+)\.\.(\d+) was", message)
        assert found, message
        first, last = (found[1], found[1]) if found[1] else (found[2], found[3])
        assert int(first) <= k <= int(last), message


def test_a_valid_log_verifies_and_reports_what_it_holds() -> None:
    lines = _log(10, [4, 9], cosigners=[UA])
    report = verify_log(lines, witnesses=[UA.verifier, RU.verifier])
    entries = [line[:-1] for line in lines if b'"seq"' in line]
    assert report.entries == 10
    assert report.root == root_from_leaves([leaf_hash(e) for e in entries])
    assert [c.checkpoint.size for c in report.checkpoints] == [4, 9]
    assert [c.witnesses for c in report.checkpoints] == [("UA",), ("UA",)]
    assert report.latest is not None
    assert report.latest.size == report.signed_size == 9
    assert report.unsigned == 1
    assert report.types == {"person.handed_over": 7, "tranche.opened": 3}
    assert report.origin == ORIGIN
    assert report.log_key == MEDIATOR.verifier


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.__name__.strip("_"))
def test_tampering_with_any_one_entry_of_a_small_log_names_it(tamper: Any) -> None:
    n = 8
    for k in range(1, n + 1):
        for j in range(1, n + 2):
            _tamper_and_check(n, None, tamper, k, j)


@settings(max_examples=120, deadline=None)
@given(data=st.data(), n=st.integers(2, 120), tamper=st.sampled_from(TAMPERS))
def test_tampering_with_one_entry_anywhere_is_named(
    data: st.DataObject, n: int, tamper: Any
) -> None:
    k = data.draw(st.integers(1, n), label="k")
    j = data.draw(st.integers(1, n + 1), label="j")
    every = data.draw(st.booleans(), label="checkpoint after every entry")
    marks = None if every else {*data.draw(st.sets(st.integers(1, n), max_size=6)), n}
    _tamper_and_check(n, marks, tamper, k, j)


def test_an_entry_after_the_last_checkpoint_verifies_but_is_reported_unsigned() -> None:
    lines = _log(5, [5])
    lines.append(_line(6, forged=True))
    report = verify_log(lines)
    assert (report.entries, report.signed_size, report.unsigned) == (6, 5, 1)


# Checkpoints.


def _with_checkpoint(n: int, **kw: Any) -> list[bytes]:
    """A log of n entries, checkpoints after 2 and n - 1, then one more made with ``kw``."""
    lines = _log(n, [2, n - 1])
    log = MerkleLog(InMemoryNodeStore())
    for line in lines[1:]:
        if b'"seq"' in line:
            log.append(line[:-1])
    if "size" in kw and "root" not in kw and kw["size"] > n:
        kw["root"] = bytes(32)
    note = _checkpoint(log, kw.pop("size", n), **kw)
    return [*lines, canonical({"checkpoint": note.format()}) + b"\n"]


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    message = _refusal(_with_checkpoint(6, key=IMPOSTOR))
    assert message.startswith("line 10: ")
    assert "no signature of a known key" in message


def test_a_checkpoint_of_another_origin_is_refused() -> None:
    message = _refusal(_with_checkpoint(6, origin="elsewhere.example/log"))
    assert message.startswith("line 10: ")
    assert "elsewhere.example/log" in message


def test_a_checkpoint_whose_root_does_not_match_the_entries_is_refused() -> None:
    message = _refusal(_with_checkpoint(6, root=bytes(32)))
    assert message.startswith("line 10: checkpoint of size 6 signs root AAAA")
    assert "entry 6 was changed" in message


def test_a_checkpoint_smaller_than_the_one_before_is_refused() -> None:
    message = _refusal(_with_checkpoint(6, size=3))
    assert message.startswith("line 10: checkpoint of size 3 is smaller than the checkpoint")
    assert "size 5 on line 8" in message


def test_two_checkpoints_of_one_size_with_different_roots_are_a_fork() -> None:
    message = _refusal(_with_checkpoint(6, size=5, root=bytes(32)))
    assert message.startswith("line 10: checkpoint of size 5")
    assert "a fork" in message


def test_a_checkpoint_larger_than_the_entries_before_it_names_the_missing_entry() -> None:
    message = _refusal(_with_checkpoint(6, size=7))
    assert message.startswith("line 10: checkpoint of size 7 follows 6 entries: entry 7 is missing")


def test_a_checkpoint_may_come_up_to_max_lag_entries_after_its_last_entry() -> None:
    n = MAX_LAG + 3
    lines = _log(n, [])
    log = MerkleLog(InMemoryNodeStore())
    for line in lines[1:]:
        log.append(line[:-1])
    for size in (n - MAX_LAG, n - 1, n, 1, 2):
        item = canonical({"checkpoint": _checkpoint(log, size).format()}) + b"\n"
        if size >= n - MAX_LAG:
            assert verify_log([*lines, item]).signed_size == size
        else:
            message = _refusal([*lines, item])
            assert message.startswith(f"line {n + 2}: checkpoint of size {size} comes")


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 300), window=st.integers(0, 40))
def test_the_verifier_recomputes_the_root_of_every_size_within_its_window(
    n: int, window: int
) -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(n)]
    tree = _Frontier(window)
    for leaf in leaves:
        tree.append(leaf)
    for size in range(max(0, n - window), n + 1):
        assert tree.root(size) == root_from_leaves(leaves[:size])


def test_witness_co_signatures_are_reported_per_checkpoint() -> None:
    lines = _log(4, [1, 3], cosigners=[UA, RU])
    report = verify_log(lines, witnesses=[RU.verifier])
    assert [c.witnesses for c in report.checkpoints] == [("RU",), ("RU",)]
    assert [c.witnesses for c in verify_log(lines).checkpoints] == [(), ()]


def test_a_bad_witness_co_signature_is_refused() -> None:
    lines = _log(3, [3])
    note = parse_note(json.loads(lines[-1])["checkpoint"])
    forged = Signature("UA", UA.key_id, RU.sign(note.text.encode()))
    lines[-1] = canonical({"checkpoint": note.with_signature(forged).format()}) + b"\n"
    assert verify_log(lines).signed_size == 3  # nobody asked about UA
    message = _refusal(lines, witnesses=[UA.verifier])
    assert message == "line 5: checkpoint of size 3: witness signature by key UA does not verify"


def test_a_checkpoint_line_that_is_not_a_checkpoint_object_is_refused() -> None:
    lines = _log(2, [2])
    lines[-1] = canonical({"checkpoint": "x", "extra": 1}) + b"\n"
    assert _refusal(lines).startswith('line 4: expected {"checkpoint": NOTE} alone')
    lines[-1] = b'{"checkpoint": "x"}\n'
    assert _refusal(lines).startswith("line 4: the checkpoint line is not canonical JSON")


# Entries that are not canonical, or not entries.


def _entry_refusal(raw: bytes, seq: int = 3) -> str:
    lines = _log(4, [4])
    lines[_index(lines, seq)] = raw + b"\n"
    return _refusal(lines)


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        (canonical(_entry(3)).replace(b",", b", ", 1), "not canonical JSON (RFC 8785): byte"),
        (json.dumps(_entry(3), separators=(",", ":")).encode(), "not canonical JSON (RFC 8785)"),
        (canonical(_entry(3)).replace(b'"count":1', b'"count":1.0'), "not canonical JSON"),
        (canonical(_entry(3)).replace(b'"count":1', b'"count":1e0'), "not canonical JSON"),
        (canonical(_entry(3)).replace(b'"count":1', b'"count":9007199254740993'), "2**53"),
        (canonical(_entry(3)).replace(b'"count":1', b'"count":' + b"9" * 5000), "2**53"),
        (canonical(_entry(3)).replace(b'"count":1', b'"count":NaN'), "NaN is not allowed"),
        (canonical(_entry(3)).replace(b'"UA"', b'"\\u0055A"'), "not canonical JSON"),
        (canonical(_entry(3)).replace(b'"UA"', b'"\\ud800"'), "lone surrogate"),
        (canonical(_entry(3)).replace(b'"UA"', b'"\xff"'), "is not UTF-8"),
        (canonical(_entry(3))[:-1], "is not JSON"),
        (b"[" * 100_000, "nested too deeply"),
    ],
    ids=[
        "extra space",
        "keys out of order",
        "1.0",
        "exponent",
        "big integer",
        "huge integer",
        "NaN",
        "needless escape",
        "lone surrogate",
        "not UTF-8",
        "cut short",
        "deep nesting",
    ],
)
def test_an_entry_that_is_not_canonical_json_is_refused(raw: bytes, complaint: str) -> None:
    message = _entry_refusal(raw)
    assert message.startswith("entry 3: line 4 "), message
    assert complaint in message, message


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ({k: v for k, v in _entry(3).items() if k != "actor"}, "exactly the keys"),
        (_entry(3, extra=1), "exactly the keys"),
        (_entry(3, v=2), "v is 2, expected 1"),
        (_entry(3, v=True), "v is True, expected 1"),
        (_entry(3) | {"seq": "3"}, "seq is '3'"),
        (_entry(3, type=""), "type must be a non-empty string"),
        (_entry(3, actor=7), "actor must be a non-empty string"),
        (_entry(3, time="2025-05-16T10:00:03Z"), "is not a UTC time"),
        (_entry(3, time="2025-02-30T10:00:03.000000Z"), "is not a UTC time"),
        (_entry(3, time="２０２５-05-16T10:00:03.000000Z"), "is not a UTC time"),
        (_entry(3, data=[1]), "data must be an object"),
        ([1, 2, 3], "exactly the keys"),
    ],
)
def test_an_entry_without_its_required_keys_and_types_is_refused(
    entry: Any, complaint: str
) -> None:
    message = _entry_refusal(canonical(entry))
    assert message.startswith("entry 3: "), message
    assert complaint in message, message
    assert message.endswith("(line 4)")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, ensure_ascii=st.booleans(), spaced=st.booleans())
def test_an_entry_verifies_exactly_when_it_is_its_own_canonical_form(
    value: Any, ensure_ascii: bool, spaced: bool
) -> None:
    entry = _entry(1, data={"value": value})
    separators = (", ", ": ") if spaced else (",", ":")
    written = json.dumps(entry, ensure_ascii=ensure_ascii, sort_keys=True, separators=separators)
    lines = [*_log(0), written.encode() + b"\n"]
    if written.encode() == canonical(entry):
        assert verify_log(lines).entries == 1
    else:
        assert _refusal(lines).startswith("entry 1: line 2 is not canonical JSON")


def test_keys_sort_by_utf_16_code_units_not_by_code_points() -> None:
    entry = _entry(1, data={"\ue000": 1, "\U0001f600": 2})
    jcs = canonical(entry)
    assert jcs.index("\U0001f600".encode()) < jcs.index("\ue000".encode())
    assert verify_log([*_log(0), jcs + b"\n"]).entries == 1
    python_order = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert python_order.encode() != jcs
    message = _refusal([*_log(0), python_order.encode() + b"\n"])
    assert message.startswith("entry 1: line 2 is not canonical JSON (RFC 8785)")


# The header and the lines.


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ({"format": "other-log"}, "is not a parley-log header"),
        ({"version": 2}, "version 2 is not 1"),
        ({"version": "1"}, "version '1' is not 1"),
        ({"origin": ""}, "origin must be a non-empty string"),
        ({"log_key": "MEDIATOR+00000000+AAAA"}, "log_key: "),
        ({"extra": True}, "is not a parley-log header"),
    ],
)
def test_a_bad_header_is_refused_on_line_1(header: dict[str, Any], complaint: str) -> None:
    lines = _log(1)
    lines[0] = canonical(json.loads(lines[0]) | header) + b"\n"
    message = _refusal(lines)
    assert message.startswith("line 1: "), message
    assert complaint in message, message


def test_an_empty_export_or_a_non_canonical_header_is_refused() -> None:
    assert _refusal([]) == "line 1: the log is empty; expected its header"
    lines = _log(1)
    lines[0] = lines[0].replace(b",", b", ")
    assert _refusal(lines).startswith("line 1: the header is not canonical JSON")


def test_a_line_without_its_newline_is_refused_as_cut_short() -> None:
    lines = _log(3)
    lines[-1] = lines[-1][:-1]
    assert _refusal(lines) == "line 7: does not end in a newline (cut short?)"


def test_on_entry_sees_every_entry_in_order_and_may_refuse_one() -> None:
    seen: list[int] = []
    verify_log(_log(5, [5]), on_entry=lambda e: seen.append(e["seq"]))
    assert seen == [1, 2, 3, 4, 5]

    def refuse_fourth(entry: dict[str, Any]) -> None:
        if entry["seq"] == 4:
            raise VerificationFailed("tranche T-1 is unbalanced")

    message = _refusal(_log(5, [5]), on_entry=refuse_fourth)
    assert message == "entry 4: tranche T-1 is unbalanced (line 5)"


# Writing.


def test_write_log_writes_the_header_entries_and_checkpoints_and_counts_entries() -> None:
    log = MerkleLog(InMemoryNodeStore())
    log.append(canonical(_entry(1)))
    out = io.BytesIO()
    written = write_log(out, ORIGIN, MEDIATOR.verifier, [_entry(1), _checkpoint(log, 1)])
    header, entry, checkpoint = out.getvalue().splitlines()
    assert written == 1
    assert json.loads(header) == {
        "format": "parley-log",
        "version": 1,
        "origin": ORIGIN,
        "log_key": MEDIATOR.verifier.to_text(),
    }
    assert header == canonical(json.loads(header))
    assert entry == canonical(_entry(1))
    assert json.loads(checkpoint) == {"checkpoint": _checkpoint(log, 1).format()}
    assert isinstance(verify_log(io.BytesIO(out.getvalue())), LogReport)


def test_write_log_refuses_an_entry_that_would_span_lines_or_an_empty_origin() -> None:
    with pytest.raises(InvalidValue, match="entry 2: holds a newline"):
        write_log(io.BytesIO(), ORIGIN, MEDIATOR.verifier, [b"{}", b"{\n}"])
    with pytest.raises(InvalidValue, match="origin"):
        write_log(io.BytesIO(), "", MEDIATOR.verifier, [])
