"""``parley keys register``, ``parley keys list``, ``parley sign`` and ``parley verify
--signature`` / ``--database`` end to end.

Each party makes its key on its own machine and hands over the public half; the
mediator registers it (a logged event) and from then on accepts a file that party
signed, anywhere and offline, only if the signature verifies with the registered key.
A key changes only when asked to, and the change is logged. The operator checks the log
the database holds, and a changed row is named by its sequence number.
"""

from __future__ import annotations

import json
import sqlite3

from tests.e2e.conftest import Parley, Result

ORIGIN = "mediator.example/exchange-2025"
# A database no command can reach: what runs with it set touches no database.
NOWHERE = "postgresql://nobody@127.0.0.1:9/none"


def _one_error(result: Result) -> str:
    assert "Traceback" not in result.stderr, result.describe()
    [line] = result.lines()
    return line


def _pub(parley: Parley, name: str) -> str:
    return (parley.cwd / name).read_text("utf-8").strip()


def test_signed_files_are_accepted_only_with_the_registered_key_of_their_signer(
    parley: Parley,
) -> None:
    parley.env["PARLEY_LOG_ORIGIN"] = ORIGIN
    offline = Parley(parley.cwd, NOWHERE)
    parley.many(*(("keys", "new", "--name", n) for n in ("MEDIATOR", "UA", "RU")))
    parley("keys", "new", "--name", "UA", "--out", "other")  # UA's next key
    parley("parties", "add", "UA", "Party UA")
    parley("parties", "add", "RU", "Party RU")
    registered = [
        parley("keys", "register", "--name", name, f"{name.lower()}.pub")
        for name in ("MEDIATOR", "UA", "RU")
    ]
    again = parley("keys", "register", "--name", "ua", "ua.pub")
    other = parley("keys", "register", "--name", "UA", "other/ua.pub", code=1)
    misnamed = parley("keys", "register", "--name", "RU", "ua.pub", code=1)
    listed = parley("keys", "list")

    (parley.cwd / "manifest.json").write_text('{"tranche":1}\n', encoding="utf-8")
    (parley.cwd / "changed.json").write_text('{"tranche":2}\n', encoding="utf-8")
    signed = offline("sign", "manifest.json", "--key", "ua.key")
    offline("sign", "manifest.json", "--key", "ru.key", "--out", "ru.sig")
    overwrite = offline("sign", "changed.json", "--key", "ua.key", "--out", "ru.sig", code=1)
    accepted, with_file = parley.many(
        ("verify", "--signature", "manifest.json.sig", "manifest.json"),
        ("verify", "--signature", "manifest.json.sig", "manifest.json", "--key-file", "ua.pub"),
    )
    changed, impostor = parley.many(
        ("verify", "--signature", "manifest.json.sig", "changed.json"),
        ("verify", "--signature", "ru.sig", "manifest.json", "--key-file", "ua.pub"),
        code=1,
    )
    replaced = parley("keys", "register", "--name", "UA", "other/ua.pub", "--replace")
    old_key = parley("verify", "--signature", "manifest.json.sig", "manifest.json", code=1)

    ua, mediator = _pub(parley, "ua.pub"), _pub(parley, "mediator.pub")
    assert [r.stdout for r in registered] == [
        f"key of {name} registered: {_pub(parley, name.lower() + '.pub')}\n"
        for name in ("MEDIATOR", "UA", "RU")
    ]
    assert again.stdout == f"key of UA already registered, unchanged: {ua}\n"
    assert _one_error(other).startswith("error: key UA: another key is registered (")
    assert _one_error(other).endswith("replacing it must be asked for (--replace), and is logged")
    assert _one_error(misnamed) == "error: --name: ua.pub holds the key of UA, not RU"
    assert [line.split("  registered ")[0] for line in listed.lines("stdout")] == [
        mediator,
        _pub(parley, "ru.pub"),
        ua,
    ]
    signature = json.loads((parley.cwd / "manifest.json.sig").read_text("utf-8"))
    assert (signature["format"], signature["version"], signature["key"]) == (
        "parley-signature",
        1,
        ua,
    )
    assert signed.lines("stdout") == [
        f"manifest.json signed by UA (key id {ua.split('+')[1]}), SHA-256 {signature['sha256']}",
        "signature: manifest.json.sig",
    ]
    assert "already exists; give another --out" in _one_error(overwrite)
    assert accepted.lines("stdout") == [
        "manifest.json is signed by UA: manifest.json.sig verifies with the key registered for UA",
        f"key {ua}, SHA-256 {signature['sha256']}",
    ]
    assert with_file.lines("stdout")[0].endswith("verifies with the key in ua.pub")
    assert "signs a file with SHA-256" in _one_error(changed)
    assert "the file was changed, or it is another file" in _one_error(changed)
    assert _one_error(impostor).startswith("error: ru.sig: signed by key RU ")
    assert replaced.lines("stdout")[0] == f"key of UA replaced: {_pub(parley, 'other/ua.pub')}"
    assert "not by the trusted key UA" in _one_error(old_key)


