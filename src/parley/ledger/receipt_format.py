"""The receipt format: what a receipt holds, and its JSON and text forms.

A receipt (``parley-receipt``, version 1) holds the person record (kind, party, record
id: ``entries.person_record``) and its salt, which give the commitment the log names the
person by; every entry whose data holds that commitment, as the exact bytes hashed into
the log, each with its RFC 9162 inclusion proof; and the signed checkpoint (a C2SP note)
whose root the proofs lead to. Its **JSON form** is the RFC 8785 canonical JSON of::

    {"format": "parley-receipt", "version": 1,
     "person": {"kind": ..., "party": ..., "record_id": ...},
     "salt": HEX, "commitment": HEX, "checkpoint": NOTE,
     "entries": [{"seq": N, "entry": ENTRY, "proof": [BASE64, ...]}, ...]}

Its **text form**, for printing or a QR code, is one line: ``parley-receipt:1:`` and
the base64url (RFC 4648 section 5, no padding) of the zlib stream (RFC 1950) of the
JSON form. Each form has one reading, so that any changed character is refused: a
receipt must be canonical JSON, canonical base64url, and one complete zlib stream with
nothing after it and the unused bits of its last byte zero.

Reading checks the form only; ``parley.ledger.receipts.verify_receipt`` checks what it
says. Reading raises ``VerificationFailed``: a malformed receipt did not verify either.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.canonical import canonical
from parley.ledger.entries import SALT_SIZE
from parley.ledger.keys import decode_base64

__all__ = [
    "FORMAT",
    "MAX_RECEIPT_BYTES",
    "TEXT_PREFIX",
    "VERSION",
    "Receipt",
    "ReceiptEntry",
    "read_receipt",
]

FORMAT = "parley-receipt"
VERSION = 1
TEXT_PREFIX = f"{FORMAT}:{VERSION}:"
MAX_RECEIPT_BYTES = 1 << 20
"""The largest JSON form parley reads (and so the most a text form may inflate to)."""

_KEYS = frozenset({"format", "version", "person", "salt", "commitment", "checkpoint", "entries"})
_PERSON_KEYS = frozenset({"kind", "party", "record_id"})
_ENTRY_KEYS = frozenset({"seq", "entry", "proof"})
_HEX = re.compile(f"[0-9a-f]{{{2 * SALT_SIZE}}}")
_BASE64URL = re.compile("[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class ReceiptEntry:
    """An entry naming the person: its sequence number, exact bytes and inclusion proof."""

    seq: int
    entry: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Receipt:
    """One person record's receipt; ``checkpoint`` is the signed note, as text."""

    kind: str
    party: str
    record_id: str
    salt: bytes
    commitment: str
    entries: tuple[ReceiptEntry, ...]
    checkpoint: str

    def to_json(self) -> bytes:
        """The JSON form: canonical JSON (RFC 8785), UTF-8, no final newline."""
        value = {
            "format": FORMAT,
            "version": VERSION,
            "person": {"kind": self.kind, "party": self.party, "record_id": self.record_id},
            "salt": self.salt.hex(),
            "commitment": self.commitment,
            "checkpoint": self.checkpoint,
            "entries": [
                {
                    "seq": e.seq,
                    "entry": e.entry.decode("utf-8"),
                    "proof": [base64.b64encode(p).decode() for p in e.proof],
                }
                for e in self.entries
            ],
        }
        return canonical(value, name="receipt")

    def to_text(self) -> str:
        """The text form: ``parley-receipt:1:`` + base64url(zlib(JSON form)), one line."""
        packed = zlib.compress(self.to_json(), 9)
        return TEXT_PREFIX + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")

    @classmethod
    def from_json(cls, data: bytes | str) -> Receipt:
        """Read the JSON form (one final newline allowed).

        Raises:
            VerificationFailed: it is not a receipt's canonical JSON.
        """
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return _parse(raw.removesuffix(b"\n"))

    @classmethod
    def from_text(cls, text: str) -> Receipt:
        """Read the text form (whitespace around it allowed).

        Raises:
            VerificationFailed: it is not ``parley-receipt:1:`` and the canonical
                base64url of one complete zlib stream of a receipt's canonical JSON.
        """
        text = text.strip()
        if not text.startswith(TEXT_PREFIX):
            raise _malformed(f"the text form must start with {TEXT_PREFIX!r}")
        body = text[len(TEXT_PREFIX) :]
        if len(body) > 2 * MAX_RECEIPT_BYTES or not _BASE64URL.fullmatch(body):
            raise _malformed("the text after the prefix is not base64url (A-Z a-z 0-9 - _)")
        try:
            packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as e:
            raise _malformed("the text after the prefix is cut short or too long") from e
        if base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii") != body:
            raise _malformed("the text's last character is not canonical base64url")
        return _parse(_inflate(packed))


