"""Pages: importing a party's holdings or requests from a file.

A party office imports its own records; the mediator may import any party's (the
services decide, as for ``POST /parties/{party}/imports/{kind}``). The file comes in a
multipart form, dropped on the page or chosen; the form posts with HTMX (a progress bar
while it uploads) or, without JavaScript, as a plain form. Starlette spools a large
upload to disk, and it is copied from there in chunks to a named temporary file that
the import reads, so a file of 100,000 rows is never held in memory.

The party is in the form's address, so that its permission is checked before the body
is read where the CSRF token comes in a header (HTMX). A rejected file is shown as a
table of every problem, each with its row and column; nothing of it is kept.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from parley import bootstrap
from parley.domain.access import Principal, Role
from parley.entrypoints.api.deps import BackendDep
from parley.entrypoints.web import i18n
from parley.entrypoints.web.deps import PAGE, SignedIn
from parley.entrypoints.web.render import gettext as _
from parley.entrypoints.web.render import page
from parley.errors import ImportRejected, NotFound, NotPermitted, ParleyError
from parley.services.importing import ImportSummary
from parley.services.ports import UnitOfWork
from parley.services.secured import parties, records

__all__ = ["router"]

router = APIRouter(dependencies=PAGE)

KINDS = ("holdings", "requests")
FORMATS = ("csv", "xlsx", "json")
ENCODINGS = ("utf-8", "utf-8-sig", "windows-1251", "koi8-u")
_KNOWN_SUFFIXES = {".csv", ".txt", ".json", ".xlsx"}
_BY_TYPE = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/plain": "csv",
    "application/json": "json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
_NOT_IN_NAME = re.compile(r"[^\w.\- ]")
_CHUNK = 1 << 20
_RECENT = 10


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of an upload, for the result panel."""

    summary: ImportSummary | None = None
    problems: tuple[dict[str, Any], ...] = ()
    total: int = 0
    source: str = ""
    message: str = ""


def _parties_for(backend: BackendDep, viewer: Principal) -> list[str]:
    """The parties whose imports the viewer may be offered: a party its own, the
    mediator every registered party (the services still decide each import)."""
    if viewer.party is not None:
        return [viewer.party]
    if viewer.role is Role.MEDIATOR:
        return [p.code for p in parties.list_parties(backend.unit(read_only=True), viewer)]
    return []


def _recent(uow: UnitOfWork, viewer: Principal, party: str) -> list[Any]:
    found, _total = records.list_imports(
        uow, viewer, party=party, kind=None, limit=_RECENT, offset=0
    )
    return found


def _render(
    request: Request,
    backend: BackendDep,
    viewer: Principal,
    party: str | None,
    *,
    outcome: Outcome | None = None,
    kind: str = "holdings",
    status_code: int = 200,
) -> Response:
    offered = _parties_for(backend, viewer)
    if party is None:
        party = offered[0] if offered else viewer.party
    if party is None:
        raise NotPermitted("importing is for a party office or the mediator")
    try:
        recent = _recent(backend.unit(read_only=True), viewer, party)
    except NotFound:
        recent = []
    context = {
        "party": party,
        "parties": offered,
        "kind": kind if kind in KINDS else "holdings",
        "kinds": KINDS,
        "formats": FORMATS,
        "encodings": ENCODINGS,
        "outcome": outcome,
        "recent": recent,
    }
    return page(request, "imports/imports.html", context, status_code=status_code)


@router.get("/app/imports")
def imports_page(
    request: Request, backend: BackendDep, viewer: SignedIn, party: str | None = None
) -> Response:
    """The upload form for ``party`` (a party: its own) and its latest imports."""
    if party is not None:
        records.check_import(viewer, party)
    return _render(request, backend, viewer, party)


def _file_name(given: str | None, kind: str) -> str:
    """The last part of the client's file name, with no odd characters."""
    name = re.split(r"[/\\]", given or "")[-1]
    name = _NOT_IN_NAME.sub("_", name).strip(" .")[:120]
    return name or f"{kind}-upload"


def _format_of(name: str, chosen: str, content_type: str | None) -> str | None:
    """The chosen format, else None where the extension says, else the upload's type."""
    if chosen in FORMATS:
        return chosen
    if Path(name).suffix.lower() in _KNOWN_SUFFIXES:
        return None
    return _BY_TYPE.get((content_type or "").split(";")[0].strip().lower())


def _import_file(
    uow: UnitOfWork,
    viewer: Principal,
    *,
    kind: str,
    party: str,
    path: Path,
    file_format: str | None,
    encoding: str | None,
) -> ImportSummary:
    table = bootstrap.open_table(path, format=file_format, encoding=encoding)
    try:
        return records.import_records(
            uow, viewer, kind=kind, party=party, table=table, now=datetime.now(UTC)
        )
    finally:
        table.close()


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.post("/app/imports/{party}")
async def upload(request: Request, party: str, backend: BackendDep, viewer: SignedIn) -> Response:
    """Import the uploaded file as ``party``'s holdings or requests, all or nothing."""
    i18n.using(getattr(request.state, "language", i18n.DEFAULT))  # the messages made here
    try:
        records.check_import(viewer, party)  # before the body is read, where HTMX sent it
    except (NotPermitted, NotFound) as e:
        if not request.headers.get("HX-Request"):
            raise  # the error page
        status = 403 if isinstance(e, NotPermitted) else 404
        return _render(
            request, backend, viewer, None, outcome=Outcome(message=str(e)), status_code=status
        )
    form = await request.form(max_files=1, max_fields=10)
    try:
        kind = _field(form, "kind")
        if kind not in KINDS:
            outcome = Outcome(message=_("Choose what the file holds: holdings or requests."))
            return _render(request, backend, viewer, party, outcome=outcome, status_code=422)
        sent = form.get("file")
        if not isinstance(sent, UploadFile) or not sent.filename:
            outcome = Outcome(message=_("Choose a file to import."))
            return _render(
                request, backend, viewer, party, outcome=outcome, kind=kind, status_code=422
            )
        name = _file_name(sent.filename, kind)
        encoding = _field(form, "encoding")
        with tempfile.TemporaryDirectory(prefix="parley-upload-") as folder:
            path = Path(folder) / name
            with path.open("wb") as file:
                while chunk := await sent.read(_CHUNK):
                    file.write(chunk)
            summary = await run_in_threadpool(
                _import_file,
                backend.unit(),
                viewer,
                kind=kind,
                party=party,
                path=path,
                file_format=_format_of(name, _field(form, "format"), sent.content_type),
                encoding=encoding if encoding in ENCODINGS else None,
            )
    except ImportRejected as e:
        problems = tuple({"row": p.row, "column": p.column, "msg": p.message} for p in e.problems)
        outcome = Outcome(problems=problems, total=e.total, source=e.source)
        return _render(request, backend, viewer, party, outcome=outcome, kind=kind, status_code=422)
    except (NotFound, NotPermitted):
        raise
    except ParleyError as e:
        outcome = Outcome(message=str(e))
        return _render(request, backend, viewer, party, outcome=outcome, kind=kind, status_code=422)
    finally:
        await form.close()
    outcome = Outcome(summary=summary, source=summary.source)
    return _render(request, backend, viewer, party, outcome=outcome, kind=kind)
