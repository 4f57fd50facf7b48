"""The crossing console: recording each person at the handover point.

The neutral verifier confirms identity and will (``verify``), the releasing side's
office hands over, the receiving side's office receives; each sees only the steps the
secured crossing services let it record, and the services decide (a refusal is shown as
a clear message, never worked around). The page is built for a slow connection: search
and each step answer with small HTMX fragments (the person's row, the balance, the
message), every step is a plain form POST that also works without JavaScript, and each
step's form carries an idempotency key made when its row was drawn, so a click sent
twice is recorded once.

Names come from the tranche's manifests (the people list itself holds record ids only)
and are searched as written and as transliterated, so a Latin search finds a Cyrillic
name and the other way round.
"""

from __future__ import annotations

import secrets
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from parley.domain.access import Principal, Role
from parley.domain.handover import Action
from parley.domain.manifests import ManifestPerson
from parley.entrypoints.api.deps import BackendDep
from parley.entrypoints.web.deps import PAGE, SignedIn
from parley.entrypoints.web.render import gettext as _
from parley.entrypoints.web.render import page, transliterated
from parley.errors import Conflict, NotFound, NotPermitted, TransitionNotAllowed
from parley.matching.transliteration import to_latin_icao, to_latin_kmu2010
from parley.services.access import Capability
from parley.services.exchange import TrancheStatus
from parley.services.secured import crossing, manifests

__all__ = ["router"]

router = APIRouter(dependencies=PAGE)

_BASE = "/app/exchanges/{exchange}/tranches/{number}/crossing"
_ALL = 2000  # a handover is a few hundred people; one read lists them all
_SHOWN = 60  # rows drawn at once; a search narrows them
_STEPS = (Action.VERIFY, Action.HAND_OVER, Action.RECEIVE)

ExchangeName = Annotated[str, Path(min_length=1, max_length=200)]
TrancheNumber = Annotated[int, Path(ge=1, le=10_000)]


@dataclass(frozen=True, slots=True)
class Row:
    """One person as the console draws them, with the steps the viewer may record."""

    side: str
    record_id: str
    position: int
    track: str
    state: str
    verified: bool
    sealed: bool
    name: str
    steps: tuple[tuple[str, str], ...]  # (action, idempotency key)

    @property
    def anchor(self) -> str:
        """The row's element id (record ids hold only letters, digits and ``._:/-``)."""
        safe = "".join(c if c.isalnum() else "-" for c in f"{self.side}-{self.record_id}")
        return f"p-{safe}"


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("'", "").replace("’", "").split())


def _spellings(text: str) -> set[str]:
    """``text`` folded, as written and in each Latin transliteration."""
    out = {_fold(text)}
    for latin in (transliterated(text), to_latin_kmu2010(text), to_latin_icao(text)):
        if latin:
            out.add(_fold(latin))
    return out


def _matches(query: str, person: Row) -> bool:
    if not query.strip():
        return True
    wanted = _spellings(query)
    haystack = _spellings(person.name) | {_fold(person.record_id)}
    return any(w in h for w in wanted for h in haystack)


def _full_name(person: ManifestPerson | None) -> str:
    if person is None:
        return ""
    parts = (person.family_name, person.given_name, person.patronymic or "")
    return " ".join(p for p in parts if p)


def _names(backend: Any, viewer: Principal, exchange: str, number: int, parties: tuple[str, ...]
           ) -> dict[tuple[str, str], str]:  # fmt: skip
    """Each listed person's name, from the manifests the viewer may read (latest wins)."""
    names: dict[tuple[str, str], str] = {}
    for side in parties:
        try:
            versions = manifests.manifest_versions(
                backend.unit(read_only=True), viewer, exchange, number, side
            )
        except NotFound:
            continue
        for stored in versions:
            for person in stored.manifest.people + stored.manifest.reserves:
                names[(side, person.record_id)] = _full_name(person)
    return names


def _steps(viewer: Principal, side: str, state: str, verified: bool) -> tuple[str, ...]:
    """The steps the viewer may record for a person in ``state`` (the services decide)."""
    if viewer.role is Role.NEUTRAL_VERIFIER:
        return (Action.VERIFY.value,) if state == "listed" and not verified else ()
    if viewer.role is Role.PARTY:
        if viewer.party == side and state == "listed":
            return (Action.HAND_OVER.value,)
        if viewer.party != side and state == "handed_over":
            return (Action.RECEIVE.value,)
    return ()