def test_the_operator_verifies_the_log_the_database_holds_and_a_changed_row_is_named(
    parley: Parley,
) -> None:
    parley.env["PARLEY_LOG_ORIGIN"] = ORIGIN
    parley.many(*(("keys", "new", "--name", n) for n in ("MEDIATOR", "UA", "RU")))
    parley("parties", "add", "UA", "Party UA")
    parley("parties", "add", "RU", "Party RU")
    unsigned = parley("verify", "--database")
    for name in ("MEDIATOR", "UA", "RU"):
        parley("keys", "register", "--name", name, f"{name.lower()}.pub")
    parley("log", "checkpoint", "--key", "mediator.key")
    witnessed = parley("log", "witness", "--key", "ua.key", "--state", "ua.json")
    checked = parley("verify", "--database")
    parley("log", "export", "--out", "log.jsonl")
    usage, other_key = parley.many(
        ("verify",), ("verify", "log.jsonl", "--log-key", "ua.pub"), code=None
    )
    own_key = parley("verify", "log.jsonl", "--log-key", "mediator.pub")

    with sqlite3.connect(parley.cwd / "e2e.db") as conn:
        [(entry,)] = conn.execute("SELECT entry FROM events WHERE seq = 4").fetchall()
        changed = bytes(entry).replace(b'"key_name":"UA"', b'"key_name":"RU"')
        conn.execute("UPDATE events SET entry = ? WHERE seq = 4", (changed,))
    conn.close()
    tampered = parley("verify", "--database", code=1)

    assert unsigned.lines("stdout")[1:] == [
        "3 log nodes and the log head agree with the entries",
        "no checkpoint covers them: nothing signed vouches for them yet",
    ]
    assert witnessed.lines("stdout")[0].startswith("UA co-signed the checkpoint of size 5")
    lines = checked.lines("stdout")
    assert lines[0].startswith("the database's log verifies: 5 entries, root ")
    assert lines[1:] == [
        "8 log nodes and the log head agree with the entries",
        f"origin {ORIGIN}, log key {_pub(parley, 'mediator.pub')} (registered)",
        "2 checkpoints verified",
        "the latest, of size 5: co-signed by UA; not by RU",
    ]
    assert usage.returncode == 2
    assert "give a LOG_EXPORT, --database, or --signature FILE.sig FILE" in usage.stderr
    assert other_key.returncode == 1
    assert _one_error(other_key) == (
        f"error: the export is signed by {_pub(parley, 'mediator.pub')}, "
        f"not by the expected {_pub(parley, 'ua.pub')}"
    )
    assert own_key.lines("stdout")[0].startswith("log.jsonl verifies: 5 entries")
    assert _one_error(tampered) == (
        "error: entry 4: its leaf hash differs from log node level 0 index 3, stored when it "
        "was appended: the entry or that node was changed (the entry stored at seq 4)"
    )
