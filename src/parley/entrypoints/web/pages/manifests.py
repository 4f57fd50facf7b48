"""Pages: a tranche's manifests, one version to review and sign, and the printed manifest.

- ``/app/exchanges/{exchange}/tranches/{n}/manifests``: each side's manifest of the
  tranche, its latest version and who has still to sign it.
- ``.../manifests/{side}`` (the latest) and ``.../manifests/{side}/versions/{v}``: the
  people listed (names as written and transliterated, record ids), the reserves, what the
  version changed from the one before, who has signed it with which key, and how to sign:
  download the exact document, sign it offline with ``parley sign``, upload the ``.sig``.
  A signature is verified against the signer's registered key before anything is kept;
  one made with another key is shown as rejected, saying so.
- ``.../manifests/{side}.pdf``: the version printed (WeasyPrint), with its SHA-256 and
  its signatures.

Everything goes through ``parley.services.secured.manifests``: only both parties of the
exchange, the mediator and the neutral verifier read a manifest; only a party (its own
name) and the mediator sign.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from parley.domain.access import Principal
from parley.domain.manifests import MEDIATOR, required_signers
from parley.entrypoints.api.deps import BackendDep
from parley.entrypoints.web import i18n
from parley.entrypoints.web.deps import PAGE, SignedIn
from parley.entrypoints.web.pdf import render_pdf
from parley.entrypoints.web.render import environment, page
from parley.entrypoints.web.render import gettext as _
from parley.errors import (
    InvalidValue,
    NotFound,
    NotPermitted,
    TransitionNotAllowed,
    VerificationFailed,
)
from parley.ledger.signatures import FileSignature
from parley.services.ports import StoredManifest
from parley.services.secured import manifests
from parley.services.secured.exchange_agreement import exchange_agreement

__all__ = ["router"]

router = APIRouter(dependencies=PAGE)

BASE = "/app/exchanges/{exchange}/tranches/{number}/manifests"
Number = Annotated[int, Path(ge=1, le=100_000)]
Side = Annotated[str, Path(pattern=r"^[A-Z][A-Z0-9]{1,7}$")]
Version = Annotated[int, Path(ge=1, le=100_000)]
MAX_SIGNATURE = 10_000


@dataclass(frozen=True, slots=True)
class Signed:
    """A signature of a version: who, with which key."""

    signer: str
    key_name: str
    fingerprint: str


def _signer_name(signer: str) -> str:
    return _("the mediator") if signer == MEDIATOR else signer


def _signatures(stored: StoredManifest) -> list[Signed]:
    out = []
    for signer, text in sorted(stored.signatures.items()):
        try:
            key = FileSignature.parse(text).key
            out.append(Signed(signer, key.name, key.key_id.hex()))
        except InvalidValue:  # stored only after it verified: cannot happen
            out.append(Signed(signer, signer, "—"))
    return out


def _path(exchange: str, number: int, side: str | None = None) -> str:
    base = f"/app/exchanges/{urllib.parse.quote(exchange, safe='')}/tranches/{number}/manifests"
    return base if side is None else f"{base}/{side}"


def _speak(request: Request) -> None:
    """Say what the handler says (signers, refusals) in the page's language."""
    i18n.using(getattr(request.state, "language", i18n.DEFAULT))


def _own_signer(viewer: Principal) -> str | None:
    """The name the viewer signs in, or None when the viewer does not sign."""
    if viewer.role.value == "party":
        return viewer.party
    if viewer.role.value == "mediator":
        return MEDIATOR
    return None


@router.get(BASE)
def tranche_manifests(
    request: Request, exchange: str, number: Number, backend: BackendDep, viewer: SignedIn
) -> Response:
    """Each side's manifest of the tranche: latest version, signatures, what is missing."""
    _speak(request)
    parties = exchange_agreement(backend.unit(read_only=True), viewer, exchange).agreement.parties
    sides = []
    for side in parties:
        versions = manifests.manifest_versions(
            backend.unit(read_only=True), viewer, exchange, number, side
        )
        latest = versions[-1]
        sides.append(
            {
                "side": side,
                "href": _path(exchange, number, side),
                "version": latest.manifest.version,
                "people": len(latest.manifest.people),
                "reserves": len(latest.manifest.reserves),
                "sealed": latest.sealed_at is not None,
                "signed": [_signer_name(s) for s in sorted(latest.signatures)],
                "missing": [
                    _signer_name(s)
                    for s in sorted(required_signers(latest.manifest) - set(latest.signatures))
                ],
            }
        )
    context = {"exchange": exchange, "number": number, "sides": sides}
    return page(request, "manifests/tranche.html", context)


def _version_context(
    backend: BackendDep,
    viewer: Principal,
    exchange: str,
    number: int,
    side: str,
    version: int | None,
) -> dict[str, Any]:
    versions = manifests.manifest_versions(
        backend.unit(read_only=True), viewer, exchange, number, side
    )
    stored = manifests.manifest_version(
        backend.unit(read_only=True), viewer, exchange, number, side, version
    )
    m = stored.manifest
    diff = None
    if m.version > 1:
        diff = manifests.diff_versions(
            backend.unit(read_only=True), viewer, exchange, number, side, m.version - 1, m.version
        )[0]
    latest = versions[-1].manifest.version
    signer = _own_signer(viewer)
    base = _path(exchange, number, side)
    api = (
        f"/exchanges/{urllib.parse.quote(exchange, safe='')}/tranches/{number}/manifests/"
        f"{side}/versions/{m.version}/document"
    )
    file_name = f"manifest-{number}-{side}-v{m.version}.json"
    return {
        "exchange": exchange,
        "number": number,
        "side": side,
        "stored": stored,
        "m": m,
        "versions": [v.manifest.version for v in versions],
        "latest": latest,
        "is_latest": m.version == latest,
        "diff": diff,
        "signatures": _signatures(stored),
        "signer_name": _signer_name,
        "missing": sorted(required_signers(m) - set(stored.signatures)),
        "sealed": stored.sealed_at is not None,
        "signer": signer,
        "may_sign": signer is not None
        and m.version == latest
        and signer not in stored.signatures
        and stored.sealed_at is None,
        "base": base,
        "document_href": api,
        "file_name": file_name,
        "pdf_href": f"{base}.pdf?version={m.version}",
        "tranche_href": _path(exchange, number),
        "result": None,
    }


