"""``parley verify --signature FILE.sig FILE`` and ``parley verify --database``.

A signed file is accepted only with the registered key of its signer (or a key file
given); the database's log is checked as an observer checks an export, and against its
stored nodes and head. docs/ledger.md tells the story.
"""

from __future__ import annotations

import base64
from pathlib import Path

import typer

from parley import bootstrap
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import counted, out
from parley.errors import InvalidValue, NotFound, VerificationFailed
from parley.ledger.keys import VerifierKey, load_verifier_key
from parley.ledger.signatures import FileSignature, file_digest, verify_file_signature
from parley.services.keys import MEDIATOR, list_keys, registered_key
from parley.services.log_check import DatabaseReport, verify_database
from parley.services.replay import replay_balances

__all__ = ["replay_database", "verify_elsewhere"]


def _say(text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def verify_elsewhere(
    file: Path | None,
    database: bool,
    signature: Path | None,
    key_file: Path | None,
    witnesses: list[VerifierKey],
    log_key: Path | None,
) -> None:
    """``parley verify --database`` and ``parley verify --signature FILE.sig FILE``."""
    if database and (file is not None or signature is not None):
        raise typer.BadParameter("--database checks the database's log: give no file with it")
    if key_file is not None and signature is None:
        raise typer.BadParameter("--key-file goes with --signature FILE.sig FILE")
    if signature is not None and log_key is not None:
        raise typer.BadParameter(
            "--signature checks a file's signer: give --key-file, not --log-key"
        )
    if database:
        _verify_database(witnesses, log_key)
    elif signature is None or file is None:
        raise typer.BadParameter("give a LOG_EXPORT, --database, or --signature FILE.sig FILE")
    else:
        _verify_signature(signature, file, key_file)


def _verify_database(witnesses: list[VerifierKey], log_key: Path | None) -> None:
    """Verify the database's log; the registry supplies the keys not given."""
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    registered = {k.name: k.key for k in list_keys(uow)}
    expected = load_verifier_key(log_key) if log_key else registered.get(MEDIATOR)
    parties = witnesses or [k for name, k in registered.items() if name != MEDIATOR]
    report = verify_database(uow, witnesses=parties, log_key=expected)
    _show_database_report(report, [k.name for k in parties], given=log_key is not None)


def _show_database_report(report: DatabaseReport, witnesses: list[str], *, given: bool) -> None:
    root = _b64(report.root)
    _say(f"the database's log verifies: {counted(report.entries, 'entries')}, root {root}")
    _say(f"{counted(report.nodes, 'log nodes')} and the log head agree with the entries")
    if report.log_key is None:
        _say("no checkpoint covers them: nothing signed vouches for them yet")
        return
    source = " (the one given)" if given else " (registered)"
    _say(f"origin {report.origin}, log key {report.log_key.to_text()}{source}")
    _say(f"{counted(len(report.checkpoints), 'checkpoints')} verified")
    latest = report.checkpoints[-1]
    missing = [name for name in witnesses if name not in latest.witnesses]
    cosigned = f"co-signed by {', '.join(latest.witnesses) or 'no one'}"
    cosigned += f"; not by {', '.join(missing)}" if missing else ""
    if not witnesses:
        cosigned = "co-signatures not checked (no party key registered or given)"
    _say(f"the latest, of size {latest.checkpoint.size:,}: {cosigned}")
    if report.unsigned:
        _say(f"{counted(report.unsigned, 'entries')} after the latest checkpoint: not signed yet")


def _verify_signature(signature_file: Path, file: Path, key_file: Path | None) -> None:
    """Check a detached signature against the registered key of its signer, or ``key_file``.

    Raises:
        NotFound: a file cannot be read, or no key is registered for the signer.
        VerificationFailed: the signature is malformed, by another key, of another
            file, or does not verify.
    """
    try:
        data = signature_file.read_bytes()
        with file.open("rb") as stream:
            digest = file_digest(stream)
    except OSError as e:
        raise NotFound(f"cannot read {e.filename}: {e.strerror}") from e
    try:
        signature = FileSignature.parse(data)
    except InvalidValue as e:
        raise VerificationFailed(f"{signature_file}: {e}") from e
    name = signature.key.name
    if key_file is not None:
        trusted, source = load_verifier_key(key_file), f"the key in {key_file}"
    else:
        uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
        found = registered_key(uow, name)
        if found is None:
            raise NotFound(
                f"{signature_file}: no key is registered for {name} "
                f"(parley keys register --name {name} {name.lower()}.pub), nor given (--key-file)"
            )
        trusted, source = found, f"the key registered for {name}"
    try:
        verify_file_signature(signature, digest, trusted)
    except VerificationFailed as e:
        raise VerificationFailed(f"{signature_file}: {e}") from e
    _say(f"{file} is signed by {name}: {signature_file} verifies with {source}")
    _say(f"key {trusted.to_text()}, SHA-256 {digest.hex()}")


def replay_database() -> None:
    """``parley verify --replay``: the log's recount of every tranche against the tables."""
    report = replay_balances(bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True))
    _say(
        f"replayed {counted(report.entries, 'entries')}: the balances of "
        f"{counted(report.tracks, 'tracks')} of the tranches agree with the tables; "
        f"{counted(report.closed, 'closed tranches')} balanced from the log alone"
    )
