"""The exchange at the terminal: adopt a plan, sign the manifests, open, cross, amend, close.

One flow on a small SQLite exchange, as the mediator's staff, both parties' offices and
the neutral verifier would type it, and ``parley demo`` at its full size, which runs the
seed formula's three tranches with refusals and a no-show.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import Parley

AGREEMENT = """\
agreement: four for four
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {name: military, selector: category == pow, formula: parity}
must_include: [seriously_ill]
minimum_per_side: 4
tranches: {dates: [2025-05-23, 2025-05-24], capacity_per_side: 2, max_lead: 1}
reserve_share: 0.5
"""


def _setup(parley: Parley, folder: Path) -> None:
    for party in ("UA", "RU"):
        rows = ["record_id,family_name,given_name,category,birth_date"]
        rows += [f"{party}-{i},Коваль,Іван,pow,{1980 + i}-01-01" for i in range(1, 8)]
        (folder / f"{party}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "agreement.yaml").write_text(AGREEMENT, encoding="utf-8")
    parley("parties", "add", "UA", "Party UA")
    parley("parties", "add", "RU", "Party RU")
    parley.many(
        ("import", "holdings", "UA.csv", "--party", "UA"),
        ("import", "holdings", "RU.csv", "--party", "RU"),
        *(("keys", "new", "--name", name) for name in ("UA", "RU", "MEDIATOR")),
    )
    parley("plan", "agreement.yaml")
    for name in ("UA", "RU", "MEDIATOR"):
        parley("keys", "register", f"{name.lower()}.pub", "--name", name)


def _sign(parley: Parley, tranche: int, side: str) -> str:
    """Export the latest version of a manifest; all three sign it; the file's name."""
    out = parley("manifest", "export", str(tranche), "--side", side).stdout
    name = re.search(r"written to (\S+),", out)
    assert name, out
    for signer in ("ua", "ru", "mediator"):
        sig = f"{name.group(1)}.{signer}.sig"
        parley("sign", name.group(1), "--key", f"{signer}.key", "-o", sig)
        parley("manifest", "accept", sig)
    return name.group(1)


