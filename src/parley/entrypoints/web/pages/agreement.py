"""Pages: an exchange's agreement and plan, and a draft agreement to check.

``/app/exchanges/{exchange}/agreement`` shows the agreement the exchange runs as written
(YAML) and as understood (each clause in plain language, in the page's language), and
its plan per track and tranche: counts per side, never a name.

``/app/agreements/check`` takes a draft agreement's text. A party or the mediator sees it
as understood, with the law's warnings; the mediator also has it planned on the stored
holdings (``POST /plans``), and for an infeasible draft sees the clauses that collide and
the smallest changes that would let a plan exist, each a button that writes the changed
draft and checks it again (HTMX swaps the draft in place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from parley import bootstrap
from parley.domain.access import Principal, Role
from parley.domain.agreements import Agreement, Formula, FormulaKind, NoActiveService, Order
from parley.entrypoints.api.deps import BackendDep
from parley.entrypoints.api.routes.agreements import AGREEMENT_EXAMPLE
from parley.entrypoints.web import i18n
from parley.entrypoints.web.deps import PAGE, SignedIn
from parley.entrypoints.web.render import gettext as _
from parley.entrypoints.web.render import page
from parley.errors import AgreementRejected, NotFound, NotPermitted
from parley.services.secured import manifests, planning
from parley.services.secured.exchange_agreement import exchange_agreement

__all__ = ["agreement_yaml", "clauses", "router"]

router = APIRouter(dependencies=PAGE)

MAX_DRAFT = 100_000


# --- the agreement as written ---------------------------------------------------------


def _formula(formula: Formula) -> str | dict[str, Any]:
    if formula.order is None and formula.kind in (FormulaKind.PARITY, FormulaKind.ALL_FOR_ALL):
        return formula.kind.value
    out: dict[str, Any] = {"kind": formula.kind.value}
    if formula.order is not None:
        out["order"] = formula.order.value
    if formula.ratio:
        out["ratio"] = dict(formula.ratio)
    if formula.tariff:
        out["classes"] = [
            {"name": c.name, "points": c.points, "selector": c.selector.text}
            for c in formula.tariff
        ]
        if formula.default_points != 1:
            out["default_points"] = formula.default_points
    return out


def agreement_yaml(agreement: Agreement) -> str:
    """The agreement written out as an agreement file (docs/agreements.md).

    Reading it back gives the same agreement; comments and layout of the file it was read
    from are not kept.
    """
    data: dict[str, Any] = {
        "agreement": agreement.name,
        "parties": list(agreement.parties),
        "age_on": agreement.age_on,
    }
    tracks = []
    for t in agreement.tracks:
        track: dict[str, Any] = {
            "name": t.name,
            "selector": t.selector.text,
            "formula": _formula(t.formula),
        }
        if t.minimum_per_side is not None:
            track["minimum_per_side"] = t.minimum_per_side
        if t.maximum_per_side is not None:
            track["maximum_per_side"] = t.maximum_per_side
        tracks.append(track)
    data["tracks"] = tracks
    for key in ("must_include", "unilateral", "exclude"):
        chosen = getattr(agreement, key)
        if chosen:
            data[key] = [s.text for s in chosen]
    if agreement.minimum_per_side is not None:
        data["minimum_per_side"] = agreement.minimum_per_side
    if agreement.maximum_per_side is not None:
        data["maximum_per_side"] = agreement.maximum_per_side
    rules = agreement.tranches
    tranches: dict[str, Any] = (
        {"dates": list(rules.dates)} if rules.dates else {"count": rules.count}
    )
    if rules.capacity_per_side is not None:
        tranches["capacity_per_side"] = rules.capacity_per_side
    if rules.separate:
        tranches["separate"] = list(rules.separate)
    tranches["max_lead"] = rules.max_lead
    data["tranches"] = tranches
    data["consent"] = {
        "confirmed_by": agreement.consent.confirmed_by.value,
        "within_days": agreement.consent.within_days,
    }
    if agreement.reserve_share:
        data["reserve_share"] = agreement.reserve_share
    if agreement.no_active_service is not NoActiveService.SERIOUSLY_ILL:
        data["no_active_service"] = agreement.no_active_service.value
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return text


# --- the agreement as understood ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Said:
    """A clause in plain language, and where it is in the file."""

    key: str
    text: str


def _number(n: int) -> str:
    from parley.entrypoints.web.render import environment

    return str(environment().filters["number"](n))


def _formula_sentence(name: str, selector: str, formula: Formula) -> str:
    kind = formula.kind
    if kind is FormulaKind.PARITY:
        text = _("Track %(track)s (%(selector)s): each side releases as many as the other.")
    elif kind is FormulaKind.ALL_FOR_ALL:
        text = _(
            "Track %(track)s (%(selector)s): every eligible person is released, "
            "whatever the other side releases."
        )
    elif kind is FormulaKind.RATIO:
        terms = " : ".join(f"{code} {n}" for code, n in formula.ratio)
        return _("Track %(track)s (%(selector)s): the sides release in the ratio %(terms)s.") % {
            "track": name,
            "selector": selector,
            "terms": terms,
        }
    else:
        classes = ", ".join(f"{c.name} = {c.points}" for c in formula.tariff)
        return _(
            "Track %(track)s (%(selector)s): each person is worth points by rank "
            "(%(classes)s; anyone else %(default)s); both sides release equal points."
        ) % {
            "track": name,
            "selector": selector,
            "classes": classes,
            "default": formula.default_points,
        }
    return text % {"track": name, "selector": selector}


def clauses(agreement: Agreement) -> list[Said]:
    """Each clause of ``agreement`` in plain language, in the page's language."""
    a, b = agreement.parties
    said = [
        Said("parties", _("The exchange is between %(a)s and %(b)s.") % {"a": a, "b": b}),
        Said("age_on", _("Ages are counted on %(day)s.") % {"day": agreement.age_on.isoformat()}),
    ]
    for t in agreement.tracks:
        key = f"tracks.{t.name}"
        said.append(Said(key, _formula_sentence(t.name, t.selector.text, t.formula)))
        if t.formula.order is Order.FIRST_CAPTURED_FIRST:
            said.append(Said(key, _("Within it, those captured first go first.")))
        elif t.formula.order is Order.PRIORITY:
            said.append(
                Said(key, _("Within it, those the other side asks for most urgently go first."))
            )
        if t.minimum_per_side is not None:
            text = _("Each side releases at least %(n)s in track %(track)s.")
            said.append(Said(key, text % {"n": _number(t.minimum_per_side), "track": t.name}))
        if t.maximum_per_side is not None:
            text = _("Each side releases at most %(n)s in track %(track)s.")
            said.append(Said(key, text % {"n": _number(t.maximum_per_side), "track": t.name}))
    for i, s in enumerate(agreement.must_include, 1):
        text = _("Everyone eligible for whom “%(selector)s” holds must be released.")
        said.append(Said(f"must_include[{i}]", text % {"selector": s.text}))
    for i, s in enumerate(agreement.unilateral, 1):
        text = _("Everyone for whom “%(selector)s” holds is released whatever the balance.")
        said.append(Said(f"unilateral[{i}]", text % {"selector": s.text}))
    for i, s in enumerate(agreement.exclude, 1):
        text = _("No one for whom “%(selector)s” holds may be listed.")
        said.append(Said(f"exclude[{i}]", text % {"selector": s.text}))
    if agreement.minimum_per_side is not None:
        text = _("Each side releases at least %(n)s people in all.")
        said.append(Said("minimum_per_side", text % {"n": _number(agreement.minimum_per_side)}))
    if agreement.maximum_per_side is not None:
        text = _("Each side releases at most %(n)s people in all.")
        said.append(Said("maximum_per_side", text % {"n": _number(agreement.maximum_per_side)}))
    rules = agreement.tranches
    if rules.dates:
        days = ", ".join(d.isoformat() for d in rules.dates)
        text = _("The exchange is handed over in %(n)s tranches, on %(days)s.")
        said.append(Said("tranches", text % {"n": _number(rules.count), "days": days}))
    else:
        text = _("The exchange is handed over in %(n)s tranches, on dates still to agree.")
        said.append(Said("tranches", text % {"n": _number(rules.count)}))
    if rules.capacity_per_side is not None:
        text = _("Each side hands over at most %(n)s people in one tranche.")
        said.append(
            Said("tranches.capacity_per_side", text % {"n": _number(rules.capacity_per_side)})
        )
    text = _("During a handover one side may be at most %(n)s ahead of the other.")
    said.append(Said("tranches.max_lead", text % {"n": _number(rules.max_lead)}))
    if rules.separate:
        text = _("Track %(tracks)s travels in tranches of its own.")
        said.append(Said("tranches.separate", text % {"tracks": ", ".join(rules.separate)}))
    who = (
        _("the neutral verifier")
        if agreement.consent.confirmed_by.value == "neutral_verifier"
        else _("the mediator")
    )
    text = _(
        "Each person's will to return is recorded by %(who)s, at most %(days)s days "
        "before the handover."
    )
    said.append(Said("consent", text % {"who": who, "days": agreement.consent.within_days}))
    if agreement.reserve_share:
        text = _("A reserve of %(share)s of each track is kept to replace people who cannot go.")
        share = f"{agreement.reserve_share:.0%}"
        said.append(Said("reserve_share", text % {"share": share}))
    if agreement.no_active_service is NoActiveService.EVERYONE:
        text = _("No one released may be employed on active military service once home.")
    else:
        text = _(
            "The seriously wounded and sick released may not be employed on active "
            "military service once home (GC III Art. 117)."
        )
    said.append(Said("no_active_service", text))
    return said


