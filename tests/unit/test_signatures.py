"""Detached file signatures (``parley-signature`` version 1): what ``parley sign`` writes.

A signature verifies only with the signer's own key, over the file it was made for; any
changed byte of the file, the digest, the key or the signature makes it fail, and a
file signature can never pass for a co-signature of a checkpoint (or the reverse).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.keys import SigningKey
from parley.ledger.notes import parse_note, sign_note, verify_note
from parley.ledger.signatures import FileSignature, file_digest, sign_file, verify_file_signature

UA = SigningKey.from_seed("UA", bytes(range(1, 33)))
RU = SigningKey.from_seed("RU", bytes(range(2, 34)))
MANIFEST = b'{"tranche":1,"released":["3f2a..."]}\n'
DIGEST = hashlib.sha256(MANIFEST).digest()


def test_a_signature_file_is_one_canonical_json_line_that_verifies_with_the_signers_key() -> None:
    text = sign_file(file_digest(io.BytesIO(MANIFEST)), UA).to_text()

    value = json.loads(text)
    assert text.endswith("}\n")
    assert text.count("\n") == 1
    assert list(value) == ["format", "key", "sha256", "signature", "version"]
    assert (value["format"], value["version"]) == ("parley-signature", 1)
    assert value["key"] == UA.verifier.to_text()
    assert value["sha256"] == DIGEST.hex()
    verify_file_signature(FileSignature.parse(text), DIGEST, UA.verifier)


def test_the_signature_signs_format_key_and_digest_not_the_bare_file() -> None:
    signature = sign_file(DIGEST, UA)
    message = (
        '{"format":"parley-signature","key":"'
        + UA.verifier.to_text()
        + '","sha256":"'
        + DIGEST.hex()
        + '","version":1}'
    ).encode()
    assert signature.message == message
    UA.verify(signature.signature, message)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("file", "signs a file with SHA-256"),
        ("key", "not by the trusted key UA"),
        ("signer", "signed by key RU"),
        ("signature", "signature by key UA does not verify"),
    ],
)
def test_any_change_makes_the_signature_fail(change: str, refusal: str) -> None:
    signature = sign_file(DIGEST, UA)
    digest, trusted = DIGEST, UA.verifier
    if change == "file":
        digest = hashlib.sha256(MANIFEST + b" ").digest()
    elif change == "key":
        trusted = SigningKey.from_seed("UA", bytes(range(9, 41))).verifier
    elif change == "signer":
        signature = sign_file(DIGEST, RU)
    else:
        flipped = bytes([signature.signature[0] ^ 1]) + signature.signature[1:]
        signature = FileSignature(signature.key, signature.sha256, flipped)
    with pytest.raises(VerificationFailed, match=refusal):
        verify_file_signature(signature, digest, trusted)


def test_a_digest_changed_in_the_file_fails_even_when_the_file_matches_it() -> None:
    value = json.loads(sign_file(DIGEST, UA).to_text())
    other = hashlib.sha256(b"another manifest").digest()
    value["sha256"] = other.hex()
    with pytest.raises(VerificationFailed, match="does not verify"):
        verify_file_signature(FileSignature.parse(json.dumps(value)), other, UA.verifier)


def test_a_file_signature_never_passes_for_a_checkpoint_cosignature() -> None:
    signature = sign_file(DIGEST, UA)
    # The message as a note's text: a note's text must end in a newline, this one cannot.
    with pytest.raises(InvalidValue, match="must end with a newline"):
        sign_note(signature.message.decode(), UA)
    note_text = "parley.example/exchange-2025\n3\n" + base64.b64encode(DIGEST).decode() + "\n"
    cosigned = sign_note(note_text, UA)
    assert not any(s.signature == signature.signature for s in cosigned.signatures)
    forged = parse_note(
        note_text + "\n— UA " + base64.b64encode(UA.key_id + signature.signature).decode() + "\n"
    )
    with pytest.raises(VerificationFailed):
        verify_note(forged, [UA.verifier])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "is not JSON"),
        ("[]", "expected exactly the fields"),
        ('{"format":"parley-log","key":"","sha256":"","signature":"","version":1}', "is not a"),
        ("version-2", "version 2 is not 1"),
        ("short-digest", "sha256 must be 64 lowercase hex digits"),
        ("bad-base64", "is not valid base64"),
    ],
)
def test_a_malformed_signature_file_is_refused_saying_why(text: str, problem: str) -> None:
    value = json.loads(sign_file(DIGEST, UA).to_text())
    if text == "version-2":
        value["version"] = 2
    elif text == "short-digest":
        value["sha256"] = DIGEST.hex()[:-2]
    elif text == "bad-base64":
        value["signature"] = "***"
    if text in ("version-2", "short-digest", "bad-base64"):
        text = json.dumps(value)
    with pytest.raises(InvalidValue, match=problem):
        FileSignature.parse(text)
