"""``parley users`` and ``parley tokens`` end to end.

An administrator adds the users of the API and makes their tokens. A token is printed
once, alone on standard output, and nowhere else ever again: not by ``tokens list``,
not in the database. A password comes in on standard input, never as an argument.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys

from tests.e2e.conftest import Parley, Result

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r"parley_[A-Za-z0-9_-]{43}")


def _with_stdin(parley: Parley, stdin: str, *args: str, code: int = 0) -> Result:
    """Run ``parley ARGS`` with ``stdin`` on its standard input."""
    done = subprocess.run(
        [sys.executable, "-m", "parley", *args],
        cwd=parley.cwd,
        env=parley.env,
        input=stdin.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    result = Result(tuple(args), done.returncode, done.stdout, done.stderr.decode())
    assert result.returncode == code, result.describe()
    return result


def _database_text(parley: Parley) -> str:
    """Every statement that would rebuild the SQLite database, rows included."""
    with sqlite3.connect(parley.cwd / "e2e.db") as conn:
        return "\n".join(conn.iterdump())


def test_a_token_is_printed_once_and_never_shown_or_stored_again(parley: Parley) -> None:
    parley("parties", "add", "UA", "Party UA")
    added = _with_stdin(
        parley,
        PASSWORD + "\n",
        *("users", "add", "ua-office", "--role", "party", "--party", "ua", "--password-stdin"),
    )
    mediator = parley("users", "add", "mediator", "--role", "mediator")
    made = parley("tokens", "new", "ua-office", "--label", "UA upload", "--days", "30")
    users, tokens, own = parley.many(
        ("users", "list"), ("tokens", "list"), ("tokens", "list", "ua-office")
    )

    assert "user ua-office added: party of UA, signs in with a password" in added.stdout
    assert "user mediator added: mediator, signs in with API tokens only" in mediator.stdout
    [token] = made.lines("stdout")
    assert TOKEN.fullmatch(token)
    assert "token 1 for ua-office" in made.stderr
    assert "it will not be shown again" in made.stderr
    assert re.search(r"ua-office\s+│\s+party\s+│\s+UA", users.stdout)
    assert "$argon2" not in users.stdout
    for listed in (tokens, own):
        assert re.search(r"1\s+│\s+ua-office\s+│\s+UA upload\s+│.*│\s+active", listed.stdout)
        assert token not in listed.stdout
        assert "parley_" not in listed.stdout
    stored = _database_text(parley)
    assert token not in stored
    assert PASSWORD not in stored

    revoked = parley("tokens", "revoke", "1")
    after = parley("tokens", "list")
    unknown = parley("tokens", "revoke", "99", code=1)

    assert "token 1 of ua-office (UA upload) revoked since" in revoked.stdout
    assert re.search(r"│\s+revoked", after.stdout)
    assert unknown.lines() == ["error: no token has id 99; 'parley tokens list' shows them"]


def test_a_password_is_read_from_standard_input_and_never_echoed(parley: Parley) -> None:
    short = _with_stdin(
        parley,
        "hunter2\n",
        *("users", "add", "mediator", "--role", "mediator", "--password-stdin"),
        code=1,
    )
    parley("users", "add", "mediator", "--role", "mediator")
    as_argument = parley("users", "password", "mediator", code=1)
    changed = _with_stdin(
        parley, "a much better passphrase\n", "users", "password", "mediator", "--password-stdin"
    )

    assert short.lines() == ["error: password: must be at least 12 characters long"]
    assert "never as an argument" in as_argument.stderr
    assert changed.stdout.strip() == "password of mediator set"
    assert "a much better passphrase" not in changed.stdout + changed.stderr


def test_a_disabled_user_keeps_no_live_token_and_gets_no_new_one(parley: Parley) -> None:
    parley("users", "add", "observer", "--role", "observer")
    parley("tokens", "new", "observer", "--label", "reports")
    disabled = parley("users", "disable", "observer")
    listed, users = parley.many(("tokens", "list", "observer"), ("users", "list"))
    refused = parley("tokens", "new", "observer", "--label", "again", code=1)
    too_long = parley("tokens", "new", "observer", "--label", "x", "--days", "400", code=1)
    no_party = parley("users", "add", "ru-office", "--role", "party", "--party", "RU", code=1)

    assert "user observer disabled since" in disabled.stdout
    assert "revoked" in listed.stdout
    assert re.search(r"observer\s+│\s+observer\s+│\s+│.*UTC\s+│\s+\d{4}-", users.stdout)
    assert refused.lines() == ["error: user: observer is disabled; a disabled user gets no token"]
    assert too_long.lines() == ["error: --days: a token is valid for 1 to 365 days (got 400)"]
    assert no_party.lines() == ["error: unknown party 'RU' (known parties: none yet)"]
