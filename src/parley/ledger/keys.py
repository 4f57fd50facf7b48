"""Ed25519 keys for the parties and the mediator, and the files that hold them.

A key has a name: the code of a party (``UA``) or ``MEDIATOR``. The name travels with
the key because a C2SP signed note (https://c2sp.org/signed-note) names its signers, and
the key id that tells verifiers which key signed is derived from name and public key::

    key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]

A private key is a PKCS #8 PEM file, encrypted when a passphrase is given, preceded by
one ``Key name:`` line (RFC 7468 allows explanatory text before the PEM block, so OpenSSL
still reads the file). It is created with mode 0600 and never overwritten, and a file
that group or others could read is refused on loading. The public key sits beside it,
``NAME.pub`` with mode 0644, as one line of verifier-key text in the form the Go
``sumdb/note`` package and C2SP tools use: ``<name>+<hex key id>+<base64(0x01 || key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from parley.errors import InvalidValue, VerificationFailed

__all__ = [
    "ED25519_TYPE",
    "SigningKey",
    "VerifierKey",
    "check_key_name",
    "decode_base64",
    "key_id",
    "load_signing_key",
    "load_verifier_key",
    "public_key_path",
    "write_key_pair",
]

ED25519_TYPE = 0x01
"""The signed-note signature type byte of Ed25519."""

_NAME_HEADER = "Key name: "
_PEM_BEGIN = "-----BEGIN "


def check_key_name(name: str) -> str:
    """Return ``name`` if it may name a signed-note key.

    Raises:
        InvalidValue: the name is empty, or holds a space, a plus sign (the signed-note
            spec forbids both) or a control character.
    """
    if not name:
        raise InvalidValue("key name", "must not be empty")
    for char in name:
        if char.isspace() or char == "+" or ord(char) < 0x20 or ord(char) == 0x7F:
            raise InvalidValue(
                "key name",
                f"{name!r} holds {char!r}; spaces, '+' and control characters "
                "are not allowed (c2sp.org/signed-note)",
            )
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte signed-note key id of an Ed25519 key: SHA-256(name \\n 0x01 key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_TYPE]) + public_key).digest()[:4]


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A named Ed25519 public key: what anyone needs to check a signature.

    Raises:
        InvalidValue: the name is not a valid key name, or the key is not 32 bytes.
    """

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.public_key) != 32:
            raise InvalidValue(
                f"public key {self.name}", f"is {len(self.public_key)} bytes, expected 32"
            )

    @property
    def key_id(self) -> bytes:
        """The 4-byte signed-note key id."""
        return key_id(self.name, self.public_key)

    def verify(self, signature: bytes, message: bytes) -> None:
        """Check an Ed25519 signature by this key over ``message``.

        Raises:
            VerificationFailed: the signature is not this key's signature of ``message``.
        """
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError) as e:
            raise VerificationFailed(f"signature by key {self.name} does not verify") from e

    def to_text(self) -> str:
        """The verifier-key text ``<name>+<hex key id>+<base64(0x01 || key)>``."""
        material = base64.b64encode(bytes([ED25519_TYPE]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Read verifier-key text, checking that its key id matches name and key.

        Raises:
            InvalidValue: the text is not of the form ``name+id+key``, the key is not an
                Ed25519 key, or the id does not belong to that name and key.
        """
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise InvalidValue("verifier key", "expected <name>+<hex key id>+<base64 key>")
        name, id_hex, material = parts
        check_key_name(name)
        if len(id_hex) != 8 or any(c not in "0123456789abcdef" for c in id_hex):
            raise InvalidValue(f"verifier key {name}", f"key id {id_hex!r} is not 8 hex digits")
        decoded = decode_base64(material, f"verifier key {name}")
        if len(decoded) != 33 or decoded[0] != ED25519_TYPE:
            raise InvalidValue(
                f"verifier key {name}", "is not an Ed25519 key (expected 0x01 and 32 bytes)"
            )
        key = cls(name, decoded[1:])
        if key.key_id.hex() != id_hex:
            raise InvalidValue(
                f"verifier key {name}",
                f"key id {id_hex} does not match the name and key ({key.key_id.hex()})",
            )
        return key


class SigningKey:
    """A named Ed25519 private key. Its repr never shows the secret.

    Args:
        name: the key name, a party code such as ``UA`` or ``MEDIATOR``.
        private_key: the ``cryptography`` Ed25519 private key.
    """

    __slots__ = ("_private", "name", "verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = check_key_name(name)
        self._private = private_key
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.verifier = VerifierKey(name, raw)

    @classmethod
    def generate(cls, name: str) -> SigningKey:
        """A fresh key from the operating system's random source."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> SigningKey:
        """The key of a 32-byte RFC 8032 seed (test vectors, reproducible demo keys).

        Raises:
            InvalidValue: the seed is not 32 bytes.
        """
        if len(seed) != 32:
            raise InvalidValue(f"seed of key {name}", f"is {len(seed)} bytes, expected 32")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def key_id(self) -> bytes:
        """The 4-byte signed-note key id."""
        return self.verifier.key_id

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic, RFC 8032)."""
        return self._private.sign(message)

    def verify(self, signature: bytes, message: bytes) -> None:
        """Check a signature by this key; see ``VerifierKey.verify``."""
        self.verifier.verify(signature, message)

    def __repr__(self) -> str:
        return f"SigningKey({self.verifier.to_text()!r})"


def public_key_path(private_path: Path) -> Path:
    """Where the public key of a private key file lives: ``ua.key`` -> ``ua.pub``."""
    return private_path.with_suffix(".pub")


def write_key_pair(key: SigningKey, path: Path, passphrase: bytes | None = None) -> Path:
    """Write the private key to ``path`` (0600) and its public key beside it (0644).

    Neither file may exist: a key is never overwritten, since the old one may still be
    the only copy. The private file is created in one step with its final mode
    (``O_CREAT | O_EXCL``, 0600) so that it is never readable by others, not even for
    an instant.

    Args:
        key: the key to store.
        path: the private key file; the public one is ``public_key_path(path)``.
        passphrase: when given, the key is encrypted with it (PKCS #8, the best
            encryption ``cryptography`` offers).

    Returns:
        The path of the public key file.

    Raises:
        InvalidValue: a file is already there, ``path`` ends in ``.pub``, or the
            passphrase is empty.
    """
    pub_path = public_key_path(path)
    if path.suffix == ".pub":
        raise InvalidValue(f"key file {path}", "a private key file must not end in .pub")
    if passphrase is not None and not passphrase:
        raise InvalidValue(f"key file {path}", "the passphrase must not be empty")
    for target in (path, pub_path):
        if target.exists() or target.is_symlink():
            raise InvalidValue(
                f"key file {target}", "already exists; parley never overwrites a key"
            )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key._private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    _create_file(path, (_NAME_HEADER + key.name + "\n").encode() + pem, 0o600)
    try:
        _create_file(pub_path, (key.verifier.to_text() + "\n").encode(), 0o644)
    except BaseException:
        path.unlink()
        raise
    return pub_path


def load_signing_key(path: Path, passphrase: bytes | None = None) -> SigningKey:
    """Read a private key file written by ``write_key_pair``.

    Raises:
        InvalidValue: the file is missing, readable by group or others, not a PEM
            Ed25519 private key with a ``Key name:`` line, encrypted and no (or the
            wrong) passphrase given, or not encrypted and a passphrase given.
    """
    where = f"key file {path}"
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as e:
        raise InvalidValue(where, f"cannot be read ({e.strerror})") from e
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidValue(
            where,
            f"is accessible to group or others (mode {stat.S_IMODE(mode):04o}); "
            f"a private key must be 0600: run chmod 600 {path}",
        )
    text = data.decode("utf-8", errors="replace")
    header, begin, _ = text.partition(_PEM_BEGIN)
    if not begin or not header.startswith(_NAME_HEADER):
        raise InvalidValue(where, f"is not a parley private key (expected '{_NAME_HEADER}NAME')")
    name = header[len(_NAME_HEADER) :].strip()
    try:
        check_key_name(name)
    except InvalidValue as e:
        raise InvalidValue(where, f"names its key badly: {e.message}") from e
    pem = data[data.index(_PEM_BEGIN.encode()) :]
    private = _load_pem(pem, passphrase, where)
    if not isinstance(private, Ed25519PrivateKey):
        raise InvalidValue(where, f"holds a {type(private).__name__}, not an Ed25519 key")
    return SigningKey(name, private)


def load_verifier_key(path: Path) -> VerifierKey:
    """Read a ``.pub`` file: one line of verifier-key text.

    Raises:
        InvalidValue: the file is missing or does not hold one valid verifier key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidValue(f"public key file {path}", "cannot be read as text") from e
    line = text.removesuffix("\n")
    if "\n" in line:
        raise InvalidValue(f"public key file {path}", "must hold exactly one line")
    return VerifierKey.parse(line)


def _load_pem(pem: bytes, passphrase: bytes | None, where: str) -> object:
    encrypted = b"ENCRYPTED PRIVATE KEY" in pem.split(b"\n", 1)[0]
    if encrypted and passphrase is None:
        raise InvalidValue(where, "is encrypted; a passphrase is needed")
    if not encrypted and passphrase is not None:
        raise InvalidValue(where, "is not encrypted; no passphrase is expected")
    try:
        return serialization.load_pem_private_key(pem, passphrase)
    except ValueError as e:
        if encrypted:
            raise InvalidValue(where, "wrong passphrase, or the file is damaged") from e
        raise InvalidValue(where, "is not a readable PEM private key") from e
    except (TypeError, UnsupportedAlgorithm) as e:
        raise InvalidValue(where, "is not a readable PEM private key") from e


def _create_file(path: Path, content: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` and ``content``; fail if anything is already there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError as e:
        raise InvalidValue(
            f"key file {path}", "already exists; parley never overwrites a key"
        ) from e
    try:
        with os.fdopen(fd, "wb") as file:
            # The umask may have taken bits away from a public key's 0644; give them back.
            os.fchmod(file.fileno(), mode)
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        path.unlink()
        raise


def decode_base64(text: str, where: str) -> bytes:
    """Decode standard base64 (RFC 4648 section 4) that must be canonical.

    Canonical means one text for one byte string: no whitespace, padding present, and
    unused bits zero, so that changing any character changes the bytes.

    Raises:
        InvalidValue: ``text`` is not canonical base64; the message names ``where``.
    """
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InvalidValue(where, "is not valid base64") from e
    if base64.b64encode(decoded).decode() != text:
        raise InvalidValue(where, "is not canonical base64")
    return decoded
