"""``parley keys``, ``parley log`` and ``parley verify``: keys, checkpoints, witnesses, proof.

The mediator signs checkpoints of the public log; each party co-signs them as a witness
after checking that they extend the last one it co-signed; anyone verifies an export of
the log with the mediator's and the parties' public keys. docs/ledger.md tells the story.
"""

from __future__ import annotations

import base64
import functools
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from parley import bootstrap
from parley.config import Settings
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import counted, out
from parley.entrypoints.cli.receipts import check_receipt
from parley.entrypoints.cli.verification import replay_database, verify_elsewhere
from parley.errors import ExportFailed, InvalidValue, NotFound, VerificationFailed
from parley.ledger.keys import (
    SigningKey,
    VerifierKey,
    load_signing_key,
    load_verifier_key,
    write_key_pair,
)
from parley.ledger.notes import Checkpoint, Witness, WitnessState, parse_note
from parley.ledger.verify import LogReport, verify_log
from parley.services.keys import MEDIATOR, registered_key
from parley.services.ledger import export_log, sign_checkpoint, witness_checkpoint
from parley.services.ports import StoredCheckpoint

__all__ = ["keys_app", "log_app", "read_witness_state", "verify", "write_witness_state"]

keys_app = typer.Typer(help="Ed25519 keys of the parties and the mediator.", no_args_is_help=True)
log_app = typer.Typer(
    help="The public log: sign checkpoints, co-sign them as a witness, export it.",
    no_args_is_help=True,
)

KeyOpt = Annotated[
    Path, typer.Option("--key", help="Private key file (parley keys new); asks its passphrase.")
]


