"""``parley keys``, ``parley log`` and ``parley verify`` end to end.

The mediator and both parties make their keys; the mediator signs checkpoints of the
log as the exchange goes on and each party co-signs them as a witness; anyone verifies
the export with the public keys alone, and any tampering with it is named by the first
bad sequence number. A witness whose mediator rolls the database back onto another
history refuses to co-sign, and remembers only what it co-signed before.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from parley.ledger.keys import load_verifier_key
from parley.ledger.notes import WitnessState
from tests.e2e.conftest import Parley, Result

ORIGIN = "mediator.example/exchange-2025"
HEADER = "record_id,family_name,given_name,name_lang,sex,birth_date,category\n"
RU_HOLDINGS = HEADER + (
    "RU-H1,Лисенко,Олег,uk,M,1979-03-04,pow\nRU-H2,Коваль,Іван,uk,M,1975-05-06,pow\n"
)
UA_HOLDINGS = HEADER + "UA-H1,Иванов,Сергей,ru,M,1980-02-03,pow\n"
UA_REQUESTS = (
    "record_id,family_name,given_name,name_lang,sex,birth_date,source,priority\n"
    "UA-R1,Коваль,Іван,uk,M,1975-05-06,family,urgent\n"
)
UA_WITNESS = ("log", "witness", "--key", "ua.key", "--log-key", "mediator.pub")
RU_WITNESS = ("log", "witness", "--key", "ru.key", "--log-key", "mediator.pub")
CHECKPOINT = ("log", "checkpoint", "--key", "mediator.key")


def _setup(parley: Parley) -> None:
    """Three key pairs, both parties registered (entries 1 and 2), and their files."""
    parley.env["PARLEY_LOG_ORIGIN"] = ORIGIN
    for name, text in (
        ("ru-holdings.csv", RU_HOLDINGS),
        ("ua-holdings.csv", UA_HOLDINGS),
        ("ua-requests.csv", UA_REQUESTS),
    ):
        (parley.cwd / name).write_text(text, encoding="utf-8")
    parley.many(*(("keys", "new", "--name", name) for name in ("MEDIATOR", "UA", "RU")))
    parley("parties", "add", "UA", "Party UA")
    parley("parties", "add", "RU", "Party RU")


def _no_traceback(*results: Result) -> None:
    for result in results:
        assert "Traceback" not in result.stderr, result.describe()
        assert len(result.lines()) == 1, result.describe()


def _state(path: Path) -> WitnessState:
    return WitnessState.from_json(path.read_text("utf-8"))


def _answer(parley: Parley, answers: str, *args: str, code: int = 0) -> Result:
    """``parley ARGS`` typed at a terminal: ``answers`` on standard input.

    A session of its own has no terminal to open, so the hidden prompt reads the input.
    """
    done = subprocess.run(
        [sys.executable, "-m", "parley", *args],
        cwd=parley.cwd,
        env=parley.env,
        input=answers.encode(),
        capture_output=True,
        timeout=120,
        check=False,
        start_new_session=True,
    )
    result = Result(tuple(args), done.returncode, done.stdout, done.stderr.decode())
    assert result.returncode == code, result.describe()
    return result


def test_a_key_pair_is_private_to_its_owner_and_never_overwritten(parley: Parley) -> None:
    made = parley("keys", "new", "--name", "ua", "--out", "keys")
    again = parley("keys", "new", "--name", "UA", "--out", "keys", code=1)

    private, public = parley.cwd / "keys" / "ua.key", parley.cwd / "keys" / "ua.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text("utf-8").startswith("Key name: UA\n-----BEGIN PRIVATE KEY-----")
    key = load_verifier_key(public)
    assert made.lines("stdout") == [
        key.to_text(),
        "private key: keys/ua.key (mode 0600; UA keeps it)",
        "public key: keys/ua.pub (give it to everyone who verifies: parties, observers)",
    ]
    assert again.stderr.startswith(f"error: key file {private.relative_to(parley.cwd)}: ")
    assert "already exists; parley never overwrites a key" in again.stderr
    assert load_verifier_key(public) == key
    _no_traceback(again)


def test_an_encrypted_key_asks_its_passphrase_twice_when_made_and_once_when_used(
    parley: Parley,
) -> None:
    made = _answer(parley, "s3cret\ns3cret\n", "keys", "new", "--name", "MEDIATOR", "--passphrase")
    wrong = _answer(parley, "guess\n", *CHECKPOINT, code=1)
    signed = _answer(parley, "s3cret\n", *CHECKPOINT)

    assert "Repeat for confirmation" in made.stdout
    assert "s3cret" not in made.stdout + made.stderr
    assert "(mode 0600, encrypted; MEDIATOR keeps it)" in made.stdout
    assert "ENCRYPTED PRIVATE KEY" in (parley.cwd / "mediator.key").read_text("utf-8")
    assert (
        wrong.lines()[-1]
        == "error: key file mediator.key: wrong passphrase, or the file is damaged"
    )
    assert "Passphrase of mediator.key:" in signed.stdout
    assert "checkpoint signed by MEDIATOR: size 0, root " in signed.stdout


@pytest.fixture(params=["sqlite", "postgresql"])
def any_parley(request: pytest.FixtureRequest) -> Parley:
    """``parley`` on SQLite, then on PostgreSQL (skipped, saying why, where there is none)."""
    name = "parley" if request.param == "sqlite" else "parley_on_postgres"
    parley: Parley = request.getfixturevalue(name)
    return parley


def test_the_mediator_signs_both_parties_witness_and_anyone_verifies_the_export(
    any_parley: Parley,
) -> None:
    parley = any_parley
    _setup(parley)
    first = parley(*CHECKPOINT)  # signs entries 1..2, which no one has co-signed yet
    parley(*UA_WITNESS, "--state", "ua-witness.json")
    parley(*RU_WITNESS, "--state", "ru-witness.json")
    parley("import", "holdings", "ru-holdings.csv", "--party", "RU")
    parley(*CHECKPOINT)
    parley("import", "requests", "ua-requests.csv", "--party", "UA")
    parley(*CHECKPOINT)
    ua = parley(*UA_WITNESS, "--state", "ua-witness.json")
    parley(*RU_WITNESS, "--state", "ru-witness.json")
    exported = parley("log", "export", "--out", "log.jsonl")
    checked, unchecked = parley.many(
        ("verify", "log.jsonl", "--witness", "ua.pub", "--witness", "ru.pub"),
        ("verify", "log.jsonl"),
    )

    lines = first.lines("stdout")
    assert lines[0].startswith("checkpoint signed by MEDIATOR: size 2, root ")
    assert lines[1:4] == [ORIGIN, "2", lines[0].rsplit(" ", 1)[1]]
    assert lines[4].startswith("— MEDIATOR ")
    assert ua.lines("stdout")[0] == (
        "UA co-signed the checkpoint of size 4 (consistent with size 2 co-signed before); "
        "ua-witness.json remembers it"
    )
    assert ua.lines("stdout")[1].startswith("— UA ")
    assert exported.stdout == "4 entries and the checkpoints written to log.jsonl\n"
    root = _state(parley.cwd / "ua-witness.json").root_hash
    assert _state(parley.cwd / "ru-witness.json") == WitnessState(ORIGIN, 4, root)
    mediator = (parley.cwd / "mediator.pub").read_text("utf-8").strip()
    assert checked.lines("stdout") == [
        f"log.jsonl verifies: 4 entries, root {_b64(root)}",
        f"origin {ORIGIN}, log key {mediator}",
        "7 checkpoints verified",
        "the latest, of size 4: co-signed by UA, RU",
    ]
    assert unchecked.lines("stdout")[-1] == (
        "the latest, of size 4: co-signatures not checked (give --witness UA.pub --witness RU.pub)"
    )
    export = (parley.cwd / "log.jsonl").read_bytes()
    assert b"RU-H1" not in export
    assert "Лисенко".encode() not in export
    _tampering_is_named(parley)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _first_entry_named(result: Result) -> int:
    """The first sequence number the error names (``entry N``, not ``entries 1..N``)."""
    found = re.search(r"\bentry (\d+)\b", result.stderr)
    assert found is not None, result.describe()
    return int(found.group(1))


def _tampering_is_named(parley: Parley) -> None:
    """Change a byte, delete, swap or repeat an entry of the export: verify names it.

    The export's lines: the header, entries 1 and 2, three checkpoints of size 2,
    entry 3, a checkpoint of size 3, entry 4, three checkpoints of size 4.
    """
    lines = (parley.cwd / "log.jsonl").read_bytes().splitlines(keepends=True)
    at = {json.loads(line).get("seq"): i for i, line in enumerate(lines)}
    assert [at[n] for n in (1, 2, 3, 4)] == [1, 2, 6, 8]
    digest = re.compile(rb'"file_sha256":"(.)')

    def flip(line: bytes) -> bytes:  # one hex digit of the file's digest, still canonical
        found = digest.search(line)
        assert found is not None
        old = found.group(1)
        return line[: found.start(1)] + (b"0" if old != b"0" else b"1") + line[found.end(1) :]

    def swap(i: int, j: int) -> list[bytes]:
        copy = list(lines)
        copy[i], copy[j] = copy[j], copy[i]
        return copy

    variants = {
        "entry-3-byte": ([*lines[:6], flip(lines[6]), *lines[7:]], 3),
        "entry-4-byte": ([*lines[:8], flip(lines[8]), *lines[9:]], 4),
        "entry-3-not-json": ([*lines[:6], b"[" + lines[6][1:], *lines[7:]], 3),
        "entry-2-deleted": (lines[:2] + lines[3:], 2),
        "entry-3-deleted": (lines[:6] + lines[7:], 3),
        "entries-1-2-swapped": (swap(1, 2), 1),
        "entry-3-repeated": ([*lines[:7], lines[6], *lines[7:]], 4),
    }
    for name, (tampered, _) in variants.items():
        (parley.cwd / f"{name}.jsonl").write_bytes(b"".join(tampered))
    refused = parley.many(*(("verify", f"{name}.jsonl") for name in variants), code=1)
    for result, (name, (_, first_bad)) in zip(refused, variants.items(), strict=True):
        assert _first_entry_named(result) == first_bad, (name, result.describe())
        assert result.stdout == "", result.describe()
    _no_traceback(*refused)


def _snapshot(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently, WAL and all (the backup API)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def test_a_witness_refuses_a_log_rolled_back_onto_another_history(parley: Parley) -> None:
    _setup(parley)
    database = parley.cwd / "e2e.db"
    parley(*CHECKPOINT)
    _snapshot(database, parley.cwd / "at-2.db")
    parley("import", "holdings", "ru-holdings.csv", "--party", "RU")
    parley("import", "requests", "ua-requests.csv", "--party", "UA")
    parley(*CHECKPOINT)
    parley(*UA_WITNESS, "--state", "ua-witness.json")  # UA remembers size 4
    remembered = (parley.cwd / "ua-witness.json").read_bytes()

    # The mediator restores the database as it was at size 2 and signs it again.
    _snapshot(parley.cwd / "at-2.db", database)
    parley(*CHECKPOINT)
    smaller = parley(*UA_WITNESS, "--state", "ua-witness.json", code=1)
    # A different entry 3 and 4: the same size as the one UA co-signed, another root.
    parley("import", "holdings", "ua-holdings.csv", "--party", "UA")
    parley("import", "holdings", "ru-holdings.csv", "--party", "RU")
    parley(*CHECKPOINT)
    forked = parley(*UA_WITNESS, "--state", "ua-witness.json", code=1)
    # One more entry on top: larger, but not an extension of what UA co-signed.
    parley("import", "requests", "ua-requests.csv", "--party", "UA")
    parley(*CHECKPOINT)
    inconsistent = parley(*UA_WITNESS, "--state", "ua-witness.json", code=1)
    ru = parley(*RU_WITNESS, "--state", "ru-witness.json")  # RU never saw the old history

    assert smaller.lines() == [
        f"error: checkpoint of {ORIGIN} has size 2, smaller than size 4 co-signed before; "
        "refusing to go back"
    ]
    assert forked.lines() == [
        f"error: checkpoint of {ORIGIN} at size 4 has a root different from the one "
        "co-signed before: the log has forked"
    ]
    assert inconsistent.lines()[0].startswith(
        f"error: checkpoint of {ORIGIN} at size 5 is not consistent with size 4 co-signed before: "
    )
    assert (parley.cwd / "ua-witness.json").read_bytes() == remembered
    assert "RU co-signed the checkpoint of size 5 (its first)" in ru.stdout
    _no_traceback(smaller, forked, inconsistent)