@router.get(BASE + "/{side}.pdf")
def printed_manifest(
    request: Request,
    exchange: str,
    number: Number,
    side: Side,
    backend: BackendDep,
    viewer: SignedIn,
    version: int | None = None,
) -> Response:
    """The version (the latest by default) printed: people, its SHA-256, its signatures."""
    _speak(request)
    if version is not None and not 1 <= version <= 100_000:
        raise NotFound(f"there is no version {version}")
    context = _version_context(backend, viewer, exchange, number, side, version)
    context["printed_at"] = datetime.now(UTC)
    html = (
        environment()
        .get_template("manifests/print.html")
        .render({**context, "lang": request.state.language})
    )
    m = context["m"]
    name = f"manifest-{number}-{side}-v{m.version}.pdf"
    return Response(
        render_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "ETag": f'"{context["stored"].sha256}"',
        },
    )


@router.get(BASE + "/{side}")
def latest_version(
    request: Request,
    exchange: str,
    number: Number,
    side: Side,
    backend: BackendDep,
    viewer: SignedIn,
) -> Response:
    """The latest version of the side's manifest, to review and sign."""
    _speak(request)
    context = _version_context(backend, viewer, exchange, number, side, None)
    return page(request, "manifests/version.html", context)


@router.get(BASE + "/{side}/versions/{version}")
def one_version(
    request: Request,
    exchange: str,
    number: Number,
    side: Side,
    version: Version,
    backend: BackendDep,
    viewer: SignedIn,
) -> Response:
    """One version of the side's manifest."""
    _speak(request)
    context = _version_context(backend, viewer, exchange, number, side, version)
    return page(request, "manifests/version.html", context)


@router.post(BASE + "/{side}/signatures")
def hand_in_signature(
    request: Request,
    exchange: str,
    number: Number,
    side: Side,
    backend: BackendDep,
    viewer: SignedIn,
    signature_file: Annotated[UploadFile | None, File()] = None,
    signature: Annotated[str, Form(max_length=MAX_SIGNATURE)] = "",
) -> Response:
    """Hand in a signature made offline; it is verified against the registered key."""
    _speak(request)
    text = signature
    if signature_file is not None and signature_file.filename:
        raw = signature_file.file.read(MAX_SIGNATURE + 1)
        text = raw.decode("utf-8", errors="replace") if len(raw) <= MAX_SIGNATURE else ""
        if not text:
            return _rejected(request, backend, viewer, exchange, number, side, "size", "")
    if not text.strip():
        return _rejected(request, backend, viewer, exchange, number, side, "empty", "")
    return _sign(request, backend, viewer, exchange, number, side, text)


def _sign(
    request: Request,
    backend: BackendDep,
    viewer: Principal,
    exchange: str,
    number: int,
    side: str,
    text: str,
) -> Response:
    # The viewer must read the manifest at all before a refusal says anything about it.
    manifests.manifest_version(backend.unit(read_only=True), viewer, exchange, number, side)
    try:
        outcome = manifests.sign_manifest(
            backend.unit(), viewer, exchange, number, side, text, now=datetime.now(UTC)
        )
    except VerificationFailed as e:
        return _rejected(request, backend, viewer, exchange, number, side, "key", str(e))
    except InvalidValue as e:
        return _rejected(request, backend, viewer, exchange, number, side, "format", str(e))
    except NotPermitted as e:
        return _rejected(request, backend, viewer, exchange, number, side, "name", str(e))
    except TransitionNotAllowed as e:
        return _rejected(request, backend, viewer, exchange, number, side, "state", str(e))
    except NotFound as e:
        return _rejected(request, backend, viewer, exchange, number, side, "unknown", str(e))
    if outcome.changed:
        backend.after_tranche_event()
    target = f"{_path(exchange, number, side)}?signed={outcome.version}"
    return RedirectResponse(target, status_code=303)


def _rejected(
    request: Request,
    backend: BackendDep,
    viewer: Principal,
    exchange: str,
    number: int,
    side: str,
    why: str,
    detail: str,
) -> Response:
    """The manifest again, saying why the signature was not accepted (nothing was kept)."""
    headline = {
        "key": _(
            "Signature rejected: it was not made with the registered key of the signer it "
            "names, or it signs another document. Nothing was recorded."
        ),
        "format": _("Signature rejected: the file is not a parley signature file."),
        "name": _("Signature rejected: you may hand in signatures in your own name only."),
        "state": _(
            "Signature rejected: it is not of the latest version, or the tranche is closed."
        ),
        "unknown": _("Signature rejected: the signer has no registered key."),
        "empty": _("Choose the signature file (.sig) or paste its text first."),
        "size": _("Signature rejected: the file is too large to be a signature."),
    }[why]
    context = _version_context(backend, viewer, exchange, number, side, None)
    context["result"] = {"ok": False, "headline": headline, "detail": detail}
    return page(request, "manifests/version.html", context, status_code=422)