def _say(text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@keys_app.command("new")
def keys_new(
    name: Annotated[str, typer.Option("--name", help="UA, RU or MEDIATOR: whose key this is.")],
    directory: Annotated[
        Path, typer.Option("--out", help="Folder to write name.key and name.pub into.")
    ] = Path("."),
    passphrase: Annotated[
        bool, typer.Option("--passphrase", help="Encrypt the private key (asked twice).")
    ] = False,
) -> None:
    """Make an Ed25519 key pair: name.key (mode 0600) and name.pub. Never overwrites a key."""
    key = SigningKey.generate(name.upper())
    path = _key_path(directory, key.name)
    secret = _new_passphrase() if passphrase else None
    public = write_key_pair(key, path, secret)
    _say(key.verifier.to_text())
    _say(f"private key: {path} (mode 0600{', encrypted' if secret else ''}; {key.name} keeps it)")
    _say(f"public key: {public} (give it to everyone who verifies: parties, observers)")


@log_app.command("checkpoint")
def log_checkpoint(key_file: KeyOpt) -> None:
    """Sign the public log as it stands with the mediator's key, and keep the checkpoint."""
    config, key = settings(), _signing_key(key_file)
    uow = bootstrap.unit_of_work(bootstrap.connect(config))
    stored = sign_checkpoint(uow, key, origin=config.log_origin, now=datetime.now(UTC))
    root = _b64(Checkpoint.parse(parse_note(stored.note).text).root_hash)
    _say(f"checkpoint signed by {key.name}: size {stored.size:,}, root {root}")
    _say(stored.note.rstrip("\n"))


@log_app.command("witness")
def log_witness(
    key_file: KeyOpt,
    state_file: Annotated[
        Path,
        typer.Option("--state", help="This witness's memory (JSON); made on first use."),
    ],
    log_key: Annotated[
        Path | None,
        typer.Option(
            "--log-key",
            help="The mediator's public key file (mediator.pub); by default the MEDIATOR key "
            "registered in the database.",
        ),
    ] = None,
) -> None:
    """Co-sign the latest checkpoint as a party's witness, if it extends the last one it
    co-signed (checked with a consistency proof); exit 1 on a smaller or forked log."""
    config, key = settings(), _signing_key(key_file)
    before = read_witness_state(state_file, config.log_origin)
    witness = Witness(key, _mediator_key(log_key, config), before)
    uow = bootstrap.unit_of_work(bootstrap.connect(config))
    keep = functools.partial(write_witness_state, state_file)
    stored = witness_checkpoint(uow, witness, now=datetime.now(UTC), keep=keep)
    _show_cosigned(key, before, stored, state_file)


@log_app.command("export")
def log_export(
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The export file to write.")],
) -> None:
    """Write the public log (entries without salts or names, and the checkpoints)."""
    config = settings()
    uow = bootstrap.unit_of_work(bootstrap.connect(config), read_only=True)
    partial = out_file.with_name(f".{out_file.name}.partial")
    try:
        with partial.open("wb") as stream:
            entries = export_log(uow, stream, origin=config.log_origin)
        partial.replace(out_file)
    except OSError as e:
        raise ExportFailed(f"cannot write {out_file}: {e.strerror}") from e
    finally:
        partial.unlink(missing_ok=True)
    _say(f"{counted(entries, 'entries')} and the checkpoints written to {out_file}")


def verify(
    log_export: Annotated[
        Path | None,
        typer.Argument(help="A log export (parley log export); with --signature, the file."),
    ] = None,
    witnesses: Annotated[
        list[Path] | None,
        typer.Option("--witness", metavar="KEY.pub", help="A party's public key (repeatable)."),
    ] = None,
    database: Annotated[
        bool,
        typer.Option("--database", help="Verify the log the database holds, nodes and all."),
    ] = False,
    signature: Annotated[
        Path | None,
        typer.Option("--signature", metavar="FILE.sig", help="Check this signature of the file."),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file", metavar="KEY.pub", help="The signer's key, not the registered one."
        ),
    ] = None,
    log_key: Annotated[
        Path | None,
        typer.Option(
            "--log-key",
            metavar="MEDIATOR.pub",
            help="The log must be signed with this key (--database: the registered one).",
        ),
    ] = None,
    receipt_file: Annotated[
        Path | None,
        typer.Option("--receipt", metavar="FILE", help="A person's receipt (parley receipt)."),
    ] = None,
    log_file: Annotated[
        Path | None,
        typer.Option("--log", metavar="LOG_EXPORT", help="With --receipt: the export to check."),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Rebuild every tranche's balance from the database's log and compare it "
            "with the tables.",
        ),
    ] = False,
) -> None:
    """Verify a public log export from its bytes alone: every entry, root, checkpoint
    signature and co-signature. Exits 1 naming the first problem, e.g. "entry 17: ...".
    --database verifies the log the database holds; --signature FILE.sig FILE a signed file;
    --receipt FILE --log-key MEDIATOR.pub [--log LOG_EXPORT] a person's receipt;
    --replay the balances in the tables against the log."""
    keys = [load_verifier_key(path) for path in witnesses or []]
    if replay:
        if log_export is not None or signature is not None or receipt_file is not None:
            raise typer.BadParameter("--replay checks the database: give no file with it")
        replay_database()
        return
    if receipt_file is not None or log_file is not None:
        mixed = database or signature is not None
        check_receipt(receipt_file, log_key, keys, log_file, stray=log_export, mixed=mixed)
        return
    if database or signature is not None or log_export is None:
        verify_elsewhere(log_export, database, signature, key_file, keys, log_key)
        return
    try:
        with log_export.open("rb") as lines:
            report = verify_log(lines, witnesses=keys)
    except OSError as e:
        raise NotFound(f"cannot read {log_export}: {e.strerror}") from e
    if log_key is not None:
        _check_log_key(report.log_key, load_verifier_key(log_key), "the export")
    _show_report(log_export, report, [k.name for k in keys])


def _show_cosigned(
    key: SigningKey, before: WitnessState, stored: StoredCheckpoint, state_file: Path
) -> None:
    """Say what was co-signed, then the co-signature line (the state is stored by now)."""
    since = (
        "its first"
        if not before.size
        else "the tree it co-signed before"
        if before.size == stored.size
        else f"consistent with size {before.size:,} co-signed before"
    )
    done = f"{key.name} co-signed the checkpoint of size {stored.size:,} ({since})"
    _say(f"{done}; {state_file} remembers it")
    mine = (key.name, key.key_id)
    signature = next(s for s in parse_note(stored.note).signatures if (s.name, s.key_id) == mine)
    _say(signature.line.rstrip("\n"))


