"""The log's Merkle tree, exactly as RFC 9162 section 2.1 defines it.

An observer audits this module: it uses nothing but ``hashlib``, follows the RFC's
definitions and verification steps in order, and cites them.

Storage. Every complete subtree is stored once, as the node ``(level, index)`` that
covers leaves ``index * 2**level`` to ``(index + 1) * 2**level - 1``; level 0 holds the
leaf hashes. Appending a leaf stores it and the complete subtrees it completes (at most
log2 n of them). Any range the RFC's definitions split a tree of size n into is a
run of complete subtrees with aligned starts, so the root of any past size and every
proof take O(log n) store reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from parley.errors import InvalidValue, VerificationFailed

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "InMemoryNodeStore",
    "MerkleLog",
    "NodeStore",
    "leaf_hash",
    "node_hash",
    "root_from_leaves",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256(), the root of the empty tree (RFC 9162 2.1.1)."""


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0)) (RFC 9162 2.1.1)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right), an interior node (RFC 9162 2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k, the largest power of two smaller than n (n > 1) (RFC 9162 2.1.1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) from all n leaf hashes, straight from the definition; for tests."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(root_from_leaves(hashes[:k]), root_from_leaves(hashes[k:]))


class NodeStore(Protocol):
    """Where a MerkleLog keeps its complete subtrees, addressed by (level, index)."""

    def get(self, level: int, index: int) -> bytes:
        """The stored hash; raise ``KeyError`` if there is none."""
        ...

    def put(self, level: int, index: int, hash_: bytes) -> None:
        """Store a hash; a node, once stored, never changes."""
        ...


class InMemoryNodeStore:
    """A NodeStore in a dict, for tests and for recomputing an exported log."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}

    def get(self, level: int, index: int) -> bytes:
        return self._nodes[level, index]

    def put(self, level: int, index: int, hash_: bytes) -> None:
        self._nodes[level, index] = hash_


class MerkleLog:
    """An append-only RFC 9162 log over a NodeStore.

    Args:
        store: holds the complete subtrees of the first ``size`` leaves.
        size: how many leaves the store already holds.
    """

    def __init__(self, store: NodeStore, size: int = 0) -> None:
        if size < 0:
            raise InvalidValue("size", f"a log cannot hold {size} leaves")
        self.store = store
        self.size = size

    def append(self, entry: bytes) -> int:
        """Append an entry (hashed here as a leaf); return its leaf index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, hash_: bytes) -> int:
        """Append a leaf by its leaf hash; return its leaf index.

        Stores the leaf and every complete subtree it completes: while the node is a
        right child, it and its left sibling make their parent.
        """
        if len(hash_) != HASH_SIZE:
            raise InvalidValue("leaf_hash", f"is {len(hash_)} bytes, expected {HASH_SIZE}")
        index = self.size
        level, i = 0, index
        self.store.put(level, i, hash_)
        while i & 1:
            hash_ = node_hash(self.store.get(level, i - 1), hash_)
            level, i = level + 1, i >> 1
            self.store.put(level, i, hash_)
        self.size = index + 1
        return index

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[size]), the root of the log when it held ``size`` leaves (default: now)."""
        size = self.size if size is None else size
        self._check_size("size", size)
        return self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]), the audit path of a leaf (RFC 9162 2.1.3.1)."""
        size = self.size if size is None else size
        self._check_size("size", size)
        if not 0 <= index < size:
            raise InvalidValue("index", f"{index} is not a leaf of a tree of size {size}")
        return self._path(index, 0, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """PROOF(size1, D[size2]) (RFC 9162 2.1.4.1); empty when the sizes are equal."""
        size2 = self.size if size2 is None else size2
        self._check_size("size2", size2)
        if not 0 < size1 <= size2:
            raise InvalidValue("size1", f"{size1} must be at least 1 and at most size2 ({size2})")
        return self._subproof(size1, 0, size2, True)

    def _check_size(self, field: str, size: int) -> None:
        if not 0 <= size <= self.size:
            raise InvalidValue(field, f"{size} is not a size this log has had (0 to {self.size})")

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range whose start is aligned to its size rounded up.

        Such a range is complete subtrees of decreasing size, one per bit of its size;
        by the definition the root folds them from the right.
        """
        if start == end:
            return EMPTY_ROOT
        hashes: list[bytes] = []
        for level in reversed(range((end - start).bit_length())):
            if (end - start) >> level & 1:
                hashes.append(self.store.get(level, start >> level))
                start += 1 << level
        result = hashes.pop()
        while hashes:
            result = node_hash(hashes.pop(), result)
        return result

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        # PATH(m, D[n]): {} for n = 1; else with k the split,
        # m < k: PATH(m, D[0:k]) : MTH(D[k:n]);  m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k]).
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, start, start + k), self._subtree(start + k, end)]
        return [*self._path(m - k, start + k, end), self._subtree(start, start + k)]

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        # SUBPROOF(m, D[n], b): for m = n, {} if b else {MTH(D[n])}; else with k the split,
        # m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]);
        # m > k:  SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
        n = end - start
        if m == n:
            return [] if whole else [self._subtree(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self._subtree(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self._subtree(start, start + k)]


def _check_length(what: str, hash_: bytes) -> None:
    if len(hash_) != HASH_SIZE:
        raise VerificationFailed(f"{what} is {len(hash_)} bytes, expected {HASH_SIZE}")


def _hashes(n: int) -> str:
    return f"{n} hash" if n == 1 else f"{n} hashes"


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf hash) is leaf ``index`` of the tree ``(size, root)``.

    RFC 9162 2.1.3.2, step by step.

    Raises:
        VerificationFailed: naming the step that failed.
    """
    # Step 1.
    if not 0 <= index < size:
        raise VerificationFailed(f"inclusion: leaf index {index} is not below tree size {size}")
    _check_length("inclusion: leaf hash", leaf)
    _check_length("inclusion: root", root)
    for i, p in enumerate(proof):
        _check_length(f"inclusion: proof[{i}]", p)
    # Steps 2 and 3.
    fn, sn, r = index, size - 1, leaf
    # Step 4.
    for i, p in enumerate(proof):
        if sn == 0:  # 4a
            raise VerificationFailed(
                f"inclusion: proof has {_hashes(len(proof))}, more than the {i} a leaf at "
                f"index {index} of a tree of size {size} needs"
            )
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            while fn and not fn & 1:  # 4b.ii: until LSB(fn) is set or fn is 0
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1  # 4c
    # Step 5.
    if sn != 0:
        raise VerificationFailed(
            f"inclusion: proof has {_hashes(len(proof))}, too few for a leaf at index "
            f"{index} of a tree of size {size}"
        )
    if r != root:
        raise VerificationFailed(
            f"inclusion: the proof for leaf {index} leads to root {r.hex()}, "
            f"not to the given root {root.hex()} of size {size}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree ``(size2, root2)`` extends the tree ``(size1, root1)``.

    RFC 9162 2.1.4.2, step by step, after the cases it leaves out: size1 > size2 is
    refused; equal sizes need an empty proof and byte-equal roots; and size1 = 0 is
    refused because every tree extends the empty one, so such a proof proves nothing.
    These are the rules of the transparency-dev/merkle verifier and its test vectors.

    Raises:
        VerificationFailed: naming the step that failed.
    """
    if size1 < 0:
        raise VerificationFailed(f"consistency: size1 {size1} is negative")
    if size1 > size2:
        raise VerificationFailed(f"consistency: size1 {size1} is larger than size2 {size2}")
    if size1 == 0:
        raise VerificationFailed(
            "consistency: size1 is 0; a proof from the empty tree proves nothing"
        )
    if size1 == size2:
        if proof:
            raise VerificationFailed(
                f"consistency: sizes are equal ({size1}) but the proof has {_hashes(len(proof))}"
            )
        if root1 != root2:
            raise VerificationFailed(f"consistency: sizes are equal ({size1}) but the roots differ")
        return
    _check_length("consistency: root1", root1)
    _check_length("consistency: root2", root2)
    for i, c in enumerate(proof):
        _check_length(f"consistency: proof[{i}]", c)
    # Step 1.
    if not proof:
        raise VerificationFailed(f"consistency: empty proof from size {size1} to {size2}")
    # Step 2.
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # Steps 3 and 4.
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:  # 6a
            raise VerificationFailed(
                f"consistency: proof has {_hashes(len(proof))}, more than sizes "
                f"{size1} to {size2} need"
            )
        if fn & 1 or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:  # 6b.iii: until LSB(fn) is set or fn is 0
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1  # 6c
    # Step 7.
    if sn != 0:
        raise VerificationFailed(
            f"consistency: proof has {_hashes(len(proof))}, too few for sizes {size1} to {size2}"
        )
    if fr != root1:
        raise VerificationFailed(
            f"consistency: the proof leads to root1 {fr.hex()}, not the given {root1.hex()} "
            f"of size {size1}"
        )
    if sr != root2:
        raise VerificationFailed(
            f"consistency: the proof leads to root2 {sr.hex()}, not the given {root2.hex()} "
            f"of size {size2}"
        )
