"""Pages: the review queue, one proposed match at a time.

A party works the proposals on its own holdings (the request the other party sent beside
the person it holds); the mediator sees every party's, escalates, decides what it
escalated and reopens a decision. The services decide who may see and do what, as for
``GET /reviews`` and ``POST /parties/{party}/reviews/{id}``.

The page shows the current proposal's two records field by field, the explanation split
into what agreed and what did not, and the buttons for the verdicts the viewer may give
(keys c, r, e). A verdict posts with HTMX and the queue answers with the next proposal;
without JavaScript it is a plain form and a redirect.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from parley.domain.access import Principal, Role
from parley.domain.holdings import Holding, HoldingCategory
from parley.domain.requests import Request as RecordRequest
from parley.domain.reviews import RejectionReason, ReviewState, Verdict
from parley.entrypoints.api.deps import BackendDep
from parley.entrypoints.web import i18n
from parley.entrypoints.web.deps import PAGE, SignedIn
from parley.entrypoints.web.render import gettext as _
from parley.entrypoints.web.render import page
from parley.errors import InvalidValue, NotPermitted, ParleyError
from parley.services.reviewing import QueueEntry
from parley.services.secured import reviews
from parley.services.secured.reviews import QueueFilter, QueueState

__all__ = ["router"]

router = APIRouter(dependencies=PAGE)

DECISIONS = ("open", "proposed", "escalated", "confirmed", "rejected")
_NEXT = 10  # proposals listed after the current one


@dataclass(frozen=True, slots=True)
class Filters:
    """The queue's filters as the address gives them (probabilities in per cent)."""

    decision: str = "open"
    min_percent: int | None = None
    max_percent: int | None = None
    at: int = 0

    def states(self) -> tuple[QueueState, ...]:
        if self.decision == "open":
            return ()
        return (QueueState(self.decision),)

    def query(self, at: int | None = None) -> str:
        """The address's query for these filters, at ``at`` (default: the same)."""
        pairs: list[tuple[str, str]] = [("decision", self.decision)]
        if self.min_percent is not None:
            pairs.append(("min", str(self.min_percent)))
        if self.max_percent is not None:
            pairs.append(("max", str(self.max_percent)))
        where = self.at if at is None else at
        if where:
            pairs.append(("at", str(where)))
        return urllib.parse.urlencode(pairs)


def _percent(text: str | None) -> int | None:
    """A per cent from a form's field: empty or unreadable is no limit."""
    try:
        value = round(float((text or "").strip().replace(",", ".")))
    except (ValueError, OverflowError):
        return None
    return min(max(value, 0), 100)


def _filters(decision: str | None, low: str | None, high: str | None, at: int) -> Filters:
    """The filters from the address; a field left empty (or unreadable) filters nothing."""
    chosen = decision if decision in DECISIONS else "open"
    return Filters(chosen, _percent(low), _percent(high), max(at, 0))


@dataclass(frozen=True, slots=True)
class Row:
    """One field of the two records, side by side."""

    label: str
    request: Any
    holding: Any
    name: bool = False  # shown with the person filter
    partial: bool = False  # a date that may be known to the year or month only

    @property
    def agrees(self) -> bool | None:
        """Whether both sides give it and it reads the same; None if one side lacks it."""
        if self.request in (None, "") or self.holding in (None, ""):
            return None
        a, b = (str(v).strip().casefold() for v in (self.request, self.holding))
        if a != b and self.partial and (a.startswith(b) or b.startswith(a)):
            return None  # a year against a full date: neither agrees nor differs
        return a == b


def _sex(value: Any) -> str | None:
    names = {"M": _("male"), "F": _("female")}
    return names.get(str(getattr(value, "value", value)))


def _category(value: HoldingCategory | None) -> str | None:
    if value is None:
        return None
    names = {
        "pow": _("prisoner of war"),
        "civilian_internee": _("civilian internee"),
        "civilian_detainee": _("civilian detainee"),
        "convicted": _("convicted"),
        "proceedings_pending": _("proceedings pending"),
    }
    return names.get(value.value, str(value.value))


