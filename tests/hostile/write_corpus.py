# ruff: noqa: E501  (a table of inputs: one line each reads best)
"""Write the small files of the hostile corpus (``corpus/``); run once after changing it.

The large and the explosive inputs (a line of many megabytes, a zip bomb) are not kept
here: ``test_corpus.py`` builds them at test time. Every file here is synthetic.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
H = "record_id,family_name,given_name,category\n"


def _csv(*rows: str, header: str = H) -> bytes:
    return (header + "".join(f"{r}\n" for r in rows)).encode()


def _zip(**members: bytes | str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member.replace("__", "/").replace("_dot_", "."), data)
    return out.getvalue()


def _workbook(sheet_xml: str) -> bytes:
    """A minimal XLSX whose first sheet is ``sheet_xml``."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    return _zip(
        **{
            "[Content_Types]_dot_xml": (
                f'<?xml version="1.0"?><Types xmlns="{ct}">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
            ),
            "_rels__dot_rels": (
                f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl__workbook_dot_xml": (
                f'<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
                '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl___rels__workbook_dot_xml_dot_rels": (
                f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ),
            "xl__worksheets__sheet1_dot_xml": sheet_xml,
        }
    )


def _sheet(rows: list[list[str]], prolog: str = "") -> str:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    body = "".join(
        f'<row r="{i}">'
        + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row)
        + "</row>"
        for i, row in enumerate(rows, 1)
    )
    return f'<?xml version="1.0"?>{prolog}<worksheet xmlns="{ns}"><sheetData>{body}</sheetData></worksheet>'


HEADER_CELLS = ["record_id", "family_name", "given_name", "category"]
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)

YAML_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
AGREEMENT = """\
agreement: hostile
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {name: military, selector: category == pow, formula: parity}
minimum_per_side: 2
tranches: {dates: [2025-06-01], capacity_per_side: 2, max_lead: 1}
"""

