"""Signed notes, checkpoints and the witness, against the C2SP specs and their examples."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.keys import SigningKey, VerifierKey
from parley.ledger.merkle import InMemoryNodeStore, MerkleLog
from parley.ledger.notes import (
    MAX_SIGNATURES,
    Checkpoint,
    Note,
    Signature,
    Witness,
    WitnessState,
    open_checkpoint,
    open_note,
    parse_note,
    sign_note,
    verify_note,
)

# The example of the Go sumdb/note package, which the C2SP signed-note spec grew out
# of: verifier key, private key (0x01 || seed, base64), text and signed note.
PETER_NEUMANN_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_NEUMANN_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
PETER_NEUMANN_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_NEUMANN_NOTE = (
    PETER_NEUMANN_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
    "dngotpRZb6KE6RyyBwJnAM=\n"
)

# The example at the top of c2sp.org/signed-note; the spec does not publish its key.
SALVATORE_TEXT = (
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
)
SALVATORE_NOTE = (
    SALVATORE_TEXT
    + "\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJ"
    "KONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)

# The example of c2sp.org/tlog-checkpoint; its key is not published either.
SOFA_CHECKPOINT = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

ORIGIN = "parley.example/exchange-2025"
MEDIATOR = SigningKey.from_seed("MEDIATOR", bytes(range(32)))
UA = SigningKey.from_seed("UA", bytes(range(1, 33)))
RU = SigningKey.from_seed("RU", bytes(range(2, 34)))
PETER = SigningKey.from_seed("PeterNeumann", PETER_NEUMANN_SEED)


# Signed notes: the published examples.


def test_the_go_note_example_verifies_under_its_published_key() -> None:
    note = open_note(PETER_NEUMANN_NOTE, [VerifierKey.parse(PETER_NEUMANN_VKEY)])
    assert note.text == PETER_NEUMANN_TEXT
    assert note.signatures[0].key_id.hex() == "c74f20a3"


def test_signing_the_go_note_example_reproduces_it_byte_for_byte() -> None:
    assert sign_note(PETER_NEUMANN_TEXT, PETER).format() == PETER_NEUMANN_NOTE


def test_the_signed_note_spec_example_reads_with_its_blank_line_kept_in_the_text() -> None:
    note = parse_note(SALVATORE_NOTE.encode())
    assert note.text == SALVATORE_TEXT
    (signature,) = note.signatures
    assert signature.name == "quasimodo.example/salvatore"
    assert signature.key_id.hex() == "367ba04b"
    assert len(signature.signature) == 64
    assert note.format() == SALVATORE_NOTE


def test_a_note_with_no_signature_of_a_known_key_is_refused() -> None:
    with pytest.raises(VerificationFailed, match="no signature of a known key"):
        open_note(SALVATORE_NOTE, [VerifierKey.parse(PETER_NEUMANN_VKEY)])


def test_a_key_sharing_the_signers_name_but_not_its_id_is_not_the_signer() -> None:
    impostor = SigningKey.generate("quasimodo.example/salvatore").verifier
    with pytest.raises(VerificationFailed, match="no signature of a known key"):
        open_note(SALVATORE_NOTE, [impostor])


def test_signatures_of_unknown_keys_are_skipped_as_the_spec_requires() -> None:
    salvatore_line = SALVATORE_NOTE.split("\n\n")[-1]
    both = PETER_NEUMANN_NOTE + salvatore_line
    note = open_note(both, [VerifierKey.parse(PETER_NEUMANN_VKEY)])
    assert len(note.signatures) == 2


def test_a_bad_signature_from_a_known_key_rejects_the_whole_note() -> None:
    forged = Signature(UA.name, UA.key_id, UA.sign(b"another text\n"))
    note = sign_note("a text\n", MEDIATOR).with_signature(forged)
    with pytest.raises(VerificationFailed, match="key UA"):
        verify_note(note, [MEDIATOR.verifier, UA.verifier])
    assert verify_note(note, [MEDIATOR.verifier]) == (MEDIATOR.verifier,)


def test_verify_note_names_every_key_that_signed() -> None:
    note = sign_note("a text\n", MEDIATOR, UA, RU)
    assert verify_note(note, [RU.verifier, UA.verifier, PETER.verifier]) == (
        UA.verifier,
        RU.verifier,
    )


def test_two_verifiers_with_one_name_and_key_id_are_refused_as_ambiguous() -> None:
    # Two keys named UA whose ids collide (found by a birthday search over 52,284 keys).
    first = VerifierKey(
        "UA", bytes.fromhex("b8978eac3ac53f3f09bf3ec498efa60cd6df0b4be095320e5329f1482edb6536")
    )
    second = VerifierKey(
        "UA", bytes.fromhex("7af047781cf28bcc08373161706aaf401552b7dcf80f1f16dc7a63ed851b53a6")
    )
    assert first.key_id == second.key_id
    note = sign_note("a text\n", UA)
    with pytest.raises(InvalidValue, match="share one key id"):
        verify_note(note, [first, second])
    assert verify_note(note, [UA.verifier, UA.verifier]) == (UA.verifier,)


# Signed notes: the format, strictly.


@pytest.mark.parametrize(
    ("note", "complaint"),
    [
        (b"text\n\n\xe2\x80\x94 UA AAAAAAA=", "end with a newline"),
        (b"text\n\xe2\x80\x94 UA AAAAAAA=\n", "no blank line"),
        (b"text\n\n", "no signature"),
        (b"te\xffxt\n\n\xe2\x80\x94 UA AAAAAAA=\n", "UTF-8"),
        (b"te\txt\n\n\xe2\x80\x94 UA AAAAAAA=\n", "control character"),
        (b"text\r\n\n\xe2\x80\x94 UA AAAAAAA=\n", "control character"),
        (b"text\n\n- UA AAAAAAA=\n", "must start with"),
        (b"text\n\n\xe2\x80\x94 UA\n", "expected '— <key name>"),
        (b"text\n\n\xe2\x80\x94 UA AAAA AAA=\n", "base64"),
        (b"text\n\n\xe2\x80\x94 UA AAAAAAF=\n", "canonical"),
        (b"text\n\n\xe2\x80\x94 UA AAAAAA==\n", "shorter than"),
        (b"text\n\n\xe2\x80\x94 U+A AAAAAAA=\n", "'\\+'"),
        (b"text\n\n\xe2\x80\x94 UA AAAAAAA=\t\n", "control character"),
    ],
)
def test_a_malformed_note_is_refused_saying_what_is_wrong(note: bytes, complaint: str) -> None:
    with pytest.raises(InvalidValue, match=complaint):
        parse_note(note)
    with pytest.raises(VerificationFailed, match="malformed"):
        open_note(note, [UA.verifier])


def test_a_note_may_carry_up_to_the_signature_limit_and_no_more() -> None:
    line = Signature("UA", UA.key_id, bytes(64)).line
    assert len(parse_note("t\n\n" + line * MAX_SIGNATURES).signatures) == MAX_SIGNATURES
    with pytest.raises(InvalidValue, match="more than"):
        parse_note("t\n\n" + line * (MAX_SIGNATURES + 1))


@pytest.mark.parametrize("text", ["no newline", "tab\there\n", ""])
def test_a_text_that_cannot_be_a_note_is_not_signed(text: str) -> None:
    with pytest.raises(InvalidValue):
        sign_note(text, UA)
    with pytest.raises(InvalidValue):
        Note(text, ())


note_texts = st.lists(
    st.text(st.characters(min_codepoint=0x20, exclude_categories=("Cs",)), max_size=40),
    min_size=1,
    max_size=5,
).map(lambda lines: "\n".join(lines) + "\n")


@settings(max_examples=200, deadline=None)
@given(text=note_texts, data=st.data())
def test_flipping_any_single_bit_of_a_signed_note_makes_it_fail_to_verify(
    text: str, data: st.DataObject
) -> None:
    signed = sign_note(text, MEDIATOR).format().encode()
    assert open_note(signed, [MEDIATOR.verifier]).text == text
    bit = data.draw(st.integers(0, len(signed) * 8 - 1), label="bit")
    tampered = bytearray(signed)
    tampered[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VerificationFailed):
        open_note(bytes(tampered), [MEDIATOR.verifier])


@settings(max_examples=100, deadline=None)
@given(text=note_texts)
def test_a_signed_note_reads_back_as_written(text: str) -> None:
    note = sign_note(text, MEDIATOR, UA)
    assert parse_note(note.format()) == note


# Checkpoints.


def test_the_tlog_checkpoint_spec_example_reads_and_writes_back() -> None:
    note = parse_note(SOFA_CHECKPOINT)
    checkpoint = Checkpoint.parse(note.text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.to_text() == note.text
    (signature,) = note.signatures
    assert signature.name == checkpoint.origin
    assert signature.key_id.hex() == "033de0ae"
    assert len(signature.signature) == 64
    assert note.format() == SOFA_CHECKPOINT


def test_a_checkpoint_keeps_its_extension_lines() -> None:
    text = "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\next one\next two\n"
    checkpoint = Checkpoint.parse(text)
    assert checkpoint.extensions == ("ext one", "ext two")
    assert checkpoint.to_text() == text


def test_the_empty_tree_has_size_zero() -> None:
    root = base64.b64encode(bytes(32)).decode()
    assert Checkpoint.parse(f"o\n0\n{root}\n").size == 0


ROOT = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (f"o\n5\n{ROOT}", "newline"),
        ("o\n5\n", "at least 3"),
        (f"o\n05\n{ROOT}\n", "leading 0"),
        (f"o\n00\n{ROOT}\n", "leading 0"),
        (f"o\n+5\n{ROOT}\n", "decimal"),
        (f"o\n-5\n{ROOT}\n", "decimal"),
        (f"o\n 5\n{ROOT}\n", "decimal"),
        (f"o\n5_0\n{ROOT}\n", "decimal"),
        (f"o\n\u0665\n{ROOT}\n", "decimal"),
        (f"o\n{'9' * 20}\n{ROOT}\n", "decimal"),
        (f"o\n{2**63}\n{ROOT}\n", "2\\^63"),
        (f"\n5\n{ROOT}\n", "line 1 is empty"),
        (f"o\n5\n{ROOT}\n\n", "line 4 is empty"),
        ("o\n5\nAAAA\n", "3 bytes"),
        (f"o\n5\n{ROOT[:-2]}\n", "base64"),
        (f"o\n5\n{ROOT[:-2]}B=\n", "canonical"),
    ],
)
def test_a_malformed_checkpoint_is_refused_saying_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(InvalidValue, match=complaint):
        Checkpoint.parse(text)


@settings(max_examples=100, deadline=None)
@given(
    size=st.integers(0, 2**63 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(st.text(st.characters(min_codepoint=0x20), min_size=1), max_size=3),
)
def test_a_checkpoint_reads_back_as_written(size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(ORIGIN, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.to_text()) == checkpoint


def test_a_checkpoint_opens_only_with_the_log_key_and_its_origin() -> None:
    checkpoint = Checkpoint(ORIGIN, 3, bytes(32))
    signed = checkpoint.sign(MEDIATOR).format()
    assert open_checkpoint(signed, MEDIATOR.verifier, ORIGIN)[0] == checkpoint
    with pytest.raises(VerificationFailed, match="no signature of a known key"):
        open_checkpoint(signed, UA.verifier)
    with pytest.raises(VerificationFailed, match="expected 'elsewhere'"):
        open_checkpoint(signed, MEDIATOR.verifier, "elsewhere")
    with pytest.raises(VerificationFailed, match="malformed"):
        open_checkpoint(sign_note("not a checkpoint\n", MEDIATOR).format(), MEDIATOR.verifier)


# The witness.


def build_log(entries: list[bytes]) -> MerkleLog:
    log = MerkleLog(InMemoryNodeStore())
    for entry in entries:
        log.append(entry)
    return log


def entries(n: int, tag: str = "entry") -> list[bytes]:
    return [f'{{"{tag}":{i}}}'.encode() for i in range(n)]


def signed_checkpoint(log: MerkleLog, size: int, key: SigningKey = MEDIATOR) -> str:
    return Checkpoint(ORIGIN, size, log.root(size)).sign(key).format()


def witness_at(log: MerkleLog, size: int) -> Witness:
    return Witness(UA, MEDIATOR.verifier, WitnessState(ORIGIN, size, log.root(size)))


def test_a_witness_co_signs_a_consistent_larger_checkpoint_and_moves_on_to_it() -> None:
    log = build_log(entries(13))
    witness = witness_at(log, 5)
    note = signed_checkpoint(log, 13)
    cosignature = witness.cosign(note, log.consistency_proof(5, 13))
    assert witness.state == WitnessState(ORIGIN, 13, log.root(13))
    cosigned = note + cosignature.line
    assert cosignature.line.startswith("— UA ")
    assert verify_note(parse_note(cosigned), [MEDIATOR.verifier, UA.verifier]) == (
        MEDIATOR.verifier,
        UA.verifier,
    )


def test_a_fresh_witness_co_signs_the_first_checkpoint_it_sees_without_a_proof() -> None:
    log = build_log(entries(4))
    witness = Witness(UA, MEDIATOR.verifier, WitnessState.empty(ORIGIN))
    witness.cosign(signed_checkpoint(log, 4), [])
    assert witness.state.size == 4
    fresh = Witness(UA, MEDIATOR.verifier, WitnessState.empty(ORIGIN))
    with pytest.raises(VerificationFailed, match="must be empty"):
        fresh.cosign(signed_checkpoint(log, 4), [log.root(4)])


def test_a_witness_co_signs_the_same_checkpoint_again() -> None:
    log = build_log(entries(6))
    witness = witness_at(log, 6)
    witness.cosign(signed_checkpoint(log, 6), [])
    assert witness.state.size == 6


def test_a_witness_refuses_a_smaller_checkpoint_naming_both_sizes() -> None:
    log = build_log(entries(10))
    witness = witness_at(log, 8)
    with pytest.raises(VerificationFailed, match="size 5, smaller than size 8"):
        witness.cosign(signed_checkpoint(log, 5), [])
    assert witness.state.size == 8


def test_a_witness_refuses_a_different_root_at_the_size_it_co_signed() -> None:
    log = build_log(entries(8))
    forked = build_log([*entries(7), b'{"entry":"rewritten"}'])
    witness = witness_at(log, 8)
    with pytest.raises(VerificationFailed, match=r"size 8 has a root different.*forked"):
        witness.cosign(signed_checkpoint(forked, 8), [])
    assert witness.state.root_hash == log.root(8)


def test_a_witness_refuses_a_checkpoint_that_rewrites_history_naming_both_sizes() -> None:
    shown_to_ua = build_log(entries(7))
    rewritten = build_log([*entries(3), *entries(9, tag="other")])
    witness = witness_at(shown_to_ua, 7)
    with pytest.raises(VerificationFailed, match="size 12 is not consistent with size 7"):
        witness.cosign(signed_checkpoint(rewritten, 12), rewritten.consistency_proof(7, 12))
    assert witness.state.root_hash == shown_to_ua.root(7)


def test_a_witness_refuses_a_checkpoint_the_mediator_did_not_sign() -> None:
    log = build_log(entries(9))
    witness = witness_at(log, 4)
    with pytest.raises(VerificationFailed, match="no signature of a known key"):
        witness.cosign(signed_checkpoint(log, 9, key=RU), log.consistency_proof(4, 9))
    assert witness.state.size == 4


def test_a_witness_refuses_a_checkpoint_of_another_log() -> None:
    log = build_log(entries(9))
    other = Checkpoint("elsewhere", 9, log.root(9)).sign(MEDIATOR).format()
    with pytest.raises(VerificationFailed, match="origin"):
        witness_at(log, 4).cosign(other, log.consistency_proof(4, 9))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_witness_follows_a_growing_log_and_refuses_any_tampered_proof(
    data: st.DataObject,
) -> None:
    n = data.draw(st.integers(2, 70), label="n")
    m = data.draw(st.integers(1, n - 1), label="m")
    log = build_log(entries(n))
    state = WitnessState.from_json(witness_at(log, m).state.to_json())
    proof = log.consistency_proof(m, n)
    note = signed_checkpoint(log, n)
    i = data.draw(st.integers(0, len(proof) * 256 - 1), label="bit")
    tampered = [bytearray(h) for h in proof]
    tampered[i // 256][i % 256 // 8] ^= 1 << (i % 8)
    witness = Witness(UA, MEDIATOR.verifier, state)
    with pytest.raises(VerificationFailed, match=f"size {n} is not consistent with size {m}"):
        witness.cosign(note, [bytes(h) for h in tampered])
    assert witness.state == state
    witness.cosign(note, proof)
    assert witness.state == WitnessState(ORIGIN, n, log.root(n))


def test_witness_state_survives_a_round_trip_through_json() -> None:
    state = WitnessState(ORIGIN, 42, bytes(range(32)))
    assert WitnessState.from_json(state.to_json()) == state


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not JSON"),
        ("[]", "exactly origin, size and root_hash"),
        (f'{{"origin": "o", "size": 1, "root_hash": "{ROOT}", "extra": 1}}', "exactly"),
        (f'{{"origin": "o", "size": "1", "root_hash": "{ROOT}"}}', "size a number"),
        (f'{{"origin": "o", "size": true, "root_hash": "{ROOT}"}}', "size a number"),
        (f'{{"origin": "o", "size": -1, "root_hash": "{ROOT}"}}', "not in 0"),
        ('{"origin": "o", "size": 1, "root_hash": "AAAA"}', "3 bytes"),
        (f'{{"origin": "", "size": 1, "root_hash": "{ROOT}"}}', "origin"),
    ],
)
def test_malformed_witness_state_is_refused(text: str, complaint: str) -> None:
    with pytest.raises(InvalidValue, match=complaint):
        WitnessState.from_json(text)
