"""Ed25519 keys: the RFC 8032 vectors, key ids, verifier-key text and key files."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.keys import (
    SigningKey,
    VerifierKey,
    check_key_name,
    decode_base64,
    key_id,
    load_signing_key,
    load_verifier_key,
    public_key_path,
    write_key_pair,
)

# RFC 8032 section 7.1, "Test Vectors for Ed25519": (secret key, public key, message,
# signature), hex. TEST 1024 is the 1023-octet message of the test named so.
RFC8032_TEST_1024_MESSAGE = (
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
    "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
    "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
    "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
    "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
    "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
    "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
    "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
    "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
    "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
    "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
    "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
    "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
    "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
    "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
    "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
    "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
    "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
    "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
    "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
    "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
    "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0"
)

RFC8032_VECTORS = [
    pytest.param(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        id="TEST 1",
    ),
    pytest.param(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        id="TEST 2",
    ),
    pytest.param(
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        id="TEST 3",
    ),
    pytest.param(
        "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        RFC8032_TEST_1024_MESSAGE,
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
        "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
        id="TEST 1024",
    ),
    pytest.param(
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
        "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
        id="TEST SHA(abc)",
    ),
]
VECTOR_FIELDS = ("secret", "public", "message", "signature")

# The example key of the Go sumdb/note package, which the C2SP signed-note spec grew
# out of: its verifier key, and its private key (0x01 || 32-byte seed, base64).
PETER_NEUMANN_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_NEUMANN_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]


def test_the_long_rfc_8032_message_is_1023_octets() -> None:
    assert len(bytes.fromhex(RFC8032_TEST_1024_MESSAGE)) == 1023


@pytest.mark.parametrize(VECTOR_FIELDS, RFC8032_VECTORS)
def test_a_key_from_an_rfc_8032_seed_has_the_published_public_key_and_signature(
    secret: str, public: str, message: str, signature: str
) -> None:
    key = SigningKey.from_seed("RFC8032", bytes.fromhex(secret))
    assert key.verifier.public_key.hex() == public
    assert key.sign(bytes.fromhex(message)).hex() == signature


@pytest.mark.parametrize(VECTOR_FIELDS, RFC8032_VECTORS)
def test_the_published_rfc_8032_signature_verifies_and_any_flipped_bit_is_refused(
    secret: str, public: str, message: str, signature: str
) -> None:
    verifier = VerifierKey("RFC8032", bytes.fromhex(public))
    sig, msg = bytes.fromhex(signature), bytes.fromhex(message)
    verifier.verify(sig, msg)
    for bit in range(len(sig) * 8):
        tampered = bytearray(sig)
        tampered[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(VerificationFailed, match="RFC8032"):
            verifier.verify(bytes(tampered), msg)
    if msg:
        with pytest.raises(VerificationFailed):
            verifier.verify(sig, bytes([msg[0] ^ 1]) + msg[1:])


def test_the_key_id_of_the_go_note_example_key_is_the_published_one() -> None:
    key = SigningKey.from_seed("PeterNeumann", PETER_NEUMANN_SEED)
    assert key.key_id.hex() == "c74f20a3"
    assert key_id("PeterNeumann", key.verifier.public_key).hex() == "c74f20a3"
    assert key.verifier.to_text() == PETER_NEUMANN_VKEY


def test_verifier_key_text_reads_back_to_the_same_key() -> None:
    verifier = VerifierKey.parse(PETER_NEUMANN_VKEY)
    assert verifier.name == "PeterNeumann"
    assert verifier.to_text() == PETER_NEUMANN_VKEY
    generated = SigningKey.generate("UA").verifier
    assert VerifierKey.parse(generated.to_text()) == generated


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("PeterNeumann+c74f20a3", "expected <name>"),
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64"),
        ("PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not an Ed25519"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "spaces"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "empty"),
    ],
)
def test_malformed_verifier_key_text_is_refused_saying_what_is_wrong(
    text: str, complaint: str
) -> None:
    with pytest.raises(InvalidValue, match=complaint):
        VerifierKey.parse(text)


@pytest.mark.parametrize("name", ["", "U A", "UA+1", "UA\u00a0", "UA\n", "UA\x7f"])
def test_a_key_name_with_a_space_plus_or_control_character_is_refused(name: str) -> None:
    with pytest.raises(InvalidValue):
        check_key_name(name)


def test_base64_must_be_canonical_so_that_no_two_texts_mean_the_same_bytes() -> None:
    assert decode_base64("AAE=", "here") == b"\x00\x01"
    for text in ("AAF=", "AAE", "AA E=", "AAE=\n", "AA-="):
        with pytest.raises(InvalidValue, match="here"):
            decode_base64(text, "here")


def test_a_signing_key_repr_shows_the_public_key_only() -> None:
    key = SigningKey.from_seed("PeterNeumann", PETER_NEUMANN_SEED)
    assert repr(key) == f"SigningKey({PETER_NEUMANN_VKEY!r})"


def test_a_seed_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidValue, match="31 bytes"):
        SigningKey.from_seed("UA", bytes(31))


# Key files.


def test_a_new_key_pair_is_written_0600_and_0644_and_reads_back(tmp_path: Path) -> None:
    key = SigningKey.generate("UA")
    pub_path = write_key_pair(key, tmp_path / "ua.key")
    assert pub_path == tmp_path / "ua.pub" == public_key_path(tmp_path / "ua.key")
    assert stat.S_IMODE((tmp_path / "ua.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(pub_path.stat().st_mode) == 0o644
    assert pub_path.read_text() == key.verifier.to_text() + "\n"
    loaded = load_signing_key(tmp_path / "ua.key")
    assert loaded.name == "UA"
    assert loaded.verifier == key.verifier
    assert load_verifier_key(pub_path) == key.verifier
    loaded.verifier.verify(key.sign(b"manifest"), b"manifest")


def test_the_private_key_file_is_0600_even_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_key_pair(SigningKey.generate("UA"), tmp_path / "ua.key")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "ua.key").stat().st_mode) == 0o600


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "ua.key"
    path.write_text("the only copy")
    with pytest.raises(InvalidValue, match="already exists"):
        write_key_pair(SigningKey.generate("UA"), path)
    assert path.read_text() == "the only copy"
    assert not (tmp_path / "ua.pub").exists()


def test_an_existing_public_key_file_stops_the_pair_before_anything_is_written(
    tmp_path: Path,
) -> None:
    (tmp_path / "ua.pub").write_text("someone else's")
    with pytest.raises(InvalidValue, match=r"ua\.pub"):
        write_key_pair(SigningKey.generate("UA"), tmp_path / "ua.key")
    assert not (tmp_path / "ua.key").exists()


def test_a_dangling_symlink_in_the_way_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "ua.key").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InvalidValue, match="already exists"):
        write_key_pair(SigningKey.generate("UA"), tmp_path / "ua.key")
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o601])
def test_a_private_key_readable_by_group_or_others_is_refused_naming_the_file(
    tmp_path: Path, mode: int
) -> None:
    path = tmp_path / "ua.key"
    write_key_pair(SigningKey.generate("UA"), path)
    path.chmod(mode)
    with pytest.raises(InvalidValue, match="group or others") as refused:
        load_signing_key(path)
    assert str(path) in str(refused.value)
    assert "chmod 600" in str(refused.value)


def test_a_key_with_a_passphrase_reads_back_only_with_that_passphrase(tmp_path: Path) -> None:
    key = SigningKey.generate("MEDIATOR")
    path = tmp_path / "mediator.key"
    write_key_pair(key, path, passphrase=b"correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    assert load_signing_key(path, b"correct horse").verifier == key.verifier
    with pytest.raises(InvalidValue, match="wrong passphrase") as refused:
        load_signing_key(path, b"wrong horse")
    assert str(path) in str(refused.value)
    with pytest.raises(InvalidValue, match="passphrase is needed"):
        load_signing_key(path)


def test_a_passphrase_for_a_key_without_one_is_refused(tmp_path: Path) -> None:
    write_key_pair(SigningKey.generate("UA"), tmp_path / "ua.key")
    with pytest.raises(InvalidValue, match="not encrypted"):
        load_signing_key(tmp_path / "ua.key", b"anything")


def test_an_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match="empty"):
        write_key_pair(SigningKey.generate("UA"), tmp_path / "ua.key", passphrase=b"")


def test_a_private_key_of_another_algorithm_is_refused(tmp_path: Path) -> None:
    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "ec.key"
    path.write_bytes(b"Key name: UA\n" + pem)
    path.chmod(0o600)
    with pytest.raises(InvalidValue, match="not an Ed25519 key"):
        load_signing_key(path)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"", "not a parley private key"),
        (b"Key name: UA\n-----BEGIN PRIVATE KEY-----\nnonsense\n", "not a readable PEM"),
        (b"-----BEGIN PRIVATE KEY-----\n", "not a parley private key"),
        (b"Key name: U A\n-----BEGIN PRIVATE KEY-----\n", "names its key badly"),
    ],
)
def test_a_file_that_is_no_parley_private_key_is_refused(
    tmp_path: Path, content: bytes, complaint: str
) -> None:
    path = tmp_path / "ua.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(InvalidValue, match=complaint):
        load_signing_key(path)


def test_a_missing_key_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match="cannot be read") as refused:
        load_signing_key(tmp_path / "nowhere.key")
    assert "nowhere.key" in str(refused.value)


def test_a_public_key_file_must_hold_one_verifier_key(tmp_path: Path) -> None:
    path = tmp_path / "ua.pub"
    path.write_text(PETER_NEUMANN_VKEY + "\n" + PETER_NEUMANN_VKEY + "\n")
    with pytest.raises(InvalidValue, match="one line"):
        load_verifier_key(path)


def test_the_private_key_file_can_be_named_without_a_suffix(tmp_path: Path) -> None:
    assert write_key_pair(SigningKey.generate("UA"), tmp_path / "ua") == tmp_path / "ua.pub"


def test_a_private_key_file_may_not_end_in_pub(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match=r"\.pub"):
        write_key_pair(SigningKey.generate("UA"), tmp_path / "ua.pub")