def test_an_exchange_runs_from_the_plan_to_a_closed_balanced_tranche(
    parley: Parley, tmp_path: Path
) -> None:
    _setup(parley, tmp_path)
    issued = parley("manifest", "issue", "agreement.yaml").stdout
    assert issued.count("version 1") == 4  # two tranches, two sides

    # A signature by a key of the right name that was never registered is refused.
    parley("manifest", "export", "1", "--side", "UA", "-o", "m.json")
    (tmp_path / "rogue").mkdir()
    parley("keys", "new", "--name", "UA", "--out", "rogue")
    parley("sign", "m.json", "--key", "rogue/ua.key", "-o", "rogue.sig")
    refused = parley("manifest", "accept", "rogue.sig", code=1)
    assert "not by the trusted key UA" in refused.stderr

    for side in ("UA", "RU"):
        _sign(parley, 1, side)
    early = parley("tranche", "open", "1", "--today", "2025-05-22", code=1)
    assert "cannot open before its date 2025-05-23" in early.stderr
    # With the mediator's key configured, every tranche event is followed by a checkpoint.
    parley.env["PARLEY_MEDIATOR_KEY"] = "mediator.key"
    opened = parley("tranche", "open", "1", "--today", "2025-05-23").stdout
    assert "MEDIATOR signed a checkpoint of the log at size" in opened
    del parley.env["PARLEY_MEDIATOR_KEY"]

    show = parley("manifest", "show", "1", "--side", "UA").stdout
    ua = re.findall(r"│ \d+ +│ (UA-\d)", show)
    ru = re.findall(r"│ \d+ +│ (RU-\d)", parley("manifest", "show", "1", "--side", "RU").stdout)
    assert (len(ua), len(ru)) == (4, 4)  # two listed, two reserves each
    first_ua, first_ru = ua[0], ru[0]

    # The crossing console: record ids typed or scanned one a line, an empty line ends.
    console = subprocess.run(
        [sys.executable, "-m", "parley", "handover", "console", "1", "--as", "neutral_verifier"],
        input=f"{first_ua}\nNOT-LISTED\n\n".encode(), capture_output=True, cwd=tmp_path,
        env=parley.env, timeout=120, check=True,
    )  # fmt: skip
    shown = console.stdout.decode()
    assert f"record {first_ua}: listed" in shown
    assert "error: record NOT-LISTED is on no manifest of tranche 1" in shown
    crossed = parley("handover", "record", "1", first_ua, "hand_over", "--as", "UA", "--key", "k-1")
    assert "next to cross: RU" in crossed.stdout
    again = parley("handover", "record", "1", first_ua, "hand_over", "--as", "UA", "--key", "k-1")
    assert "already recorded" in again.stdout
    parley("handover", "record", "1", ua[1], "verify", "--as", "neutral_verifier")
    ahead = parley("handover", "record", "1", ua[1], "hand_over", "--as", "UA", code=1)
    assert "RU must cross next" in ahead.stderr
    wrong = parley("handover", "record", "1", first_ua, "receive", "--as", "UA", code=1)
    assert "only the receiving may record receive" in wrong.stderr
    parley("handover", "record", "1", first_ua, "receive", "--as", "RU")

    # RU's first person declines; the parties see only the neutral verifier's withdrawal.
    declined = parley("handover", "record", "1", first_ru, "decline", "--as", "neutral_verifier")
    assert "withdrawn_by_neutral_verification" in declined.stdout
    assert "declin" not in declined.stdout.replace("decline", "")
    fixes = parley("handover", "fixes", "1", first_ru).stdout
    reserve = re.search(r"substitute reserve (RU-\d)", fixes)
    assert reserve, fixes
    parley("handover", "substitute", "1", first_ru, reserve.group(1))
    not_yet = parley("handover", "record", "1", reserve.group(1), "verify",
                     "--as", "neutral_verifier", code=1)  # fmt: skip
    assert "not sealed yet" in not_yet.stderr
    _sign(parley, 1, "RU")
    diff = parley("manifest", "diff", "1", "--side", "RU").stdout
    assert f"- {first_ru}" in diff
    assert f"+ {reserve.group(1)}" in diff

    for side, person in (("RU", reserve.group(1)), ("UA", ua[1]), ("RU", ru[1])):
        receiver = "UA" if side == "RU" else "RU"
        if person != ua[1]:
            parley("handover", "record", "1", person, "verify", "--as", "neutral_verifier")
        parley("handover", "record", "1", person, "hand_over", "--as", side)
        parley("handover", "record", "1", person, "receive", "--as", receiver)

    status = parley("tranche", "status", "1").stdout
    assert "withdrawn_by_neutral_verification 1" in status
    assert "declin" not in status
    closed = parley("tranche", "close", "1").stdout
    assert "military: received UA 2, RU 2" in closed
    replay = parley("verify", "--replay").stdout
    assert "1 closed tranche balanced from the log alone" in replay

    # The public log says who crossed as commitments only, and never that anyone refused.
    parley("keys", "new", "--name", "MEDIATOR", "--out", "rogue")
    parley("log", "checkpoint", "--key", "mediator.key")
    parley("log", "export", "-o", "log.jsonl")
    exported = (tmp_path / "log.jsonl").read_text("utf-8")
    assert "declin" not in exported
    assert "Коваль" not in exported
    assert not re.search(r"\b(UA|RU)-\d\b", exported)  # record ids only as commitments
    entries = [json.loads(line) for line in exported.splitlines()[1:] if '"seq"' in line]
    assert any(e["type"] == "PersonReceived" for e in entries)
    verified = parley("verify", "log.jsonl").stdout
    assert "verifies" in verified


def test_the_demo_runs_the_seed_formula_to_round_three(tmp_path: Path) -> None:
    parley = Parley(tmp_path, None)
    out = parley("demo", "--dir", "demo", "--no-serve", timeout=600).stdout
    assert "declined to go (the parties see only withdrawn_by_neutral_verification)" in out
    assert "not brought" in out
    assert out.count("signed by all three") == 3
    assert re.search(r"tranche 3 closed balanced", out)
    assert "the exchange is complete: 3 of 3 tranches closed" in out
    assert "r2-next-round: precondition met" in out
    assert "received: yes" in out
    assert "handed over: yes" in out
    # A login for each role, to sign in to the API the demo would now serve.
    for user in ("mediator", "ua-office", "ru-office", "verifier", "observer", "admin"):
        assert re.search(rf"│ {user}\s+│", out), user
    assert "demo-mediator-password" in out
    assert re.search(r"parley_[A-Za-z0-9_-]{43}", out)
    manifests = sorted(p.name for p in (tmp_path / "demo" / "manifests").glob("*.json"))
    assert "tranche-1-UA-v3.json" in manifests
    assert "tranche-1-RU-v2.json" in manifests
