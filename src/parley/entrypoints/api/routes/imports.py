"""Routes of the API: importing a party's holdings or requests, and the imports made.

An upload is the file itself as the request body (CSV, HXL-tagged CSV, XLSX or JSON),
streamed to a temporary file as it arrives and imported from there, so that a file of
100,000 rows is never held in memory. The file's name, if the client gives one, comes
in ``Content-Disposition`` (never in the URL: a file name may name a person); its
format from ``format``, else from that name's extension, else from ``Content-Type``,
else from its first bytes. An import is all of the file or nothing: a file with
problems is answered 422 with every problem, each with its row and column.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from email.message import Message
from enum import StrEnum
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from parley import bootstrap
from parley.domain.access import Principal
from parley.domain.purposes import Purpose
from parley.entrypoints.api.deps import CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.routes.holdings import PartyCode
from parley.services.importing import ImportSummary
from parley.services.ports import ImportEntry, UnitOfWork
from parley.services.secured import records

__all__ = ["router"]

router = APIRouter(tags=["imports"])

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BY_TYPE = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/plain": "csv",
    "application/json": "json",
    _XLSX: "xlsx",
}
_KNOWN_SUFFIXES = {".csv", ".txt", ".json", ".xlsx"}
_NOT_IN_NAME = re.compile(r"[^\w.\- ]")


class RecordKind(StrEnum):
    """What a file holds."""

    HOLDINGS = "holdings"
    REQUESTS = "requests"


class FileFormat(StrEnum):
    """The formats an import reads (HXL-tagged CSV is CSV)."""

    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class Encoding(StrEnum):
    """The text encodings a CSV file may declare."""

    UTF8 = "utf-8"
    UTF8_SIG = "utf-8-sig"
    WINDOWS_1251 = "windows-1251"
    KOI8_U = "koi8-u"


class ImportOut(BaseModel):
    """What an accepted import did."""

    import_id: int = Field(examples=[4])
    party: str = Field(examples=["UA"])
    kind: RecordKind = Field(examples=["holdings"])
    source: str = Field(description="The file's name as given.", examples=["holdings.csv"])
    sha256: str = Field(
        description="SHA-256 of the file, hex.",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    rows: int = Field(examples=[100000])
    created: int = Field(description="New records.", examples=[99000])
    updated: int = Field(description="Records changed (the old version kept).", examples=[900])
    unchanged: int = Field(description="Records the same as stored.", examples=[100])


def _summary_out(s: ImportSummary) -> ImportOut:
    return ImportOut(
        import_id=s.import_id,
        party=s.party,
        kind=RecordKind(s.kind),
        source=s.source,
        sha256=s.sha256,
        rows=s.rows,
        created=s.created,
        updated=s.updated,
        unchanged=s.unchanged,
    )


class ImportEntryOut(BaseModel):
    """One accepted import in a party's register of imports."""

    import_id: int = Field(examples=[4])
    party: str = Field(examples=["UA"])
    kind: RecordKind = Field(examples=["holdings"])
    source: str = Field(examples=["holdings.csv"])
    sha256: str = Field(
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
    )
    rows: int = Field(examples=[100000])
    created: int = Field(examples=[99000])
    updated: int = Field(examples=[900])
    unchanged: int = Field(examples=[100])
    imported_at: datetime = Field(examples=["2025-05-16T09:00:00Z"])
    actor: str = Field(description="The user who imported it.", examples=["ua-office"])


def _entry_out(e: ImportEntry) -> ImportEntryOut:
    return ImportEntryOut(
        import_id=e.id,
        party=e.party,
        kind=RecordKind(e.kind),
        source=e.source_name,
        sha256=e.sha256,
        rows=e.rows,
        created=e.created,
        updated=e.updated,
        unchanged=e.unchanged,
        imported_at=e.imported_at,
        actor=e.actor,
    )