FILES: dict[str, bytes] = {
    # --- import files: encodings and bytes ---
    "empty.csv": b"",
    "bom-only.csv": b"\xef\xbb\xbf",
    "header-only.csv": H.encode(),
    "blank-lines-only.csv": b"\n\n\n\n",
    "nul-bytes.csv": _csv("UA-91,Pe\x00trenko,Ivan,pow"),
    "utf-16-le.csv": ("\ufeff" + H + "UA-91,Petrenko,Ivan,pow\n").encode("utf-16-le"),
    "utf-16-be.csv": ("\ufeff" + H + "UA-91,Petrenko,Ivan,pow\n").encode("utf-16-be"),
    "utf-32.csv": (H + "UA-91,Petrenko,Ivan,pow\n").encode("utf-32"),
    "old-excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "pdf-named-csv.csv": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "windows-1251.csv": _csv("UA-91,Іваненко,Петро,pow").decode().encode("cp1251"),
    "koi8-u-short.csv": _csv("UA-91,Шевчук,Юрий,pow").decode().encode("koi8_u"),
    "lone-0xff-byte.csv": H.encode() + b"UA-91,Petrenko\xff,Ivan,pow\n",
    "overlong-utf-8.csv": H.encode() + b"UA-91,Petrenko\xc0\xaf,Ivan,pow\n",
    "utf-8-surrogate.csv": H.encode() + b"UA-91,Petrenko\xed\xa0\x80,Ivan,pow\n",
    "mixed-encodings.csv": _csv(*(f"UA-M{i:04d},Petrenko,Ivan,pow" for i in range(2800)))
    + "UA-X,Іваненко,Петро,pow\n".encode("cp1251"),
    # --- import files: structure ---
    "unclosed-quote.csv": _csv('UA-91,"Petrenko,Ivan,pow', "UA-92,Petrenko,Ivan,pow"),
    "quote-in-bare-cell.csv": _csv('UA-91,Pet"renko,Ivan,pow'),
    "no-record-id-column.csv": _csv(
        "Petrenko,Ivan,pow", header="family_name,given_name,category\n"
    ),
    "column-twice.csv": _csv(
        "UA-91,Petrenko,Petrenko,Ivan,pow",
        header="record_id,family_name,Family Name,given_name,category\n",
    ),
    "unknown-column.csv": _csv(
        "UA-91,Petrenko,Ivan,pow,x", header="record_id,family_name,given_name,category,shoe_size\n"
    ),
    "too-many-cells.csv": _csv("UA-91,Petrenko,Ivan,pow,extra,more"),
    "cell-over-csv-limit.csv": _csv(f"UA-91,{'A' * 140_000},Ivan,pow"),
    "line-over-64-kb.csv": _csv("UA-91,Petrenko,Ivan,pow," + "," * 70_000),
    "ten-thousand-columns.csv": _csv(
        ",".join(["UA-91", "Petrenko", "Ivan", "pow"] + ["x"] * 10_000),
        header=H.strip() + "," + ",".join(f"c{i}" for i in range(10_000)) + "\n",
    ),
    "unknown-hxl-hashtag.csv": _csv(
        "UA-91,Petrenko,Ivan,pow",
        header="ID,Surname,Name,Category\n#person+id,#person+name+family,#person+shoe,"
        "#status+category\n",
    ),
    "cr-only-line-ends.csv": (H.strip() + "\rUA-91,Petrenko,Ivan,pow\r").encode(),
    # --- import files: names and ids ---
    "homoglyph-name.csv": _csv("UA-91,Pеtrenko,Ivan,pow"),  # a Cyrillic е among Latin
    "mixed-script-id.csv": _csv("UA-9І,Petrenko,Ivan,pow"),  # a Cyrillic І in the id
    "fullwidth-digit-id.csv": _csv("UA-９１,Petrenko,Ivan,pow"),
    "right-to-left-override.csv": _csv("UA-91,Petr\u202eokne,Ivan,pow"),
    "zero-width-in-name.csv": _csv("UA-91,Petr\u200benko,Ivan,pow"),
    "zero-width-in-id.csv": _csv("UA-9\u200b1,Petrenko,Ivan,pow"),
    "control-char-in-id.csv": _csv("UA-9\x071,Petrenko,Ivan,pow"),
    "path-in-id.csv": _csv("../../etc/passwd,Petrenko,Ivan,pow"),
    "sql-in-id.csv": _csv("UA-1'; DROP TABLE holdings;--,Petrenko,Ivan,pow"),
    "other-partys-id.csv": _csv("RU-91,Petrenko,Ivan,pow"),
    "empty-id.csv": _csv(",Petrenko,Ivan,pow"),
    "digits-as-name.csv": _csv("UA-91,12345,Ivan,pow"),
    "emoji-name.csv": _csv("UA-91,Petrenko\U0001f600,Ivan,pow"),
    "formula-equals.csv": _csv("UA-91,=CMD|' /C calc'!A0,Ivan,pow"),
    "formula-plus.csv": _csv("UA-91,+1+1,Ivan,pow"),
    "formula-minus.csv": _csv("UA-91,-2+3,Ivan,pow"),
    "formula-at.csv": _csv("UA-91,@SUM(1+1),Ivan,pow"),
    "formula-in-free-text.csv": _csv(
        'UA-91,Petrenko,Ivan,pow,=HYPERLINK("http://evil.example";"x"),1999-01-01,xx',
        header=H.strip() + ",birth_place,birth_date,sex\n",
    ),
    # --- import files: contents ---
    "duplicate-ids.csv": _csv("UA-91,Petrenko,Ivan,pow", "UA-91,Petrenko,Ivan,pow"),
    "contradictory-rows.csv": _csv(
        "UA-91,Petrenko,Ivan,pow", "UA-91,Ivanenko,Petro,civilian_internee"
    ),
    "ids-differ-only-in-case.csv": _csv("UA-91,Petrenko,Ivan,pow", "ua-91,Ivanenko,Petro,pow"),
    "unknown-category.csv": _csv("UA-91,Petrenko,Ivan,pig"),
    "impossible-date.csv": _csv(
        "UA-91,Petrenko,Ivan,pow,31.02.1999", header=H.strip() + ",birth_date\n"
    ),
    "year-zero-date.csv": _csv(
        "UA-91,Petrenko,Ivan,pow,0000-00-00", header=H.strip() + ",birth_date\n"
    ),
    "five-digit-year.csv": _csv(
        "UA-91,Petrenko,Ivan,pow,99999-01-01", header=H.strip() + ",birth_date\n"
    ),
    "born-after-captured.csv": _csv(
        "UA-91,Petrenko,Ivan,pow,2020-01-01,2019-01-01",
        header=H.strip() + ",birth_date,captured_on\n",
    ),
    "ill-without-basis.csv": _csv(
        "UA-91,Petrenko,Ivan,pow,yes", header=H.strip() + ",seriously_ill\n"
    ),
    # --- import files: JSON ---
    "json-object-not-array.json": b'{"record_id": "UA-91"}',
    "json-truncated.json": b'[{"record_id": "UA-91", "family_name": "Petr',
    "json-trailing-garbage.json": b'[{"record_id": "UA-91", "family_name": "Petrenko", '
    b'"given_name": "Ivan", "category": "pow"}] trailing',
    "json-deep-nesting.json": b"[" * 100_000 + b"]" * 100_000,
    "json-deep-in-record.json": b'[{"record_id": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]",
    "json-huge-number.json": b'[{"record_id": "UA-91", "family_name": "Petrenko", '
    b'"given_name": "Ivan", "category": "pow", "birth_date": 1e999}]',
    "json-long-integer.json": b'[{"record_id": ' + b"9" * 5000 + b', "family_name": "P", '
    b'"given_name": "Ivan", "category": "pow"}]',
    "json-nan.json": b'[{"record_id": "UA-91", "family_name": NaN, "given_name": "Ivan", '
    b'"category": "pow"}]',
    "json-lone-surrogate.json": b'[{"record_id": "UA-91", "family_name": "Pe\\ud800", '
    b'"given_name": "Ivan", "category": "pow"}]',
    "json-null-record.json": b"[null]",
    "json-number-name.json": b'[{"record_id": "UA-91", "family_name": 12, '
    b'"given_name": "Ivan", "category": "pow"}]',
    "json-duplicate-key.json": b'[{"record_id": "UA-91", "record_id": "UA-92", '
    b'"family_name": "P", "given_name": "Ivan", "category": "pow"}]',
    "json-nested-value.json": b'[{"record_id": "UA-91", "family_name": {"a": 1}, '
    b'"given_name": "Ivan", "category": "pow"}]',
    "json-cp1251.json": '[{"record_id": "UA-91", "family_name": "Іваненко"}]'.encode("cp1251"),
    "json-record-over-limit.json": b'[{"record_id": "UA-91", "family_name": "'
    + b"A" * 300_000
    + b'"}]',
    # --- import files: XLSX ---
    "not-a-zip.xlsx": b"record_id,family_name\nUA-91,Petrenko\n",
    "damaged-zip.xlsx": b"PK\x03\x04" + bytes(200),
    "zip-without-workbook.xlsx": _zip(hello_dot_txt=b"hello"),
    "xml-entity-bomb.xlsx": _workbook(
        _sheet([HEADER_CELLS, ["UA-91", "&lol9;", "Ivan", "pow"]], LAUGHS)
    ),
    "malformed-sheet-xml.xlsx": _workbook('<?xml version="1.0"?><worksheet><sheetData><row>'),
    "external-entity.xlsx": _workbook(
        _sheet(
            [HEADER_CELLS, ["UA-91", "&xxe;", "Ivan", "pow"]],
            '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        )
    ),
    "formula-cell.xlsx": _workbook(
        _sheet([HEADER_CELLS]).replace(
            "</sheetData>",
            '<row r="2"><c t="inlineStr"><is><t>UA-91</t></is></c><c><f>CMD|\' /C calc\'!A0</f>'
            '</c><c t="inlineStr"><is><t>Ivan</t></is></c><c t="inlineStr"><is><t>pow</t></is>'
            "</c></row></sheetData>",
        )
    ),
    # --- agreement files ---
    "agreement-billion-laughs.yaml": YAML_LAUGHS.encode(),
    "agreement-anchor-alias.yaml": AGREEMENT.replace("tracks:\n  - {", "tracks:\n  - &t {")
    .replace("minimum_per_side", "extra: *t\nminimum_per_side")
    .encode(),
    "agreement-merge-key.yaml": (
        "base: &b {capacity_per_side: 2, max_lead: 1}\n"
        + AGREEMENT.replace(
            "tranches: {dates: [2025-06-01], capacity_per_side: 2, max_lead: 1}",
            "tranches: {<<: *b, dates: [2025-06-01]}",
        )
    ).encode(),
    "agreement-deep-nesting.yaml": ("agreement: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
    "agreement-deep-block-nesting.yaml": "".join(f"{' ' * i}k{i}:\n" for i in range(800)).encode(),
    "agreement-unknown-key.yaml": (AGREEMENT + "shoe_size: 43\n").encode(),
    "agreement-huge-capacity.yaml": AGREEMENT.replace(
        "capacity_per_side: 2", "capacity_per_side: 100000000000000000000000000000"
    ).encode(),
    "agreement-negative-minimum.yaml": AGREEMENT.replace(
        "minimum_per_side: 2", "minimum_per_side: -1"
    ).encode(),
    "agreement-infinite-lead.yaml": AGREEMENT.replace("max_lead: 1", "max_lead: .inf").encode(),
    "agreement-nan-minimum.yaml": AGREEMENT.replace(
        "minimum_per_side: 2", "minimum_per_side: .nan"
    ).encode(),
    "agreement-float-capacity.yaml": AGREEMENT.replace(
        "capacity_per_side: 2", "capacity_per_side: 2.5"
    ).encode(),
    "agreement-year-10000.yaml": AGREEMENT.replace(
        "age_on: 2025-05-16", "age_on: 10000-01-01"
    ).encode(),
    "agreement-many-dates.yaml": AGREEMENT.replace(
        "dates: [2025-06-01]", "dates: [" + ", ".join(["2025-06-01"] * 5000) + "]"
    ).encode(),
    "agreement-python-tag.yaml": b"agreement: !!python/object/apply:os.system ['echo hi']\n",
    "agreement-tab-indent.yaml": AGREEMENT.replace("  - {", "\t- {").encode(),
    "agreement-a-list.yaml": b"- agreement\n- age_on\n",
    "agreement-empty.yaml": b"",
    "agreement-not-utf-8.yaml": AGREEMENT.replace("hostile", "обмін").encode("cp1251"),
    "agreement-duplicate-key.yaml": (AGREEMENT + "minimum_per_side: 3\n").encode(),
    "agreement-selector-eval.yaml": AGREEMENT.replace(
        "category == pow", "\"__import__('os').system('id')\""
    ).encode(),
    "agreement-selector-deep-parens.yaml": AGREEMENT.replace(
        "category == pow", '"' + "(" * 490 + "category == pow" + ")" * 490 + '"'
    ).encode(),
    "agreement-selector-deep-not.yaml": AGREEMENT.replace(
        "category == pow", '"' + "not " * 240 + "category == pow" + '"'
    ).encode(),
    "agreement-selector-unknown-field.yaml": AGREEMENT.replace(
        "category == pow", "shoe_size > 40"
    ).encode(),
    "agreement-selector-control-char.yaml": AGREEMENT.replace(
        "category == pow", '"category == pow\\u0000"'
    ).encode(),
    "agreement-selector-too-long.yaml": AGREEMENT.replace(
        "category == pow", '"' + " or ".join(["category == pow"] * 80) + '"'
    ).encode(),
    # --- rounds files ---
    "rounds-billion-laughs.yaml": YAML_LAUGHS.encode(),
    "rounds-unknown-key.yaml": b"rounds:\n  - number: 1\n    venue: V\n    status: held\n    colour: red\n",
    "rounds-huge-number.yaml": b"rounds:\n  - number: 99999999999999999999999999\n    venue: V\n    status: held\n",
    "rounds-not-yaml.yaml": b"rounds: [\n",
    "rounds-deep-nesting.yaml": ("rounds: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
}


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        old.unlink()
    for name, data in FILES.items():
        (CORPUS / name).write_bytes(data)
    print(f"{len(FILES)} files in {CORPUS}")


if __name__ == "__main__":
    main()
