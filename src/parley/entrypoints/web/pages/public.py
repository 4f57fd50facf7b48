"""The public pages, for anyone, without an account: an exchange's transparency report
(also as PDF) and the receipt checker a family uses.

The report is numbers only (``parley.services.secured.public_report``), with the latest
signed checkpoint of the public log and how to check it without trusting this server.
The receipt checker verifies a receipt's commitment, checkpoint and proofs here, against
this server's public log (``ledger.check_receipt``), and says in the page's language
whether the person was on a signed manifest, handed over and received. A receipt that
does not verify is reported as not valid, with the check that failed (which names no
one).
"""

from __future__ import annotations

import urllib.parse
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from parley import bootstrap
from parley.entrypoints.api.deps import BackendDep
from parley.entrypoints.api.routes.log import b64
from parley.entrypoints.web.deps import PAGE
from parley.entrypoints.web.pdf import render_pdf
from parley.entrypoints.web.render import gettext as _
from parley.entrypoints.web.render import page
from parley.errors import InvalidValue, VerificationFailed
from parley.ledger.notes import parse_note
from parley.ledger.receipt_format import MAX_RECEIPT_BYTES
from parley.services.public_log import checkpoint_of
from parley.services.reports import COUNTS, ExchangeReport
from parley.services.secured import ledger, public_report

__all__ = ["router"]

router = APIRouter(dependencies=PAGE)

ExchangeName = Annotated[str, Path(min_length=1, max_length=200)]


def _reader(backend: Any) -> Any:
    """A unit that only reads the exchange and the public log."""
    return bootstrap.unit_of_work(backend.engine, read_only=True)


@router.get("/public")
def index(request: Request, backend: BackendDep) -> Response:
    """The exchanges with a public report, and a form to open one by name."""
    names = public_report.public_exchanges(_reader(backend))
    return page(request, "public/index.html", {"exchanges": names})