def read_receipt(data: bytes | str) -> Receipt:
    """Read a receipt in either form: the text form if it starts so, else the JSON form.

    Raises:
        VerificationFailed: it is neither.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if raw.lstrip().startswith(TEXT_PREFIX.encode()):
        try:
            return Receipt.from_text(raw.decode("ascii"))
        except UnicodeDecodeError as e:
            raise _malformed("the text form holds a character that is not ASCII") from e
    return Receipt.from_json(raw)


def _malformed(what: str) -> VerificationFailed:
    return VerificationFailed(f"receipt is malformed: {what}")


def _try_inflate(packed: bytes) -> bytes | None:
    """The data of one complete zlib stream with nothing after it, or None."""
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(packed, MAX_RECEIPT_BYTES + 1)
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data or len(data) > MAX_RECEIPT_BYTES:
        return None
    return data


def _inflate(packed: bytes) -> bytes:
    data = _try_inflate(packed)
    if data is None:
        raise _malformed(
            f"the text form is not one complete zlib stream of at most {MAX_RECEIPT_BYTES:,} "
            "bytes (damaged, or cut short)"
        )
    # Inflating ignores the unused high bits of the deflate stream's last byte (before
    # the 4-byte Adler-32), so a misread there would go unnoticed. zlib writes them as
    # zero; a receipt must too, so that every changed character is refused.
    last = len(packed) - 5
    for bit in range(7, 0, -1):
        if packed[last] >> bit & 1:
            changed = packed[:last] + bytes([packed[last] ^ 1 << bit]) + packed[last + 1 :]
            if _try_inflate(changed) == data:
                raise _malformed("the zlib stream's unused last bits are not zero")
    return data


def _parse(raw: bytes) -> Receipt:
    """Read the canonical JSON form (without a final newline)."""
    if len(raw) > MAX_RECEIPT_BYTES:
        raise _malformed(f"it is larger than {MAX_RECEIPT_BYTES:,} bytes")
    try:
        value = json.loads(raw.decode("utf-8"))
        expected = canonical(value, name="receipt")
    except UnicodeDecodeError as e:
        raise _malformed(f"it is not UTF-8 (byte {e.start + 1})") from e
    except (ValueError, RecursionError) as e:  # JSONDecodeError and InvalidValue among them
        raise _malformed(f"it is not JSON parley can read ({e})") from e
    if expected != raw:
        at = next((i for i, (a, b) in enumerate(zip(raw, expected, strict=False)) if a != b), 0)
        raise _malformed(
            f"it is not canonical JSON (RFC 8785) at byte {at + 1}; give the receipt "
            "exactly as parley wrote it"
        )
    return _receipt(value)


def _receipt(value: Any) -> Receipt:
    if not isinstance(value, dict) or value.keys() != _KEYS:
        raise _malformed(f"expected an object with exactly the keys {sorted(_KEYS)}")
    if value["format"] != FORMAT or value["version"] != VERSION:
        raise _malformed(f"format and version must be {FORMAT!r} and {VERSION}")
    person = value["person"]
    if not isinstance(person, dict) or person.keys() != _PERSON_KEYS:
        raise _malformed(f"person must be an object with exactly {sorted(_PERSON_KEYS)}")
    if not all(isinstance(person[k], str) and person[k] for k in _PERSON_KEYS):
        raise _malformed("kind, party and record_id must be non-empty strings")
    for key in ("salt", "commitment"):
        if not isinstance(value[key], str) or not _HEX.fullmatch(value[key]):
            raise _malformed(f"{key} must be {2 * SALT_SIZE} lowercase hex digits")
    if not isinstance(value["checkpoint"], str):
        raise _malformed("checkpoint must be the signed note, as a string")
    items = value["entries"]
    if not isinstance(items, list) or not items:
        raise _malformed("entries must be a list of at least one entry")
    entries = tuple(_entry(item, i) for i, item in enumerate(items))
    if any(a.seq >= b.seq for a, b in itertools.pairwise(entries)):
        raise _malformed("entries must be in increasing sequence, each once")
    return Receipt(
        person["kind"],
        person["party"],
        person["record_id"],
        bytes.fromhex(value["salt"]),
        value["commitment"],
        entries,
        value["checkpoint"],
    )


def _entry(item: Any, i: int) -> ReceiptEntry:
    where = f"entries[{i}]"
    if not isinstance(item, dict) or item.keys() != _ENTRY_KEYS:
        raise _malformed(f"{where} must be an object with exactly {sorted(_ENTRY_KEYS)}")
    seq, entry, proof = item["seq"], item["entry"], item["proof"]
    if type(seq) is not int or seq < 1:
        raise _malformed(f"{where}.seq must be a sequence number (1 or more)")
    if not isinstance(entry, str) or not isinstance(proof, list):
        raise _malformed(f"{where} must hold the entry as a string and the proof as a list")
    if not all(isinstance(p, str) for p in proof):
        raise _malformed(f"{where}.proof must be a list of base64 hashes")
    try:
        hashes = tuple(decode_base64(p, f"{where}.proof[{j}]") for j, p in enumerate(proof))
    except InvalidValue as e:
        raise _malformed(str(e)) from e
    return ReceiptEntry(seq, entry.encode("utf-8"), hashes)
