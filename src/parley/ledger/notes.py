"""Signed notes, checkpoints, and the witness that co-signs them.

Three C2SP formats, kept to the letter so that any tool of that ecosystem can check
parley's log:

- a **signed note** (https://c2sp.org/signed-note): UTF-8 text ending in a newline,
  a blank line, then one line per signature, ``— <key name> <base64(key id || sig)>``;
- a **checkpoint** (https://c2sp.org/tlog-checkpoint): a note whose text is the origin,
  the tree size in decimal and the base64 root hash, one per line, then optional
  extension lines;
- a **witness**: each party co-signs a checkpoint of the mediator only after a
  consistency proof from the last checkpoint it co-signed, so the operator can neither
  rewrite history nor show the two sides different logs. The co-signature is a plain
  Ed25519 note signature (type 0x01) by the party's key over the checkpoint text.

Parsing raises ``InvalidValue``; ``open_note`` and everything a verifier calls raise
``VerificationFailed``, a malformed note included, since it did not verify either.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger import merkle
from parley.ledger.keys import SigningKey, VerifierKey, check_key_name, decode_base64

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "Note",
    "Signature",
    "Witness",
    "WitnessState",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "sign_note",
    "verify_note",
]

MAX_SIGNATURES = 100
"""Most signature lines a note may carry; the spec asks verifiers to accept at least 16."""

_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")
_MAX_TREE_SIZE = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line of a note: who signed (name and key id) and the signature."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        """The signature line, newline included."""
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{_SIGNATURE_PREFIX}{self.name} {blob}\n"

    @classmethod
    def parse(cls, line: str) -> Signature:
        """Read one signature line, without its newline.

        Raises:
            InvalidValue: the line is not ``— <name> <base64>`` with a valid key name and
                at least one byte of signature after the 4-byte key id.
        """
        if not line.startswith(_SIGNATURE_PREFIX):
            raise InvalidValue("note signature", "a signature line must start with '— '")
        name, space, blob = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        if not space:
            raise InvalidValue("note signature", "expected '— <key name> <base64 signature>'")
        check_key_name(name)
        decoded = decode_base64(blob, f"note signature by {name}")
        if len(decoded) < 5:
            raise InvalidValue(f"note signature by {name}", "is shorter than key id and signature")
        return cls(name, decoded[:4], decoded[4:])


@dataclass(frozen=True, slots=True)
class Note:
    """A signed note: its text (final newline included) and its signatures."""

    text: str
    signatures: tuple[Signature, ...]

    def __post_init__(self) -> None:
        _check_text(self.text)

    def with_signature(self, signature: Signature) -> Note:
        """This note with one more signature (a witness's co-signature)."""
        return replace(self, signatures=(*self.signatures, signature))

    def format(self) -> str:
        """The note as the spec writes it: text, a blank line, the signature lines."""
        return self.text + "\n" + "".join(s.line for s in self.signatures)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise InvalidValue("note text", "must end with a newline")
    for number, line in enumerate(text.split("\n"), start=1):
        for char in line:
            if ord(char) < 0x20:
                raise InvalidValue(
                    "note text",
                    f"line {number} holds control character {char!r} "
                    "(only newlines are allowed, c2sp.org/signed-note)",
                )


def parse_note(data: str | bytes) -> Note:
    """Read a signed note. The text is separated from the signatures by its last blank line.

    Raises:
        InvalidValue: the note is not valid UTF-8, holds a control character other than a
            newline, has no blank line or no signature, more than ``MAX_SIGNATURES``
            signatures, or a malformed signature line.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidValue("note", f"is not valid UTF-8 (byte {e.start})") from e
    if not data.endswith("\n"):
        raise InvalidValue("note", "must end with a newline")
    split = data.rfind("\n\n")
    if split < 0:
        raise InvalidValue("note", "has no blank line before its signatures")
    lines = data[split + 2 : -1].split("\n")
    if lines == [""]:
        raise InvalidValue("note", "has no signature")
    if len(lines) > MAX_SIGNATURES:
        raise InvalidValue("note", f"has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    for line in lines:
        if any(ord(char) < 0x20 for char in line):
            raise InvalidValue("note signature", "holds a control character")
    return Note(data[: split + 1], tuple(Signature.parse(line) for line in lines))


def sign_note(text: str, *keys: SigningKey) -> Note:
    """A note of ``text`` signed by each of ``keys``, in that order.

    Raises:
        InvalidValue: the text does not end in a newline or holds a control character.
    """
    _check_text(text)
    message = text.encode()
    return Note(text, tuple(Signature(k.name, k.key_id, k.sign(message)) for k in keys))


def verify_note(note: Note, verifiers: Iterable[VerifierKey]) -> tuple[VerifierKey, ...]:
    """Check a note's signatures against the verifiers one trusts.

    Signatures whose (name, key id) match no verifier are skipped, as the spec requires
    (they may be other witnesses'). Every signature of a known key must verify, and at
    least one must be there.

    Returns:
        The verifiers whose signatures verified, in the order the note lists them.

    Raises:
        InvalidValue: two verifiers share both name and key id.
        VerificationFailed: a known key's signature fails, or no known key signed.
    """
    known: dict[tuple[str, bytes], VerifierKey] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        if slot in known and known[slot] != verifier:
            raise InvalidValue("verifiers", f"two keys named {verifier.name} share one key id")
        known[slot] = verifier
    message = note.text.encode()
    signed: list[VerifierKey] = []
    for signature in note.signatures:
        signer = known.get((signature.name, signature.key_id))
        if signer is None:
            continue
        signer.verify(signature.signature, message)
        if signer not in signed:
            signed.append(signer)
    if not signed:
        names = ", ".join(sorted({name for name, _ in known})) or "none"
        raise VerificationFailed(f"note carries no signature of a known key (known: {names})")
    return tuple(signed)


def open_note(data: str | bytes, verifiers: Iterable[VerifierKey]) -> Note:
    """Parse and verify a note; a malformed note fails verification too.

    Raises:
        VerificationFailed: the note is malformed, or ``verify_note`` refuses it.
    """
    try:
        note = parse_note(data)
    except InvalidValue as e:
        raise VerificationFailed(f"note is malformed: {e}") from e
    verify_note(note, verifiers)
    return note


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head as c2sp.org/tlog-checkpoint writes it: origin, size, root hash.

    Raises:
        InvalidValue: the origin is empty or holds a control character, the size is
            negative or too large, the root is not 32 bytes, or an extension line is
            empty or holds a control character.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:
            raise InvalidValue("checkpoint origin", "must not be empty")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise InvalidValue("checkpoint size", f"{self.size} is not in 0..2^63-1")
        if len(self.root_hash) != merkle.HASH_SIZE:
            raise InvalidValue("checkpoint root", f"is {len(self.root_hash)} bytes, expected 32")
        for line in (self.origin, *self.extensions):
            if not line or any(ord(char) < 0x20 for char in line):
                raise InvalidValue("checkpoint", "lines must be non-empty, without control chars")

    def to_text(self) -> str:
        """The note text: origin, size and root lines, then extension lines."""
        root = base64.b64encode(self.root_hash).decode()
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read checkpoint note text strictly.

        Raises:
            InvalidValue: fewer than three lines, an empty line, a size that is not plain
                decimal without leading zeros, or a root that is not canonical base64 of
                32 bytes.
        """
        if not text.endswith("\n"):
            raise InvalidValue("checkpoint", "must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InvalidValue("checkpoint", f"has {len(lines)} lines, expected at least 3")
        if "" in lines:
            raise InvalidValue("checkpoint", f"line {lines.index('') + 1} is empty")
        origin, size, root = lines[:3]
        if len(size) > 19 or not _TREE_SIZE.fullmatch(size):
            raise InvalidValue("checkpoint size", f"{size!r} is not a decimal without leading 0")
        return cls(origin, int(size), decode_base64(root, "checkpoint root"), tuple(lines[3:]))

    def sign(self, key: SigningKey) -> Note:
        """This checkpoint as a note signed by ``key`` (the mediator's)."""
        return sign_note(self.to_text(), key)


def open_checkpoint(
    data: str | bytes, log_key: VerifierKey, origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify a checkpoint note signed by the log's key and read its checkpoint.

    Args:
        data: the signed note.
        log_key: the mediator's key; its signature is required, others are ignored.
        origin: the origin expected, when the caller knows it.

    Raises:
        VerificationFailed: the note is malformed or not signed by ``log_key``, its
            text is no checkpoint, or the origin is not the one expected.
    """
    note = open_note(data, [log_key])
    try:
        checkpoint = Checkpoint.parse(note.text)
    except InvalidValue as e:
        raise VerificationFailed(f"checkpoint signed by {log_key.name} is malformed: {e}") from e
    if origin is not None and checkpoint.origin != origin:
        raise VerificationFailed(
            f"checkpoint is for origin {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint, note


@dataclass(frozen=True, slots=True)
class WitnessState:
    """What a witness remembers: the last checkpoint it co-signed, for one log."""

    origin: str
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        Checkpoint(self.origin, self.size, self.root_hash)

    @classmethod
    def empty(cls, origin: str) -> WitnessState:
        """A witness that has co-signed nothing yet: the empty tree, SHA-256 of nothing."""
        return cls(origin, 0, merkle.EMPTY_ROOT)

    def to_json(self) -> str:
        """The state as JSON, the root hash in base64."""
        root = base64.b64encode(self.root_hash).decode()
        return json.dumps({"origin": self.origin, "size": self.size, "root_hash": root})

    @classmethod
    def from_json(cls, text: str) -> WitnessState:
        """Read state written by ``to_json``.

        Raises:
            InvalidValue: the text is not that JSON object, or its values are invalid.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InvalidValue("witness state", f"is not JSON ({e.msg}, line {e.lineno})") from e
        if not isinstance(data, dict) or set(data) != {"origin", "size", "root_hash"}:
            raise InvalidValue("witness state", "expected exactly origin, size and root_hash")
        origin, size, root = data["origin"], data["size"], data["root_hash"]
        if not isinstance(origin, str) or type(size) is not int or not isinstance(root, str):
            raise InvalidValue("witness state", "origin and root_hash are text, size a number")
        return cls(origin, size, decode_base64(root, "witness state root_hash"))


class Witness:
    """A party's witness: co-signs a mediator checkpoint only if it extends the last one.

    The caller must store ``state`` durably before it releases the co-signature that
    ``cosign`` returns; a witness that forgets what it signed can be led onto a fork.

    Args:
        key: the party's signing key, e.g. named ``UA``.
        log_key: the mediator's verifier key.
        state: the last checkpoint co-signed (``WitnessState.empty(origin)`` at first).
    """

    def __init__(self, key: SigningKey, log_key: VerifierKey, state: WitnessState) -> None:
        self.key = key
        self.log_key = log_key
        self.state = state

    def cosign(self, data: str | bytes, proof: Sequence[bytes]) -> Signature:
        """Check a checkpoint note and a consistency proof from ``state``; co-sign it.

        Args:
            data: the checkpoint note, signed by the mediator.
            proof: the consistency proof from ``state.size`` to the checkpoint's size
                (empty when the sizes are equal or nothing was co-signed before).

        Returns:
            The co-signature; ``.line`` is the text line to append to the note. On
            success ``state`` becomes the new checkpoint.

        Raises:
            VerificationFailed: the mediator's signature fails; the checkpoint is for
                another origin, smaller than the last co-signed, of the same size with a
                different root (a fork), or not consistent with it.
        """
        old = self.state
        new, note = open_checkpoint(data, self.log_key, old.origin)
        if new.size < old.size:
            raise VerificationFailed(
                f"checkpoint of {old.origin} has size {new.size}, smaller than size "
                f"{old.size} co-signed before; refusing to go back"
            )
        if new.size == old.size and new.root_hash != old.root_hash:
            raise VerificationFailed(
                f"checkpoint of {old.origin} at size {new.size} has a root different from "
                "the one co-signed before: the log has forked"
            )
        if old.size == 0 or new.size == old.size:
            if proof:
                raise VerificationFailed(
                    f"consistency proof from size {old.size} to {new.size} must be empty"
                )
        else:
            try:
                merkle.verify_consistency(
                    old.size, new.size, list(proof), old.root_hash, new.root_hash
                )
            except VerificationFailed as e:
                raise VerificationFailed(
                    f"checkpoint of {old.origin} at size {new.size} is not consistent with "
                    f"size {old.size} co-signed before: {e}"
                ) from e
        message = note.text.encode()
        cosignature = Signature(self.key.name, self.key.key_id, self.key.sign(message))
        self.state = WitnessState(new.origin, new.size, new.root_hash)
        return cosignature