def _sources(sources: tuple[str, ...]) -> str:
    names = {
        "family": _("the family"),
        "official_register": _("an official register"),
        "neutral_agency": _("a neutral agency"),
    }
    return ", ".join(names.get(s, s) for s in sources) or "—"


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _rows(request: RecordRequest, holding: Holding | None) -> list[Row]:
    """The fields either record gives, in the order a reviewer compares them."""
    a, b = request.identity, holding.identity if holding else None

    def pick(field: str) -> tuple[Any, Any]:
        return getattr(a, field), getattr(b, field) if b else None

    rows = [
        Row(_("Family name"), *pick("family_name"), name=True),
        Row(_("Given name"), *pick("given_name"), name=True),
        Row(_("Patronymic"), *pick("patronymic"), name=True),
        Row(_("Sex"), _sex(a.sex), _sex(b.sex) if b else None),
        Row(
            _("Birth date"),
            _text(a.birth_date),
            _text(b.birth_date) if b else None,
            partial=True,
        ),
        Row(_("Birth place"), *pick("birth_place")),
        Row(_("Nationality"), *pick("nationality")),
        Row(_("Mother's maiden name"), *pick("mother_maiden_name"), name=True),
        Row(_("Rank"), *pick("rank")),
        Row(_("Service number"), *pick("service_number")),
        Row(_("Unit"), *pick("unit")),
        Row(_("Document number"), *pick("document_number")),
        Row(
            _("Category"),
            _category(request.category),
            _category(holding.category) if holding else None,
        ),
        Row(
            _("Captured on"),
            _text(request.captured_on),
            _text(holding.captured_on) if holding else None,
        ),
        Row(_("Capture place"), request.capture_place, holding.capture_place if holding else None),
    ]
    return [r for r in rows if _text(r.request) is not None or _text(r.holding) is not None]


_AGREE = ("exact", "on both", "same", "equivalent")
_DIFFER = ("different", "differs", " vs ", "swapped")


def _explained(explanation: str) -> list[tuple[str, str]]:
    """The explanation's parts, each marked agrees, differs or missing."""
    parts = []
    for part in (p.strip() for p in explanation.split(";")):
        if not part:
            continue
        if "missing" in part:
            tone = "missing"
        elif "as far as known" in part:
            tone = "agrees"
        elif any(word in part for word in _DIFFER):
            tone = "differs"
        elif any(word in part for word in _AGREE):
            tone = "agrees"
        else:
            tone = "differs" if "edit" in part or "similar" in part else "agrees"
        parts.append((tone, part))
    return parts


def _done(done: str) -> tuple[str, str] | None:
    """``(proposal id, state name)`` of the decision just made, from ``17:confirmed``."""
    number, _sep, state = done.partition(":")
    names = {
        "confirmed": _("confirmed"),
        "rejected": _("rejected"),
        "escalated": _("escalated"),
        "proposed": _("proposed"),
    }
    if not number.isdigit() or state not in names:
        return None
    return number, names[state]


def _verdicts(viewer: Principal, state: ReviewState) -> list[str]:
    """The verdicts to offer the viewer on a proposal in ``state`` (the rules of
    ``parley.domain.reviews``; the services check them again)."""
    if viewer.role is Role.MEDIATOR:
        if state is ReviewState.PROPOSED:
            return ["escalate"]
        if state is ReviewState.ESCALATED:
            return ["confirm", "reject"]
        if state in (ReviewState.CONFIRMED, ReviewState.REJECTED):
            return ["reopen"]
        return []
    if state is ReviewState.PROPOSED:
        return ["confirm", "reject", "escalate"]
    if state is ReviewState.ESCALATED:
        return ["confirm", "reject"]
    return []