def _row(viewer: Principal, listed: crossing.Listed, name: str) -> Row:
    steps = _steps(viewer, listed.side, listed.state, listed.verified)
    return Row(
        side=listed.side,
        record_id=listed.record_id,
        position=listed.position,
        track=listed.track,
        state=listed.state,
        verified=listed.verified,
        sealed=listed.sealed,
        name=name,
        steps=tuple((s, secrets.token_urlsafe(16)) for s in steps),
    )


def _rows(
    backend: Any, viewer: Principal, exchange: str, number: int, parties: tuple[str, ...]
) -> list[Row]:
    people, _total = crossing.list_people(
        backend.unit(read_only=True), viewer, exchange, number, limit=_ALL
    )
    names = _names(backend, viewer, exchange, number, parties)
    return [_row(viewer, p, names.get((p.side, p.record_id), "")) for p in people]


def _balance(status: TrancheStatus, parties: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each track's handed over and received per side, and who must cross next."""
    return [
        {
            "track": t.track,
            "sent": [t.sent.get(p, 0) for p in parties],
            "received": [t.received.get(p, 0) for p in parties],
            "lead": t.allowed_lead,
            "next": t.next_to_cross,
        }
        for t in status.tracks
    ]


def _base(exchange: str, number: int) -> str:
    """The console's address."""
    return f"/app/exchanges/{urllib.parse.quote(exchange, safe='')}/tranches/{number}/crossing"


def _state_name(state: str) -> str:
    names = {
        "listed": _("waiting"),
        "handed_over": _("handed over"),
        "received": _("received"),
        "withdrawn_by_neutral_verification": _("withdrawn by neutral verification"),
        "withdrawn": _("withdrawn"),
        "no_show": _("did not come"),
        "deceased": _("deceased"),
        "substituted": _("replaced by a reserve"),
    }
    return names.get(state, state)


def _action_name(action: str) -> str:
    names = {
        Action.VERIFY.value: _("Confirm identity and will"),
        Action.HAND_OVER.value: _("Hand over"),
        Action.RECEIVE.value: _("Receive"),
    }
    return names.get(action, action)


def _tranche_state(state: str) -> str:
    names = {
        "open": _("open"),
        "suspended": _("suspended"),
        "closing": _("closing"),
        "closed": _("closed"),
        "sealed": _("sealed"),
        "awaiting_signatures": _("awaiting signatures"),
        "cancelled": _("cancelled"),
    }
    return names.get(state, state)


_HELPERS = {
    "state_name": _state_name,
    "action_name": _action_name,
    "tranche_state": _tranche_state,
}


def _context(
    backend: Any,
    viewer: Principal,
    exchange: str,
    number: int,
    query: str,
) -> dict[str, Any]:
    parties = crossing.exchange_parties(
        backend.unit(read_only=True), viewer, Capability.CROSSINGS_READ, exchange
    )
    status = crossing.tranche_status(backend.unit(read_only=True), viewer, exchange, number)
    rows = _rows(backend, viewer, exchange, number, parties)
    found = [r for r in rows if _matches(query, r)]
    return {
        "exchange": exchange,
        "number": number,
        "parties": parties,
        "status": status,
        "tracks": _balance(status, parties),
        "rows": found[:_SHOWN],
        "found": len(found),
        "total": len(rows),
        "query": query,
        "base": _base(exchange, number),
        "message": None,
        **_HELPERS,
    }


@router.get(_BASE)
def console(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    exchange: ExchangeName,
    number: TrancheNumber,
    q: str = "",
) -> Response:
    """The console: the balance, who must cross next, the search and the people."""
    context = _context(backend, viewer, exchange, number, q[:100])
    return page(request, "crossing/console.html", context)


@router.get(_BASE + "/people")
def people(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    exchange: ExchangeName,
    number: TrancheNumber,
    q: str = "",
) -> Response:
    """The people matching a search (the table's body, for HTMX)."""
    context = _context(backend, viewer, exchange, number, q[:100])
    return page(request, "crossing/_people.html", context)


@router.get(_BASE + "/balance")
def balance(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    exchange: ExchangeName,
    number: TrancheNumber,
) -> Response:
    """The balance panel alone (HTMX refreshes it while others record)."""
    parties = crossing.exchange_parties(
        backend.unit(read_only=True), viewer, Capability.CROSSINGS_READ, exchange
    )
    status = crossing.tranche_status(backend.unit(read_only=True), viewer, exchange, number)
    context = {"parties": parties, "status": status, "tracks": _balance(status, parties)}
    return page(request, "crossing/_balance.html", context)


def _refusal(error: Exception, action: Action, row: Row | None, next_side: str | None) -> str:
    """What to tell the person at the crossing when a step is refused."""
    if isinstance(error, Conflict):
        return _("This step is already being recorded. Wait a moment and look at the row again.")
    if isinstance(error, NotPermitted):
        return _("Your role may not record this step for this person.")
    if isinstance(error, NotFound):
        return _("This person is not on the tranche's manifests.")
    if action is Action.HAND_OVER and row is not None and not row.verified:
        return _(
            "Not verified yet: the neutral verifier must confirm this person's identity "
            "and will before the handover."
        )
    if (
        action is Action.HAND_OVER
        and next_side is not None
        and next_side != (row.side if row else None)
    ):
        return _("The balance does not allow this handover now: %(side)s must hand over next.") % {
            "side": next_side
        }
    if action is Action.RECEIVE and row is not None and row.state != "handed_over":
        return _("This person has not been handed over yet.")
    return _("This step cannot be recorded now.")


@router.post(_BASE)
def record_step(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    exchange: ExchangeName,
    number: TrancheNumber,
    side: Annotated[str, Form(pattern=r"^[A-Z][A-Z0-9]{1,7}$")],
    record_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")],
    action: Annotated[str, Form(max_length=40)],
    key: Annotated[str, Form(min_length=8, max_length=128)],
    q: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record one step in the viewer's own name, once however often it is sent."""
    chosen = Action(action) if action in {s.value for s in _STEPS} else None
    message: dict[str, Any]
    failed = False
    if chosen is None:
        message = {"ok": False, "text": _("This step cannot be recorded here."), "detail": ""}
        failed = True
    else:
        try:
            done = crossing.record(
                backend.unit(), viewer, exchange, number, side, record_id, chosen,
                now=datetime.now(UTC), idempotency_key=key,
            )  # fmt: skip
        except (TransitionNotAllowed, Conflict, NotPermitted, NotFound) as error:
            failed = True
            status = crossing.tranche_status(backend.unit(read_only=True), viewer, exchange, number)
            drawn = _rows(backend, viewer, exchange, number, tuple(status.people))
            person = next((r for r in drawn if (r.side, r.record_id) == (side, record_id)), None)
            track_next = next((t.next_to_cross for t in status.tracks if t.next_to_cross), None)
            text = _refusal(error, chosen, person, track_next)
            message = {"ok": False, "text": text, "detail": str(error)}
        else:
            if not done.replayed:
                backend.after_tranche_event()
            done_text = {
                Action.VERIFY: _("%(record)s: identity and will confirmed."),
                Action.HAND_OVER: _("%(record)s: handed over."),
                Action.RECEIVE: _("%(record)s: received."),
            }[chosen] % {"record": record_id}
            if done.replayed:
                done_text += " " + _("(This step was already recorded; it was not recorded twice.)")
            message = {"ok": True, "text": done_text, "detail": ""}
    if request.headers.get("HX-Request"):
        # A small answer for a slow line: the person's row, the balance, the message.
        parties = crossing.exchange_parties(
            backend.unit(read_only=True), viewer, Capability.CROSSINGS_READ, exchange
        )
        status = crossing.tranche_status(backend.unit(read_only=True), viewer, exchange, number)
        drawn = _rows(backend, viewer, exchange, number, parties)
        context = {
            "row": next((r for r in drawn if (r.side, r.record_id) == (side, record_id)), None),
            "parties": parties,
            "status": status,
            "tracks": _balance(status, parties),
            "message": message,
            "query": q,
            "base": _base(exchange, number),
            **_HELPERS,
        }
        return page(request, "crossing/_step.html", context)
    context = _context(backend, viewer, exchange, number, q)
    context["message"] = message
    return page(request, "crossing/console.html", context, status_code=409 if failed else 200)