def relaxation_text(key: str, before: str, after: str, text: str) -> str:
    """A relaxation the planner proposes, said in the page's language."""
    values = {"before": before, "after": after}
    if key == "minimum_per_side":
        return _("Lower the minimum per side from %(before)s to %(after)s.") % values
    if key == "maximum_per_side":
        return _("Raise the maximum per side from %(before)s to %(after)s.") % values
    if key == "tranches.capacity_per_side":
        return _("Raise the capacity per side per tranche from %(before)s to %(after)s.") % values
    if key == "tranches.count":
        return _("Hold %(after)s tranches instead of %(before)s (dates to agree).") % values
    if key.startswith("tracks.") and key.endswith(".minimum_per_side"):
        values["track"] = key.split(".")[1]
        return _("Lower the minimum per side in %(track)s from %(before)s to %(after)s.") % values
    if key.startswith("tracks.") and key.endswith(".maximum_per_side"):
        values["track"] = key.split(".")[1]
        return _("Raise the maximum per side in %(track)s from %(before)s to %(after)s.") % values
    return text


# --- the plan -------------------------------------------------------------------------


@dataclass(slots=True)
class PlanRow:
    """One track's figures in one tranche (None: the whole exchange), per side."""

    track: str
    tranche: int | None
    date: str | None
    sides: dict[str, int] = field(default_factory=dict)


