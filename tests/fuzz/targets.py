# ruff: noqa: E501  (tables of inputs: one line each reads best)
"""Fuzz targets: each takes bytes and either parses them or raises parley's own error.

``TARGETS`` maps a name to a function of one ``bytes`` argument. A target may raise
``ParleyError`` (every error parley raises on purpose, the ledger's
``VerificationFailed`` and ``InvalidValue`` included) and nothing else; the fuzz tests
and ``bench/fuzz.py`` call each with generated inputs and count the executions.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from parley.adapters.agreements import read_agreement
from parley.adapters.formats import open_table
from parley.adapters.rounds_file import read_rounds
from parley.domain.selectors import parse_selector
from parley.ledger.notes import Checkpoint, parse_note
from parley.ledger.receipt_format import read_receipt

__all__ = ["TARGETS"]

_DIR = Path(tempfile.mkdtemp(prefix="parley-fuzz-"))


def _table(suffix: str) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        path = _DIR / f"input{suffix}"
        path.write_bytes(data)
        table = open_table(path)
        try:
            for _ in table.rows():
                pass
        finally:
            table.close()

    return target


def _text(read: Callable[[str, str], object]) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        read(data.decode("utf-8", errors="replace"), "fuzz.yaml")

    return target


def _selector(data: bytes) -> None:
    parse_selector(data.decode("utf-8", errors="replace"))


def _receipt(data: bytes) -> None:
    read_receipt(data)


def _checkpoint(data: bytes) -> None:
    Checkpoint.parse(parse_note(data).text)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "csv": _table(".csv"),
    "json": _table(".json"),
    "xlsx": _table(".xlsx"),
    "agreement": _text(read_agreement),
    "rounds": _text(read_rounds),
    "selector": _selector,
    "receipt": _receipt,
    "checkpoint": _checkpoint,
}


# Valid-looking starts that the fuzzer mutates, so that it reaches past the first check.
SEEDS: dict[str, list[bytes]] = {
    "csv": [b"record_id,family_name,given_name,category\nUA-1,Petrenko,Ivan,pow\n",
            b"ID,Surname\n#person+id,#person+name+family\nUA-1,P\n"],
    "json": [b'[{"record_id": "UA-1", "family_name": "P", "given_name": "I", "category": "pow"}]'],
    "xlsx": [b"PK\x03\x04" + bytes(60)],
    "agreement": [b"agreement: a\nparties: [UA, RU]\nage_on: 2025-05-16\ntracks:\n"
                  b"  - {name: m, selector: category == pow, formula: parity}\n"
                  b"minimum_per_side: 2\ntranches: {dates: [2025-06-01], capacity_per_side: 2}\n"],
    "rounds": [b"rounds:\n  - number: 1\n    venue: V\n    status: held\n"],
    "selector": [b"category == pow and not (age < 25 or sex in [M, F])"],
    "receipt": [b"parley-receipt:1:eJyrVg", b'{"format": "parley-receipt", "version": 1}'],
    "checkpoint": ["origin\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 M AAAA\n".encode()],
}  # fmt: skip
