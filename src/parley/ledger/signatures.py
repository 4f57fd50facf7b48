"""Detached signatures of files: how a party signs a manifest on its own machine.

A signature file (format ``parley-signature``, version 1) is one line of RFC 8785
canonical JSON, ending in a newline::

    {"format":"parley-signature","key":"UA+25ef3940+Ab3l...","sha256":"9f86d0...",
     "signature":"mE3x...","version":1}

``key`` is the signer's verifier-key text, ``sha256`` the hex SHA-256 of the file's
bytes, and ``signature`` the base64 Ed25519 signature, by that key, of the canonical JSON
of the four other fields, ``{"format", "key", "sha256", "version"}``. Signing that
message rather than the file itself binds the signer's name and key to the digest, and
keeps a file signature from ever passing for another parley signature made with the
same key: the message begins ``{"format":"parley-signature"`` and ends in ``}``, while a
signed note's text (a checkpoint a witness co-signs) ends in a newline.

Nothing here trusts the ``key`` a signature file names: ``verify_file_signature`` takes
the key to trust from the caller (the registered key, or a ``.pub`` file).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import BinaryIO

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.canonical import canonical
from parley.ledger.keys import SigningKey, VerifierKey, decode_base64

__all__ = [
    "FORMAT",
    "VERSION",
    "FileSignature",
    "file_digest",
    "sign_file",
    "verify_file_signature",
]

FORMAT = "parley-signature"
VERSION = 1

_KEYS = frozenset({"format", "version", "key", "sha256", "signature"})
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def _message(key: VerifierKey, sha256: bytes) -> bytes:
    return canonical(
        {"format": FORMAT, "version": VERSION, "key": key.to_text(), "sha256": sha256.hex()}
    )


@dataclass(frozen=True, slots=True)
class FileSignature:
    """A detached signature: who signed, the file's SHA-256, and the Ed25519 signature.

    Raises:
        InvalidValue: the digest is not 32 bytes or the signature not 64.
    """

    key: VerifierKey
    sha256: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if len(self.sha256) != 32:
            raise InvalidValue("sha256", f"is {len(self.sha256)} bytes, expected 32")
        if len(self.signature) != 64:
            raise InvalidValue("signature", f"is {len(self.signature)} bytes, expected 64")

    @property
    def message(self) -> bytes:
        """The bytes the signature signs (see the module docstring)."""
        return _message(self.key, self.sha256)

    def to_text(self) -> str:
        """The signature file's content: one canonical JSON line and a newline."""
        value = {
            "format": FORMAT,
            "version": VERSION,
            "key": self.key.to_text(),
            "sha256": self.sha256.hex(),
            "signature": base64.b64encode(self.signature).decode(),
        }
        return canonical(value).decode() + "\n"

    @classmethod
    def parse(cls, data: str | bytes) -> FileSignature:
        """Read a signature file's content; its signature is not checked here.

        Raises:
            InvalidValue: it is not JSON with exactly the five fields, of another format
                or version, or a field is malformed.
        """
        try:
            value = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InvalidValue("signature file", "is not JSON") from e
        if not isinstance(value, dict) or value.keys() != _KEYS:
            raise InvalidValue("signature file", f"expected exactly the fields {sorted(_KEYS)}")
        if value["format"] != FORMAT or type(value["version"]) is not int:
            raise InvalidValue("signature file", f"is not a {FORMAT} file")
        if value["version"] != VERSION:
            raise InvalidValue("signature file", f"version {value['version']} is not {VERSION}")
        if not all(isinstance(value[k], str) for k in ("key", "sha256", "signature")):
            raise InvalidValue("signature file", "key, sha256 and signature must be strings")
        if not _HEX_DIGEST.fullmatch(value["sha256"]):
            raise InvalidValue("signature file", "sha256 must be 64 lowercase hex digits")
        return cls(
            VerifierKey.parse(value["key"]),
            bytes.fromhex(value["sha256"]),
            decode_base64(value["signature"], "signature file: signature"),
        )


def file_digest(stream: BinaryIO) -> bytes:
    """The SHA-256 of everything ``stream`` (a file opened ``"rb"``) holds, read in chunks."""
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 16):
        digest.update(chunk)
    return digest.digest()


def sign_file(sha256: bytes, key: SigningKey) -> FileSignature:
    """Sign the file whose SHA-256 is ``sha256`` with ``key``.

    Raises:
        InvalidValue: ``sha256`` is not 32 bytes.
    """
    if len(sha256) != 32:
        raise InvalidValue("sha256", f"is {len(sha256)} bytes, expected 32")
    return FileSignature(key.verifier, sha256, key.sign(_message(key.verifier, sha256)))


def verify_file_signature(signature: FileSignature, sha256: bytes, trusted: VerifierKey) -> None:
    """Check that ``signature`` is ``trusted``'s signature of the file with ``sha256``.

    Raises:
        VerificationFailed: the signature names another key (or another key of that
            name), signs another file, or does not verify.
    """
    if signature.key != trusted:
        raise VerificationFailed(
            f"signed by key {signature.key.name} {signature.key.key_id.hex()}, "
            f"not by the trusted key {trusted.name} {trusted.key_id.hex()}"
        )
    if signature.sha256 != sha256:
        raise VerificationFailed(
            f"signs a file with SHA-256 {signature.sha256.hex()}, not this one "
            f"({sha256.hex()}): the file was changed, or it is another file"
        )
    trusted.verify(signature.signature, signature.message)
