"""The log is an RFC 9162 Merkle tree: its roots and proofs match the published vectors."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.merkle import (
    EMPTY_ROOT,
    InMemoryNodeStore,
    MerkleLog,
    leaf_hash,
    node_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)

# ../shared/vectors relative to the project root: see its README.md.
VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "rfc9162"

# The Certificate Transparency test leaves and the roots of their first 0..8 leaves
# (RFC 6962 test data, as in transparency-dev/merkle's proof tests).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]


def _log_of(entries: list[bytes]) -> MerkleLog:
    log = MerkleLog(InMemoryNodeStore())
    for entry in entries:
        log.append(entry)
    return log


def _cases(kind: str) -> list[Any]:
    if not VECTORS.is_dir():
        reason = f"RFC 9162 vectors not found at {VECTORS} (they sit beside the project)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="absent")]
    paths = sorted((VECTORS / kind).rglob("*.json"))
    return [pytest.param(p, id=str(p.relative_to(VECTORS / kind))) for p in paths]


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    for key in ("root", "root1", "root2", "leafHash"):
        if key in case:
            case[key] = base64.b64decode(case[key])
    case["proof"] = [base64.b64decode(h) for h in case["proof"] or []]
    return case


def _ct_happy_paths() -> list[Any]:
    """The untampered proofs over the CT leaves (the numbered folders; the rest are made up)."""
    cases = _cases("inclusion") + _cases("consistency")
    return [
        c
        for c in cases
        if c.values[0] is None
        or (c.values[0].parent.name.isdigit() and "happy" in c.values[0].name)
    ]


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vectors_verify_and_their_tampered_variants_are_rejected(path: Path) -> None:
    case = _load(path)
    args = (case["leafHash"], case["leafIdx"], case["treeSize"], case["proof"], case["root"])
    if case["wantErr"]:
        with pytest.raises(VerificationFailed):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vectors_verify_and_their_tampered_variants_are_rejected(path: Path) -> None:
    case = _load(path)
    args = (case["size1"], case["size2"], case["proof"], case["root1"], case["root2"])
    if case["wantErr"]:
        with pytest.raises(VerificationFailed):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


@pytest.mark.parametrize("path", _ct_happy_paths())
def test_our_log_of_the_ct_leaves_gives_the_vectors_roots_and_proofs(path: Path) -> None:
    case = _load(path)
    log = _log_of(CT_LEAVES)
    if "leafIdx" in case:
        assert case["root"] == CT_ROOTS[case["treeSize"]] == log.root(case["treeSize"])
        assert case["leafHash"] == leaf_hash(CT_LEAVES[case["leafIdx"]])
        assert log.inclusion_proof(case["leafIdx"], case["treeSize"]) == case["proof"]
    else:
        assert case["root1"] == CT_ROOTS[case["size1"]] == log.root(case["size1"])
        assert case["root2"] == CT_ROOTS[case["size2"]] == log.root(case["size2"])
        assert log.consistency_proof(case["size1"], case["size2"]) == case["proof"]


def test_the_vectors_are_all_there_when_the_folder_is() -> None:
    if not VECTORS.is_dir():
        pytest.skip(f"the RFC 9162 vectors are not at {VECTORS}")
    cases = [_load(p) for p in VECTORS.rglob("*.json")]
    assert len(cases) >= 190
    assert sum(not c["wantErr"] for c in cases) >= 10


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_ct_leaves_match_rfc_6962_for_every_size(size: int) -> None:
    hashes = [leaf_hash(e) for e in CT_LEAVES[:size]]
    assert root_from_leaves(hashes) == CT_ROOTS[size]
    assert _log_of(CT_LEAVES).root(size) == CT_ROOTS[size]
    assert _log_of(CT_LEAVES[:size]).root() == CT_ROOTS[size]


def test_the_hashes_are_domain_separated_as_rfc_9162_says() -> None:
    assert CT_ROOTS[0] == EMPTY_ROOT
    assert leaf_hash(b"") == CT_ROOTS[1]
    assert node_hash(leaf_hash(b""), leaf_hash(b"\x00")) == CT_ROOTS[2]


# One log of a few hundred leaves serves every size below it: past roots and proofs.
N = 300
ENTRIES = [f"entry {i}".encode() for i in range(N)]
HASHES = [leaf_hash(e) for e in ENTRIES]
LOG = _log_of(ENTRIES)


def test_past_roots_recomputed_from_the_stored_log_equal_the_roots_of_each_prefix() -> None:
    assert [LOG.root(size) for size in range(N + 1)] == [
        root_from_leaves(HASHES[:size]) for size in range(N + 1)
    ]


def test_a_log_reopened_on_its_store_continues_where_it_stopped() -> None:
    store = InMemoryNodeStore()
    first = MerkleLog(store)
    for entry in ENTRIES[:37]:
        first.append(entry)
    reopened = MerkleLog(store, size=37)
    assert [reopened.append(e) for e in ENTRIES[37:50]] == list(range(37, 50))
    assert reopened.root() == root_from_leaves(HASHES[:50])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, N))
def test_every_inclusion_proof_of_a_tree_verifies(size: int) -> None:
    root = LOG.root(size)
    for index in range(size):
        verify_inclusion(HASHES[index], index, size, LOG.inclusion_proof(index, size), root)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, N))
def test_every_consistency_proof_to_a_tree_verifies(size2: int) -> None:
    root2 = LOG.root(size2)
    for size1 in range(1, size2 + 1):
        proof = LOG.consistency_proof(size1, size2)
        verify_consistency(size1, size2, proof, LOG.root(size1), root2)


def _flip(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@given(st.data())
def test_flipping_any_bit_of_leaf_proof_or_root_fails_inclusion(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, N), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    parts = [HASHES[index], *LOG.inclusion_proof(index, size), LOG.root(size)]
    which = data.draw(st.integers(0, len(parts) - 1), label="which")
    parts[which] = _flip(parts[which], data.draw(st.integers(0, 255), label="bit"))
    with pytest.raises(VerificationFailed):
        verify_inclusion(parts[0], index, size, parts[1:-1], parts[-1])


@given(st.data())
def test_flipping_any_bit_of_proof_or_roots_fails_consistency(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(1, N), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    parts = [LOG.root(size1), LOG.root(size2), *LOG.consistency_proof(size1, size2)]
    which = data.draw(st.integers(0, len(parts) - 1), label="which")
    parts[which] = _flip(parts[which], data.draw(st.integers(0, 255), label="bit"))
    with pytest.raises(VerificationFailed):
        verify_consistency(size1, size2, parts[2:], parts[0], parts[1])


def test_every_single_bit_flip_of_one_inclusion_and_one_consistency_proof_fails() -> None:
    inclusion = [HASHES[5], *LOG.inclusion_proof(5, 11), LOG.root(11)]
    consistency = [LOG.root(6), LOG.root(11), *LOG.consistency_proof(6, 11)]
    for which in range(len(inclusion)):
        for bit in range(256):
            parts = list(inclusion)
            parts[which] = _flip(parts[which], bit)
            with pytest.raises(VerificationFailed):
                verify_inclusion(parts[0], 5, 11, parts[1:-1], parts[-1])
    for which in range(len(consistency)):
        for bit in range(256):
            parts = list(consistency)
            parts[which] = _flip(parts[which], bit)
            with pytest.raises(VerificationFailed):
                verify_consistency(6, 11, parts[2:], parts[0], parts[1])


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: verify_inclusion(HASHES[3], 3, 3, [], LOG.root(3)), "index 3 is not below"),
        (
            lambda: verify_inclusion(
                HASHES[1], 1, 8, [*LOG.inclusion_proof(1, 8), HASHES[0]], LOG.root(8)
            ),
            "proof has 4 hashes, more than the 3",
        ),
        (
            lambda: verify_inclusion(HASHES[1], 1, 8, LOG.inclusion_proof(1, 8)[:2], LOG.root(8)),
            "proof has 2 hashes, too few",
        ),
        (
            lambda: verify_inclusion(HASHES[1], 1, 8, [b""] * 3, LOG.root(8)),
            r"proof\[0\] is 0 bytes",
        ),
        (lambda: verify_inclusion(b"leaf", 0, 1, [], LOG.root(1)), "leaf hash.* is 4 bytes"),
        (
            lambda: verify_inclusion(HASHES[0], 0, 2, [HASHES[1]], LOG.root(1)),
            "not to the given root",
        ),
        (lambda: verify_consistency(3, 2, [], LOG.root(3), LOG.root(2)), "size1 3 is larger"),
        (lambda: verify_consistency(0, 2, [], EMPTY_ROOT, LOG.root(2)), "size1 is 0"),
        (lambda: verify_consistency(2, 2, [HASHES[0]], LOG.root(2), LOG.root(2)), "proof has 1"),
        (lambda: verify_consistency(2, 2, [], LOG.root(2), LOG.root(3)), "roots differ"),
        (lambda: verify_consistency(2, 5, [], LOG.root(2), LOG.root(5)), "empty proof"),
        (
            lambda: verify_consistency(
                3, 8, [*LOG.consistency_proof(3, 8), HASHES[0]], LOG.root(3), LOG.root(8)
            ),
            "more than sizes 3 to 8 need",
        ),
        (
            lambda: verify_consistency(
                3, 8, LOG.consistency_proof(3, 8)[:-1], LOG.root(3), LOG.root(8)
            ),
            "too few for sizes 3 to 8",
        ),
        (
            lambda: verify_consistency(3, 8, LOG.consistency_proof(3, 8), LOG.root(4), LOG.root(8)),
            "leads to root1",
        ),
        (
            lambda: verify_consistency(3, 8, LOG.consistency_proof(3, 8), LOG.root(3), LOG.root(9)),
            "leads to root2",
        ),
    ],
)
def test_a_failed_verification_says_what_failed(call: Any, reason: str) -> None:
    with pytest.raises(VerificationFailed, match=reason):
        call()


def test_a_proof_or_root_for_a_size_the_log_never_had_is_refused() -> None:
    log = _log_of(CT_LEAVES)
    with pytest.raises(InvalidValue, match="size: 9 is not a size this log has had"):
        log.root(9)
    with pytest.raises(InvalidValue, match="index: 8 is not a leaf of a tree of size 8"):
        log.inclusion_proof(8)
    with pytest.raises(InvalidValue, match="size1: 0 must be at least 1"):
        log.consistency_proof(0, 8)
    with pytest.raises(InvalidValue, match="size1: 5 must be at least 1 and at most size2"):
        log.consistency_proof(5, 4)
    with pytest.raises(InvalidValue, match="leaf_hash: is 3 bytes"):
        log.append_leaf_hash(b"abc")


class CountingStore(InMemoryNodeStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, level: int, index: int) -> bytes:
        self.reads += 1
        return super().get(level, index)


def test_appends_roots_and_proofs_read_a_logarithmic_number_of_nodes() -> None:
    store = CountingStore()
    log = MerkleLog(store)
    size = 1000
    most_appends = 0
    for entry in ENTRIES + [b"x%d" % i for i in range(size - N)]:
        before = store.reads
        log.append(entry)
        most_appends = max(most_appends, store.reads - before)
    depth = (size - 1).bit_length()  # 10
    assert most_appends <= depth

    def reads(action: Any) -> int:
        before = store.reads
        action()
        return store.reads - before

    assert max(reads(lambda s=s: log.root(s)) for s in range(size + 1)) <= depth
    assert max(reads(lambda i=i: log.inclusion_proof(i, 999)) for i in range(999)) <= 2 * depth
    assert (
        max(reads(lambda s=s: log.consistency_proof(s, 999)) for s in range(1, 1000)) <= 2 * depth
    )
