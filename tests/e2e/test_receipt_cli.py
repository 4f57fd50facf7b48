"""``parley receipt`` and ``parley verify --receipt`` end to end.

RU confirms that it holds the person UA asks for (a review, entry 6 of the log, which
names both records by commitment); the mediator signs, both parties witness, and the
mediator writes that person's receipt for the family, as JSON and as one line of text.
The family checks it with the mediator's public key alone, and against the published
export; a receipt changed in any way is refused in one line.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys

from parley.ledger.receipts import TEXT_PREFIX, Receipt
from tests.e2e.conftest import Parley, Result
from tests.e2e.test_ledger_cli import CHECKPOINT, RU_WITNESS, UA_WITNESS, _setup

RECEIPT = ("receipt", "--party", "RU", "--record", "RU-H2")
VERIFY = ("verify", "--log-key", "mediator.pub")
WITNESSES = ("--witness", "ua.pub", "--witness", "ru.pub")


def _confirm(parley: Parley) -> None:
    """RU confirms the one proposal (UA-R1 is RU-H2) through standard input."""
    done = subprocess.run(
        [sys.executable, "-m", "parley", "review", "--party", "RU"],
        cwd=parley.cwd,
        env=parley.env,
        input=b"c\n\n",
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "proposal 1: confirmed" in done.stdout.decode()


def _one_line_error(result: Result) -> str:
    assert result.stdout == "", result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    lines = result.lines()
    assert len(lines) == 1, result.describe()
    return lines[0]


def test_a_family_checks_a_receipt_with_the_mediators_key_and_the_export(parley: Parley) -> None:
    _setup(parley)
    parley.many(
        ("import", "holdings", "ru-holdings.csv", "--party", "RU"),
        ("import", "requests", "ua-requests.csv", "--party", "UA"),
    )
    parley("reconcile", "--requester", "UA", "--holder", "RU")
    _confirm(parley)
    unsigned = parley(*RECEIPT, "--out", "early.json", code=1)
    parley(*CHECKPOINT)
    parley(*UA_WITNESS, "--state", "ua-witness.json")
    parley(*RU_WITNESS, "--state", "ru-witness.json")
    written, text, never = parley.many(
        (*RECEIPT, "--out", "receipt.json"),
        (*RECEIPT, "--out", "receipt.txt", "--text"),
        ("receipt", "--party", "RU", "--record", "RU-H9", "--out", "none.json"),
        code=None,
    )
    parley("log", "export", "--out", "log.jsonl")
    alone, against = parley.many(
        (*VERIFY, "--receipt", "receipt.json"),
        (*VERIFY, "--receipt", "receipt.txt", "--log", "log.jsonl", *WITNESSES),
    )

    assert _one_line_error(unsigned).endswith(
        "is not covered by a signed checkpoint yet: sign a checkpoint first "
        "(parley log checkpoint --key KEY)"
    )
    assert not (parley.cwd / "early.json").exists()
    size = json.loads((parley.cwd / "log.jsonl").read_text("utf-8").splitlines()[-1])
    assert written.returncode == 0, written.describe()
    assert written.lines("stdout")[0].startswith(
        "receipt of holding RU/RU-H2 written to receipt.json (JSON): "
    )
    assert written.lines("stdout")[1] == (
        "it holds the salt that links this person to the public log: give it to the family only"
    )
    assert text.returncode == 0, text.describe()
    assert never.returncode == 1, never.describe()
    assert _one_line_error(never) == (
        "error: holding RU/RU-H9 has never appeared in the public log: no receipt to give"
    )
    for name in ("receipt.json", "receipt.txt"):
        assert stat.S_IMODE((parley.cwd / name).stat().st_mode) == 0o600
    as_json = Receipt.from_json((parley.cwd / "receipt.json").read_bytes())
    as_text = (parley.cwd / "receipt.txt").read_text("ascii")
    assert as_text.startswith(TEXT_PREFIX)
    assert as_text.count("\n") == 1
    assert Receipt.from_text(as_text) == as_json
    assert "Коваль" not in (parley.cwd / "receipt.json").read_text("utf-8")
    assert size  # the export ends in a checkpoint line

    lines = alone.lines("stdout")
    assert lines[0] == "receipt.json verifies"
    assert lines[1].startswith("holding RU-H2 of party RU appears in 1 entry of the public log ")
    assert "ProposalReviewed (proposed → confirmed)" in lines[2]
    assert lines[-2] == "co-signatures not checked (give --witness UA.pub --witness RU.pub)"
    assert lines[-1] == "not checked against the public log (give --log LOG_EXPORT)"
    checked = against.lines("stdout")
    assert checked[-2] == "co-signed by UA, RU"
    assert checked[-1].startswith("checked against log.jsonl: it verifies (")
    assert checked[-1].endswith(" entries) and holds the same entries")
    _refusals(parley)


def _refusals(parley: Parley) -> None:
    """A changed receipt, a wrong key, a changed export, and usage errors."""
    data = (parley.cwd / "receipt.json").read_bytes()
    value = json.loads(data)
    value["salt"] = "00" * 32
    canonical = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    (parley.cwd / "salt.json").write_text(canonical, encoding="utf-8")
    text = (parley.cwd / "receipt.txt").read_text("ascii")
    middle = len(text) // 2
    swapped = "A" if text[middle] != "A" else "B"
    (parley.cwd / "typo.txt").write_text(text[:middle] + swapped + text[middle + 1 :])
    export = (parley.cwd / "log.jsonl").read_bytes()
    (parley.cwd / "other.jsonl").write_bytes(export.replace(b'"party":"UA"', b'"party":"XX"', 1))
    parley("keys", "new", "--name", "MEDIATOR", "--out", "impostor")

    salt, typo, wrong_key, other, no_key, stray = parley.many(
        (*VERIFY, "--receipt", "salt.json"),
        (*VERIFY, "--receipt", "typo.txt"),
        ("verify", "--receipt", "receipt.json", "--log-key", "impostor/mediator.pub"),
        (*VERIFY, "--receipt", "receipt.json", "--log", "other.jsonl"),
        ("verify", "--receipt", "receipt.json"),
        (*VERIFY, "--receipt", "receipt.json", "log.jsonl"),
        code=None,
    )

    assert [r.returncode for r in (salt, typo, wrong_key, other)] == [1, 1, 1, 1]
    assert _one_line_error(salt) == (
        "error: receipt: the salt and the person record do not give the receipt's "
        "commitment (wrong salt, or a changed record)"
    )
    assert _one_line_error(typo).startswith("error: receipt is malformed: ")
    assert _one_line_error(wrong_key) == (
        "error: receipt checkpoint: note carries no signature of a known key (known: MEDIATOR)"
    )
    assert _one_line_error(other).startswith("error: log export: ")
    assert (no_key.returncode, stray.returncode) == (2, 2)
    assert "--log-key MEDIATOR.pub" in no_key.stderr
    assert "with --receipt, give the log export with --log" in stray.stderr