@router.get("/public/exchanges")
def open_by_name(name: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    """The report of the exchange named in the form."""
    quoted = urllib.parse.quote(name.strip(), safe="")
    return RedirectResponse(f"/public/exchanges/{quoted}", status_code=303)


def _checkpoint(report: ExchangeReport) -> dict[str, Any] | None:
    stored = report.checkpoint
    if stored is None:
        return None
    checkpoint = checkpoint_of(stored)
    return {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": b64(checkpoint.root_hash),
        "note": stored.note,
        "log_key": stored.log_key,
        "signed_by": [s.name for s in parse_note(stored.note).signatures],
    }


def _tranches(report: ExchangeReport) -> list[dict[str, Any]]:
    """Per tranche its lines, and per track each side's handed over and received."""
    out: dict[int, dict[str, Any]] = {}
    for line in report.lines:
        tranche = out.setdefault(
            line.tranche,
            {"number": line.tranche, "state": line.tranche_state, "lines": [], "tracks": {}},
        )
        tranche["lines"].append(line)
        track = tranche["tracks"].setdefault(
            line.track,
            {
                "track": line.track,
                "handed_over": dict.fromkeys(report.parties, 0),
                "received": dict.fromkeys(report.parties, 0),
            },
        )
        track["handed_over"][line.side] = line.counts["handed_over"]
        track["received"][line.side] = line.counts["received"]
    return [
        tranche | {"tracks": list(tranche["tracks"].values())}
        for _number, tranche in sorted(out.items())
    ]


def _state_name(state: str) -> str:
    names = {
        "planned": _("planned"),
        "draft": _("draft"),
        "awaiting_signatures": _("awaiting signatures"),
        "sealed": _("sealed"),
        "open": _("open"),
        "suspended": _("suspended"),
        "closing": _("closing"),
        "closed": _("closed"),
        "cancelled": _("cancelled"),
    }
    return names.get(state, state)


def _report_context(request: Request, backend: Any, exchange: str) -> dict[str, Any]:
    report = public_report.public_report(_reader(backend), exchange)
    base = str(request.base_url).rstrip("/")
    quoted = urllib.parse.quote(exchange, safe="")
    return {
        "report": report,
        "tranches": _tranches(report),
        "checkpoint": _checkpoint(report),
        "counts": COUNTS,
        "count_names": {
            "planned": _("Planned"),
            "listed": _("Listed"),
            "sealed": _("On a signed manifest"),
            "handed_over": _("Handed over"),
            "received": _("Received"),
            "withdrawn": _("Withdrawn"),
            "no_show": _("Did not come"),
            "deceased": _("Died"),
        },
        "state_name": _state_name,
        "server": base,
        "pdf": f"/public/exchanges/{quoted}/report.pdf",
    }


@router.get("/public/exchanges/{exchange}")
def report_page(request: Request, backend: BackendDep, exchange: ExchangeName) -> Response:
    """The transparency report: balances per track and tranche, and the checkpoint."""
    return page(request, "public/report.html", _report_context(request, backend, exchange))


@router.get("/public/exchanges/{exchange}/report.pdf")
def report_pdf(request: Request, backend: BackendDep, exchange: ExchangeName) -> Response:
    """The same report as a PDF carrying the checkpoint's hash and signatures."""
    context = _report_context(request, backend, exchange)
    html = page(request, "public/report_print.html", context).body
    pdf = render_pdf(bytes(html).decode("utf-8"))
    safe = "".join(c if c.isalnum() else "-" for c in exchange)[:60] or "exchange"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="parley-report-{safe}.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _event_name(kind: str) -> str:
    names = {
        "ManifestSealed": _("on a manifest signed by all three"),
        "ManifestIssued": _("listed on a manifest"),
        "PersonVerificationRecorded": _("identity and will checked by the neutral verifier"),
        "PersonHandedOver": _("handed over"),
        "PersonReceived": _("received by the other side"),
        "ProposalReviewed": _("a match of records reviewed"),
        "RecordsImported": _("record imported"),
    }
    return names.get(kind, kind)


@router.get("/public/receipts")
def receipt_form(request: Request) -> Response:
    """The receipt checker's form: paste the receipt, or choose its file."""
    context = {"result": None, "failure": None, "text": "", "problem": None}
    return page(request, "public/receipts.html", context)


@router.post("/public/receipts")
async def check_receipt(
    request: Request,
    backend: BackendDep,
    receipt: Annotated[str, Form(max_length=2 * MAX_RECEIPT_BYTES)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check a receipt against this server's public log, and say what it proves."""
    backend.limiter.check("public", request.client.host if request.client else "-")
    data = receipt.strip()
    if upload is not None and upload.filename:
        raw = await upload.read(2 * MAX_RECEIPT_BYTES + 1)
        if len(raw) > 2 * MAX_RECEIPT_BYTES:
            problem = _("The file is too large to be a receipt.")
            return _receipt_page(request, None, None, "", 413, problem=problem)
        data = raw.decode("utf-8", errors="replace").strip()
    if not data:
        problem = _("Paste the receipt, or choose its file, then check it.")
        return _receipt_page(request, None, None, "", 422, problem=problem)
    try:
        report = ledger.check_receipt(_reader(backend), data)
    except (VerificationFailed, InvalidValue) as error:
        return _receipt_page(request, None, str(error), data, 422)
    sealed, handed, received = report.sealed, report.handed_over, report.received
    result = {
        "kind": report.kind,
        "party": report.party,
        "record_id": report.record_id,
        "sealed": sealed,
        "handed": handed,
        "received": received,
        "size": report.checkpoint.size,
        "root": b64(report.checkpoint.root_hash),
        "origin": report.checkpoint.origin,
        "witnesses": list(report.witnesses),
        "appearances": report.appearances,
        "event_name": _event_name,
    }
    return _receipt_page(request, result, None, "", 200)


def _receipt_page(
    request: Request,
    result: dict[str, Any] | None,
    failure: str | None,
    text: str,
    status: int,
    *,
    problem: str | None = None,
) -> Response:
    context = {"result": result, "failure": failure, "text": text, "problem": problem}
    return page(request, "public/receipts.html", context, status_code=status)