def plan_rows(document: dict[str, Any]) -> list[PlanRow]:
    """The plan file's summary (docs/planning.md) as rows per track and tranche."""
    dates = {t["tranche"]: t.get("date") for t in document.get("tranches", [])}
    rows: dict[tuple[str, int], PlanRow] = {}
    for cell in document.get("summary", []):
        key = (cell["track"], cell["tranche"])
        row = rows.setdefault(key, PlanRow(cell["track"], cell["tranche"], dates.get(key[1])))
        row.sides[cell["party"]] = row.sides.get(cell["party"], 0) + int(cell["released"])
    return list(rows.values())


def _totals(rows: list[PlanRow]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        for party, n in row.sides.items():
            out[party] = out.get(party, 0) + n
    return out


def _listed_rows(
    backend: BackendDep, viewer: Principal, exchange: str, agreement: Agreement
) -> list[PlanRow]:
    """Per track and tranche, the people each side's latest manifest lists (the plan
    itself is the mediator's); per track only, as planned, for one who may not read
    manifests."""
    rows: list[PlanRow] = []
    try:
        for number in range(1, agreement.tranches.count + 1):
            by_track: dict[str, PlanRow] = {}
            for side in agreement.parties:
                versions = manifests.manifest_versions(
                    backend.unit(read_only=True), viewer, exchange, number, side
                )
                latest = versions[-1].manifest
                for track, figures in latest.counts().items():
                    row = by_track.setdefault(track, PlanRow(track, number, latest.date))
                    row.sides[side] = figures.get("people", 0)
            rows += by_track.values()
        return rows
    except NotPermitted:
        rows = []  # one who may not read manifests gets the planned totals, below
    except NotFound:
        if rows:
            return rows
    detail = manifests.exchange_detail(backend.unit(read_only=True), viewer, exchange)
    return [
        PlanRow(t.track, None, None, {s: f.planned for s, f in t.sides.items()})
        for t in detail.tracks
    ]


# --- pages ----------------------------------------------------------------------------


def _speak(request: Request) -> None:
    """Say what the handler says (clauses, relaxations) in the page's language."""
    i18n.using(getattr(request.state, "language", i18n.DEFAULT))


@router.get("/app/exchanges/{exchange}/agreement")
def exchange_agreement_page(
    request: Request, exchange: str, backend: BackendDep, viewer: SignedIn
) -> Response:
    """The exchange's agreement as written and as understood, and its plan."""
    _speak(request)
    adopted = exchange_agreement(backend.unit(read_only=True), viewer, exchange)
    agreement = adopted.agreement
    rows: list[PlanRow]
    if viewer.role is Role.MEDIATOR:
        stored = planning.get_plan(backend.unit(read_only=True), viewer, adopted.plan_id)
        rows = plan_rows(stored.document)
    else:
        rows = _listed_rows(backend, viewer, exchange, agreement)
    context = {
        "exchange": exchange,
        "agreement": agreement,
        "sha256": adopted.sha256,
        "text": adopted.text or agreement_yaml(agreement),
        "clauses": clauses(agreement),
        "rows": rows,
        "totals": _totals(rows),
        "per_tranche": bool(rows) and rows[0].tranche is not None,
        "from_manifests": viewer.role is not Role.MEDIATOR,
    }
    return page(request, "agreement/exchange.html", context)


def _draft(backend: BackendDep, viewer: Principal, text: str) -> dict[str, Any]:
    """The draft ``text`` checked (and, for the mediator, planned): the draft's context."""
    out: dict[str, Any] = {
        "text": text,
        "problems": [],
        "clauses": [],
        "warnings": [],
        "planned": None,
        "checked": bool(text.strip()),
    }
    if not text.strip():
        return out
    try:
        checked = planning.check_agreement(viewer, text, bootstrap.read_agreement)
    except AgreementRejected as e:
        out["problems"] = list(e.problems)
        return out
    out["clauses"] = clauses(checked.agreement)
    out["warnings"] = list(checked.warnings)
    if viewer.role is not Role.MEDIATOR:
        return out
    try:
        made = planning.plan_agreement(
            backend.unit(), viewer, text, bootstrap.read_agreement, now=datetime.now(UTC)
        )
    except NotFound as e:
        out["problems"] = [str(e)]
        return out
    from parley.planning.plan_file import plan_to_json

    plan = made.draft.plan
    document = plan_to_json(plan)
    rows = plan_rows(document)
    out["planned"] = {
        "feasible": plan.feasible,
        "plan_id": made.draft.plan_id,
        "rows": rows,
        "totals": _totals(rows),
        "parties": list(checked.agreement.parties),
        "conflict": plan.conflict,
        "relaxations": [
            relaxation_text(r.key, r.before, r.after, r.text) for r in plan.relaxations
        ],
    }
    return out


def _draft_page(request: Request, context: dict[str, Any]) -> Response:
    template = (
        "agreement/_draft.html" if request.headers.get("HX-Request") else "agreement/check.html"
    )
    status = 422 if context["problems"] and not request.headers.get("HX-Request") else 200
    return page(request, template, context, status_code=status)


@router.get("/app/agreements/check")
def check_page(
    request: Request, backend: BackendDep, viewer: SignedIn, exchange: str | None = None
) -> Response:
    """A draft agreement to check: the exchange's agreement, or an example, to start from."""
    _speak(request)
    if exchange:
        text = agreement_yaml(
            exchange_agreement(backend.unit(read_only=True), viewer, exchange).agreement
        )
    else:
        text = AGREEMENT_EXAMPLE
    context: dict[str, Any] = {
        "text": text,
        "problems": [],
        "clauses": [],
        "warnings": [],
        "planned": None,
        "checked": False,
    }
    return page(request, "agreement/check.html", context)


@router.post("/app/agreements/check")
def check_draft(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    text: Annotated[str, Form(max_length=MAX_DRAFT)] = "",
) -> Response:
    """The draft checked, and planned for the mediator."""
    _speak(request)
    return _draft_page(request, _draft(backend, viewer, text))


@router.post("/app/agreements/relax")
def relax_draft(
    request: Request,
    backend: BackendDep,
    viewer: SignedIn,
    text: Annotated[str, Form(max_length=MAX_DRAFT)],
    relaxation: Annotated[int, Form(ge=0, le=1000)],
) -> Response:
    """Apply one of the planner's relaxations to the draft: the new draft, checked again."""
    _speak(request)
    made = planning.plan_agreement(
        backend.unit(), viewer, text, bootstrap.read_agreement, now=datetime.now(UTC)
    )
    found = made.draft.plan.relaxations
    if relaxation >= len(found):
        raise NotFound(_("This change is no longer proposed; check the draft again."))
    context = _draft(backend, viewer, agreement_yaml(found[relaxation].agreement))
    context["applied"] = relaxation_text(
        found[relaxation].key,
        found[relaxation].before,
        found[relaxation].after,
        found[relaxation].text,
    )
    return _draft_page(request, context)
