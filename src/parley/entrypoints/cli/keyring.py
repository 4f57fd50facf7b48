"""``parley keys register``, ``parley keys list`` and ``parley sign``: whose signatures count.

The mediator registers each party's public key (and its own) in the database; a file a
party signs on its own machine with ``parley sign`` is accepted only if its signature
verifies with that key (``parley verify --signature``). docs/ledger.md tells the story.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from parley import bootstrap
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.ledger import KeyOpt, _say, _signing_key
from parley.errors import ExportFailed, InvalidValue, NotFound
from parley.ledger.keys import load_verifier_key
from parley.ledger.signatures import file_digest, sign_file
from parley.services.keys import list_keys, register_key

__all__ = ["keys_list", "keys_register", "sign"]


def keys_register(
    public_file: Annotated[
        Path, typer.Argument(help="The public key file (ua.pub), as its owner handed it over.")
    ],
    name: Annotated[str, typer.Option("--name", help="UA, RU or MEDIATOR: whose key this is.")],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace the key registered under this name (logged)."),
    ] = False,
) -> None:
    """Register a party's or the mediator's public key: their signatures must match it.
    A name keeps its key; a different one is refused without --replace."""
    config = settings()
    key = load_verifier_key(public_file)
    if key.name != name.upper():
        raise InvalidValue("--name", f"{public_file} holds the key of {key.name}, not {name}")
    uow = bootstrap.unit_of_work(bootstrap.connect(config))
    done = register_key(uow, key, replace=replace, actor=config.actor, now=datetime.now(UTC))
    if not done.changed:
        _say(f"key of {key.name} already registered, unchanged: {key.to_text()}")
    elif done.replaced is not None:
        _say(f"key of {key.name} replaced: {key.to_text()}")
        _say(f"it replaces key id {done.replaced.key_id.hex()}, which no longer counts; logged")
    else:
        _say(f"key of {key.name} registered: {key.to_text()}")


def keys_list() -> None:
    """List the registered public keys, one a line, with when each was registered."""
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    keys = list_keys(uow)
    if not keys:
        _say("no key registered yet: parley keys register --name UA ua.pub")
    for registered in keys:
        since = f"{registered.registered_at:%Y-%m-%d %H:%M} UTC"
        _say(f"{registered.key.to_text()}  registered {since}")


def sign(
    file: Annotated[Path, typer.Argument(help="The file to sign, e.g. a manifest.")],
    key_file: KeyOpt,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the signature (default FILE.sig)."),
    ] = None,
) -> None:
    """Sign a file's bytes with your private key, offline (no database): writes a
    detached signature, FILE.sig, to hand over with the file."""
    key = _signing_key(key_file)
    try:
        with file.open("rb") as stream:
            digest = file_digest(stream)
    except OSError as e:
        raise NotFound(f"cannot read {file}: {e.strerror}") from e
    target = out_file or file.with_name(f"{file.name}.sig")
    text = sign_file(digest, key).to_text()
    _write_new(target, text)
    _say(f"{file} signed by {key.name} (key id {key.key_id.hex()}), SHA-256 {digest.hex()}")
    _say(f"signature: {target}")


def _write_new(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, which must not hold anything else (another signature).

    Raises:
        InvalidValue: ``path`` holds something else.
        ExportFailed: it cannot be written.
    """
    try:
        existing: bytes | None = path.read_bytes()
    except FileNotFoundError:
        existing = None
    except OSError as e:
        raise ExportFailed(f"cannot write {path}: {e.strerror}") from e
    if existing == text.encode():
        return  # Ed25519 is deterministic: signing again makes the same signature
    if existing is not None:
        raise InvalidValue(f"signature file {path}", "already exists; give another --out")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as e:
        raise ExportFailed(f"cannot write {path}: {e.strerror}") from e
    finally:
        partial.unlink(missing_ok=True)