def _show_report(path: Path, report: LogReport, witnesses: list[str]) -> None:
    _say(f"{path} verifies: {counted(report.entries, 'entries')}, root {_b64(report.root)}")
    _say(f"origin {report.origin}, log key {report.log_key.to_text()}")
    _say(f"{counted(len(report.checkpoints), 'checkpoints')} verified")
    if report.checkpoints:
        latest = report.checkpoints[-1]
        missing = [name for name in witnesses if name not in latest.witnesses]
        if not witnesses:
            cosigned = "co-signatures not checked (give --witness UA.pub --witness RU.pub)"
        else:
            cosigned = f"co-signed by {', '.join(latest.witnesses) or 'no one'}"
            cosigned += f"; not by {', '.join(missing)}" if missing else ""
        _say(f"the latest, of size {latest.checkpoint.size:,}: {cosigned}")
    if report.unsigned:
        _say(f"{counted(report.unsigned, 'entries')} after the latest checkpoint: not signed yet")


def _key_path(directory: Path, name: str) -> Path:
    """``DIR/ua.key`` for the key named ``UA``; the folder is made (0700) if missing."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise InvalidValue("--name", f"{name!r} cannot name a key file (no '/', '\\' or '.')")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory / f"{name.lower()}.key"


def _new_passphrase() -> bytes:
    secret: str = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
    return secret.encode()


def _signing_key(path: Path) -> SigningKey:
    """Load a private key, asking for its passphrase only when the file is encrypted."""
    try:
        encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in path.read_bytes()
    except OSError:
        encrypted = False  # load_signing_key says what is wrong with the file
    if not encrypted:
        return load_signing_key(path)
    secret: str = typer.prompt(f"Passphrase of {path}", hide_input=True)
    return load_signing_key(path, secret.encode())


def read_witness_state(path: Path, origin: str) -> WitnessState:
    """The witness's last co-signed checkpoint; a witness without a file has co-signed none.

    Raises:
        InvalidValue: the file cannot be read or does not hold a witness state.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return WitnessState.empty(origin)
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidValue(f"witness state {path}", "cannot be read as text") from e
    try:
        return WitnessState.from_json(text)
    except InvalidValue as e:
        raise InvalidValue(f"witness state {path}", e.message) from e


def write_witness_state(path: Path, state: WitnessState) -> None:
    """Replace ``path`` by ``state`` so that a crash leaves the old state or the new one.

    Raises:
        ExportFailed: the file cannot be written; the co-signature is then not stored.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="\n") as file:
            file.write(state.to_json() + "\n")
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)
        if os.name == "posix":  # make the rename itself durable
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except OSError as e:
        temporary.unlink(missing_ok=True)
        raise ExportFailed(
            f"cannot write the witness state {path} ({e.strerror}); nothing was co-signed"
        ) from e


def _mediator_key(path: Path | None, config: Settings) -> VerifierKey:
    """The mediator's key: from ``path``, or else the one registered in the database.

    Raises:
        NotFound: no path given and no MEDIATOR key registered.
    """
    if path is not None:
        return load_verifier_key(path)
    uow = bootstrap.unit_of_work(bootstrap.connect(config), read_only=True)
    key = registered_key(uow, MEDIATOR)
    if key is None:
        raise NotFound(
            "no MEDIATOR key is registered (parley keys register --name MEDIATOR "
            "mediator.pub); give --log-key mediator.pub"
        )
    return key


def _check_log_key(found: VerifierKey, expected: VerifierKey, what: str) -> None:
    """Refuse a log signed with another key than the one expected.

    Raises:
        VerificationFailed: the keys differ.
    """
    if found != expected:
        raise VerificationFailed(
            f"{what} is signed by {found.to_text()}, not by the expected {expected.to_text()}"
        )