def _file_name(request: Request, kind: str) -> str:
    """The client's name for the file (``Content-Disposition``), made safe to be a file
    name here: its last part only, no path, no odd characters."""
    header = request.headers.get("content-disposition", "")
    given = None
    if header:
        message = Message()
        message["content-disposition"] = header
        given = message.get_filename()
    name = re.split(r"[/\\]", given or "")[-1]
    name = _NOT_IN_NAME.sub("_", name).strip(" .")[:120]
    return name or f"{kind}-upload"


def _format_of(request: Request, name: str, declared: FileFormat | None) -> str | None:
    """The declared format, else None where the name's extension says (``open_table``
    reads it), else what ``Content-Type`` says, else None (read from the content)."""
    if declared is not None:
        return declared.value
    if FilePath(name).suffix.lower() in _KNOWN_SUFFIXES:
        return None
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return _BY_TYPE.get(media)


def _import_file(
    uow: UnitOfWork,
    principal: Principal,
    *,
    kind: str,
    party: str,
    path: FilePath,
    file_format: str | None,
    encoding: str | None,
    now: datetime,
    purpose: Purpose | None,
) -> ImportSummary:
    table = bootstrap.open_table(path, format=file_format, encoding=encoding)
    try:
        return records.import_records(
            uow, principal, kind=kind, party=party, table=table, now=now, purpose=purpose
        )
    finally:
        table.close()


_UPLOAD = {
    "requestBody": {
        "required": True,
        "description": (
            "The file itself, as the body. Give its name in "
            '`Content-Disposition: attachment; filename="holdings.csv"`.'
        ),
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("text/csv", "application/json", _XLSX)
        },
    }
}


@router.post(
    "/parties/{party}/imports/{kind}",
    status_code=status.HTTP_201_CREATED,
    summary="Import a party's holdings or requests from a file",
    openapi_extra=_UPLOAD,
)
async def import_file(
    request: Request,
    party: PartyCode,
    kind: RecordKind,
    principal: CurrentPrincipal,
    uow: Unit,
    now: Now,
    file_format: Annotated[
        FileFormat | None,
        Query(alias="format", description="The file's format; from its name or type if left out."),
    ] = None,
    encoding: Annotated[
        Encoding | None, Query(description="A CSV file's encoding; detected if left out.")
    ] = None,
    purpose: Annotated[
        Purpose | None,
        Query(
            description=(
                "What the records are held for; new records get it, a changed one must "
                "already hold it. Left out: the exchange's, repatriation."
            )
        ),
    ] = None,
) -> ImportOut:
    """Load every row of the file as ``party``'s holdings or requests, or none of them.

    A record id already stored for the party is updated in place, its old version kept
    in its history; one the same as stored is left alone. A party imports its own
    records, the mediator any party's. A file with problems answers 422 with every
    problem (row, column, what is wrong) and changes nothing.
    """
    records.check_import(principal, party)  # before a byte of the upload is read
    name = _file_name(request, kind.value)
    with tempfile.TemporaryDirectory(prefix="parley-upload-") as folder:
        path = FilePath(folder) / name
        with path.open("wb") as file:
            async for chunk in request.stream():
                file.write(chunk)
        summary = await run_in_threadpool(
            _import_file,
            uow,
            principal,
            kind=kind.value,
            party=party,
            path=path,
            file_format=_format_of(request, name, file_format),
            encoding=encoding.value if encoding else None,
            now=now,
            purpose=purpose,
        )
    return _summary_out(summary)


@router.get("/parties/{party}/imports", summary="List a party's imports")
def list_imports(
    party: PartyCode,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    kind: Annotated[RecordKind | None, Query(description="Only imports of this kind.")] = None,
) -> Page[ImportEntryOut]:
    """The imports accepted for ``party``, newest first: a party its own, the mediator any.

    A rejected file is not an import: nothing of it was kept.
    """
    found, total = records.list_imports(
        uow,
        principal,
        party=party,
        kind=kind.value if kind else None,
        limit=paging.limit,
        offset=paging.offset,
    )
    return page_of([_entry_out(e) for e in found], paging, total)
