# ruff: noqa: E501  (tables of inputs: one line each reads best)
"""The hostile corpus as data: each input, the entry point it goes to, and the answer.

A case names a file of ``corpus/`` (or a body given here), who sends it where, and the
exact HTTP status and the text the answer must hold: the one clear sentence a person
acts on, naming the file and where in it. ``test_corpus.py`` runs every case against an
API on a copy of a small running exchange and checks that no table changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CASES", "Case"]

IMPORT = "/parties/UA/imports/holdings"
MANIFEST = "/exchanges/four%20for%20four/tranches/1/manifests/UA"
HANDOVER = "/exchanges/four%20for%20four/tranches/1/handover"
YAML = {"Content-Type": "application/yaml"}


@dataclass(frozen=True)
class Case:
    """One hostile input.

    Attributes:
        id: the test's name.
        entry: the entry point (``import``, ``agreement``, ``rounds``, ``receipt``,
            ``checkpoint``, ``signature``, ``api``).
        path: where it is posted.
        status: the HTTP status it must get.
        says: text the answer (its ``detail`` and problems) must hold.
        file: the corpus file sent as the body, or None.
        json: a JSON body, or None.
        body: raw bytes sent as the body, or None.
        who: the user who sends it.
        headers: extra headers.
    """

    id: str
    entry: str
    path: str
    status: int
    says: str
    file: str | None = None
    json: object = None
    body: bytes | None = None
    who: str = "own"
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""


def _import(id: str, file: str, status: int, says: str, query: str = "") -> Case:
    headers = {"Content-Disposition": f'attachment; filename="{file}"'}
    return Case(id, "import", IMPORT, status, says, file=file, headers=headers, query=query)


def _agreement(id: str, file: str, status: int, says: str) -> Case:
    return Case(id, "agreement", "/agreements/check", status, says, file=file, who="mediator",
                headers=YAML)  # fmt: skip


def _rounds(id: str, file: str, status: int, says: str) -> Case:
    return Case(id, "rounds", "/rounds", status, says, file=file, who="mediator", headers=YAML)


# --- import files ---------------------------------------------------------------------
IMPORTS = [
    ("empty", "empty.csv"), ("bom-only", "bom-only.csv"), ("header-only", "header-only.csv"),
    ("blank-lines-only", "blank-lines-only.csv"), ("nul-bytes", "nul-bytes.csv"),
    ("utf-16-le", "utf-16-le.csv"), ("utf-16-be", "utf-16-be.csv"), ("utf-32", "utf-32.csv"),
    ("old-excel", "old-excel.xls"), ("pdf-named-csv", "pdf-named-csv.csv"),
    ("koi8-u-too-short-to-tell", "koi8-u-short.csv"), ("lone-0xff-byte", "lone-0xff-byte.csv"),
    ("overlong-utf-8", "overlong-utf-8.csv"), ("utf-8-surrogate", "utf-8-surrogate.csv"),
    ("mixed-encodings", "mixed-encodings.csv"), ("unclosed-quote", "unclosed-quote.csv"),
    ("quote-in-bare-cell", "quote-in-bare-cell.csv"),
    ("no-record-id-column", "no-record-id-column.csv"), ("column-twice", "column-twice.csv"),
    ("unknown-column", "unknown-column.csv"), ("too-many-cells", "too-many-cells.csv"),
    ("cell-over-csv-limit", "cell-over-csv-limit.csv"),
    ("line-over-64-kb", "line-over-64-kb.csv"), ("ten-thousand-columns", "ten-thousand-columns.csv"),
    ("unknown-hxl-hashtag", "unknown-hxl-hashtag.csv"), ("cr-only-line-ends", "cr-only-line-ends.csv"),
    ("homoglyph-name", "homoglyph-name.csv"),
    ("mixed-script-id", "mixed-script-id.csv"), ("fullwidth-digit-id", "fullwidth-digit-id.csv"),
    ("right-to-left-override", "right-to-left-override.csv"),
    ("zero-width-in-name", "zero-width-in-name.csv"), ("zero-width-in-id", "zero-width-in-id.csv"),
    ("control-char-in-id", "control-char-in-id.csv"), ("path-in-id", "path-in-id.csv"),
    ("sql-in-id", "sql-in-id.csv"), ("empty-id", "empty-id.csv"),
    ("digits-as-name", "digits-as-name.csv"), ("emoji-name", "emoji-name.csv"),
    ("formula-equals", "formula-equals.csv"), ("formula-plus", "formula-plus.csv"),
    ("formula-minus", "formula-minus.csv"), ("formula-at", "formula-at.csv"),
    ("formula-in-free-text", "formula-in-free-text.csv"), ("duplicate-ids", "duplicate-ids.csv"),
    ("contradictory-rows", "contradictory-rows.csv"), ("unknown-category", "unknown-category.csv"),
    ("impossible-date", "impossible-date.csv"), ("year-zero-date", "year-zero-date.csv"),
    ("five-digit-year", "five-digit-year.csv"), ("born-after-captured", "born-after-captured.csv"),
    ("ill-without-basis", "ill-without-basis.csv"),
    ("json-object-not-array", "json-object-not-array.json"),
    ("json-truncated", "json-truncated.json"), ("json-trailing-garbage", "json-trailing-garbage.json"),
    ("json-deep-nesting", "json-deep-nesting.json"), ("json-deep-in-record", "json-deep-in-record.json"),
    ("json-huge-number", "json-huge-number.json"), ("json-long-integer", "json-long-integer.json"),
    ("json-nan", "json-nan.json"), ("json-lone-surrogate", "json-lone-surrogate.json"),
    ("json-null-record", "json-null-record.json"), ("json-number-name", "json-number-name.json"),
    ("json-duplicate-key", "json-duplicate-key.json"), ("json-nested-value", "json-nested-value.json"),
    ("json-windows-1251", "json-cp1251.json"), ("json-record-over-limit", "json-record-over-limit.json"),
    ("xlsx-not-a-zip", "not-a-zip.xlsx"), ("xlsx-damaged-zip", "damaged-zip.xlsx"),
    ("xlsx-zip-without-workbook", "zip-without-workbook.xlsx"),
    ("xlsx-xml-entity-bomb", "xml-entity-bomb.xlsx"), ("xlsx-malformed-sheet", "malformed-sheet-xml.xlsx"),
    ("xlsx-external-entity", "external-entity.xlsx"), ("xlsx-formula-cell", "formula-cell.xlsx"),
]  # fmt: skip
AGREEMENTS = [
    "billion-laughs", "anchor-alias", "merge-key", "deep-nesting", "deep-block-nesting",
    "unknown-key", "huge-capacity", "negative-minimum", "infinite-lead", "nan-minimum",
    "float-capacity", "year-10000", "many-dates", "python-tag", "tab-indent", "a-list", "empty",
    "not-utf-8", "duplicate-key", "selector-eval", "selector-deep-parens", "selector-deep-not",
    "selector-unknown-field", "selector-control-char", "selector-too-long",
]  # fmt: skip
ROUNDS = ["billion-laughs", "unknown-key", "huge-number", "not-yaml", "deep-nesting"]

_R = "/receipts/verify"
_W = "/log/witness"
_S = MANIFEST + "/signatures"
_BAD_ZLIB = "parley-receipt:1:" + "A" * 40
BODIES: list[tuple[str, str, str, str | None, object, bytes | None]] = [
    # (id, entry, path, who, json, raw body)
    ("receipt-empty", "receipt", _R, None, {"receipt": ""}, None),
    ("receipt-wrong-prefix", "receipt", _R, None, {"receipt": "receipt:1:AAAA"}, None),
    ("receipt-not-base64url", "receipt", _R, None, {"receipt": "parley-receipt:1:@@@@"}, None),
    ("receipt-truncated", "receipt", _R, None, {"receipt": "parley-receipt:1:eJzT"}, None),
    ("receipt-not-zlib", "receipt", _R, None, {"receipt": _BAD_ZLIB}, None),
    ("receipt-non-ascii", "receipt", _R, None, {"receipt": "parley-receipt:1:АААА"}, None),
    ("receipt-json-not-object", "receipt", _R, None, {"receipt": "[1, 2]"}, None),
    ("receipt-json-extra-key", "receipt", _R, None, {"receipt": '{"format": 1, "x": 2}'}, None),
    ("receipt-a-number", "receipt", _R, None, {"receipt": 12}, None),
    ("receipt-missing", "receipt", _R, None, {}, None),
    ("receipt-huge", "receipt", _R, None, {"receipt": "parley-receipt:1:" + "A" * 900_000}, None),
    ("checkpoint-cosignature-truncated", "checkpoint", _W, "own",
     {"size": 1, "cosignature": "— UA AAAA"}, None),
    ("checkpoint-cosignature-no-dash", "checkpoint", _W, "own",
     {"size": 1, "cosignature": "UA AAAA"}, None),
    ("checkpoint-cosignature-not-base64", "checkpoint", _W, "own",
     {"size": 1, "cosignature": "— UA @@@@"}, None),
    ("checkpoint-size-negative", "checkpoint", _W, "own", {"size": -1, "cosignature": "— UA A"}, None),
    ("checkpoint-size-huge", "checkpoint", _W, "own",
     {"size": 2**70, "cosignature": "— UA AAAA"}, None),
    ("checkpoint-cosignature-newline", "checkpoint", _W, "own",
     {"size": 1, "cosignature": "— UA AAAA\n— RU AAAA"}, None),
    ("signature-empty-object", "signature", _S, "own", {"signature": "{}"}, None),
    ("signature-not-json", "signature", _S, "own", {"signature": "not json"}, None),
    ("signature-truncated", "signature", _S, "own", {"signature": '{"signer": "UA", "sig'}, None),
    ("signature-huge", "signature", _S, "own", {"signature": "x" * 900_000}, None),
    ("signature-a-list", "signature", _S, "own", {"signature": ["a"]}, None),
    ("api-malformed-json", "api", HANDOVER, "own", None, b'{"side": "UA", '),
    ("api-json-a-list", "api", HANDOVER, "own", [1, 2], None),
    ("api-wrong-type", "api", HANDOVER, "own", {"side": 1, "record_id": [], "action": 3}, None),
    ("api-unknown-action", "api", HANDOVER, "own",
     {"side": "UA", "record_id": "UA-6", "action": "teleport"}, None),
    ("api-side-homoglyph", "api", HANDOVER, "own",
     {"side": "UА", "record_id": "UA-6", "action": "no_show"}, None),
    ("api-record-id-control-chars", "api", HANDOVER, "own",
     {"side": "UA", "record_id": "UA-6\u0000\u202e", "action": "no_show"}, None),
    ("api-record-id-huge", "api", HANDOVER, "own",
     {"side": "UA", "record_id": "U" * 100_000, "action": "no_show"}, None),
    ("api-huge-tranche-number", "api",
     "/exchanges/four%20for%20four/tranches/99999999999999999999999/handover", "own",
     {"side": "UA", "record_id": "UA-6", "action": "no_show"}, None),
    ("api-body-over-limit", "api", HANDOVER, "own", None, b"[" + b"1," * 600_000 + b"1]"),
    ("api-deeply-nested-json", "api", HANDOVER, "own", None, b"[" * 100_000 + b"]" * 100_000),
    ("api-party-code-huge-number", "api", "/parties", "admin",
     {"code": 10**400, "name": "X", "language": "en"}, None),
    ("api-party-code-unicode", "api", "/parties", "admin",
     {"code": "ＵＡ", "name": "X", "language": "en"}, None),
    ("api-not-utf-8-json", "api", "/parties", "admin", None, b'{"code": "\xff\xfe"}'),
    ("api-session-wrong-types", "api", "/session", None, {"name": ["a"], "password": {}}, None),
]  # fmt: skip


def _expected() -> dict[str, tuple[int, str]]:
    import json
    from pathlib import Path

    table = json.loads((Path(__file__).parent / "expected.json").read_text("utf-8"))
    return {id: (status, says) for id, (status, says) in table.items()}


def _cases() -> list[Case]:
    expect = _expected()
    out: list[Case] = []
    for id, file in IMPORTS:
        out.append(_import(id, file, *expect.get(id, (0, "?"))))
    out.append(
        _import("windows-1251-declared-utf-8", "windows-1251.csv",
                *expect.get("windows-1251-declared-utf-8", (0, "?")), query="?encoding=utf-8")
    )  # fmt: skip
    for name in AGREEMENTS:
        id = f"agreement-{name}"
        out.append(_agreement(id, f"{id}.yaml", *expect.get(id, (0, "?"))))
    for name in ROUNDS:
        id = f"rounds-{name}"
        out.append(_rounds(id, f"{id}.yaml", *expect.get(id, (0, "?"))))
    for id, entry, path, who, json_body, raw in BODIES:
        status, says = expect.get(id, (0, "?"))
        headers = {"Idempotency-Key": f"hostile-{id}"} if path == HANDOVER else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
        out.append(Case(id, entry, path, status, says, json=json_body, body=raw,
                        who=who or "", headers=headers))  # fmt: skip
    return out


CASES = _cases()