def _render(
    request: Request,
    backend: BackendDep,
    viewer: Principal,
    filters: Filters,
    *,
    message: str = "",
    done: str = "",
    status_code: int = 200,
) -> Response:
    i18n.using(getattr(request.state, "language", i18n.DEFAULT))  # the labels made here
    low = None if filters.min_percent is None else filters.min_percent / 100
    high = None if filters.max_percent is None else filters.max_percent / 100
    selected = QueueFilter(states=filters.states(), min_probability=low, max_probability=high)
    found, total = reviews.review_queue(
        backend.unit(read_only=True),
        viewer,
        selected=selected,
        limit=_NEXT + 1,
        offset=filters.at,
    )
    if not found and filters.at and total:
        filters = Filters(filters.decision, filters.min_percent, filters.max_percent, 0)
        found, total = reviews.review_queue(
            backend.unit(read_only=True), viewer, selected=selected, limit=_NEXT + 1, offset=0
        )
    current: QueueEntry | None = found[0] if found else None
    context = {
        "filters": filters,
        "decisions": DECISIONS,
        "total": total,
        "current": current,
        "position": filters.at + 1,
        "following": [(filters.at + 1 + i, e) for i, e in enumerate(found[1:])],
        "sources": _sources(tuple(current.sources)) if current else "",
        "rows": _rows(current.request, current.holding) if current else [],
        "explained": _explained(current.proposal.explanation) if current else [],
        "verdicts": _verdicts(viewer, current.proposal.state) if current else [],
        "reasons": [r.value for r in RejectionReason],
        "message": message,
        "done": _done(done),
    }
    return page(request, "reviews/reviews.html", context, status_code=status_code)


@router.get("/app/reviews")
def review_page(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    decision: str | None = None,
    low: Annotated[str | None, Query(alias="min", max_length=10)] = None,
    high: Annotated[str | None, Query(alias="max", max_length=10)] = None,
    at: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The queue the viewer may work, filtered, at the ``at``-th proposal."""
    return _render(request, backend, viewer, _filters(decision, low, high, at), done=done)


@router.post("/app/reviews/{party}/{proposal_id}")
def decide(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    party: str,
    proposal_id: int,
    verdict: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    decision: Annotated[str, Form(max_length=20)] = "open",
    low: Annotated[str | None, Form(alias="min", max_length=10)] = None,
    high: Annotated[str | None, Form(alias="max", max_length=10)] = None,
    at: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Give ``verdict`` on a proposal on ``party``'s holdings, then show the next one."""
    i18n.using(getattr(request.state, "language", i18n.DEFAULT))  # the messages made here
    filters = _filters(decision, low, high, at)
    try:
        try:
            given = Verdict(verdict)
        except ValueError as e:
            raise InvalidValue("verdict", f"{verdict!r} is not a verdict") from e
        why = None
        if given is Verdict.REJECT:
            if not reason:
                raise InvalidValue("reason", _("Choose why the holding is not this person."))
            try:
                why = RejectionReason(reason)
            except ValueError as e:
                raise InvalidValue("reason", f"{reason!r} is not a reason") from e
        made = reviews.decide(
            backend.unit(),
            viewer,
            party=party,
            proposal_id=proposal_id,
            verdict=given,
            now=datetime.now(UTC),
            reason=why,
            note=note.strip(),
        )
    except ParleyError as e:
        if not request.headers.get("HX-Request"):
            raise  # the error page
        status = 403 if isinstance(e, NotPermitted) else 409
        return _render(request, backend, viewer, filters, message=str(e), status_code=status)
    # A decided proposal that the filter still lists stays where it was: move past it.
    stays = filters.decision == made.to_state.value or (
        filters.decision == "open" and made.to_state.value in ("proposed", "escalated")
    )
    following = Filters(
        filters.decision, filters.min_percent, filters.max_percent, filters.at + int(stays)
    )
    done = f"{proposal_id}:{made.to_state.value}"
    if request.headers.get("HX-Request"):
        return _render(request, backend, viewer, following, done=done)
    return RedirectResponse(
        f"/app/reviews?{following.query()}&done={urllib.parse.quote(done)}", status_code=303
    )
