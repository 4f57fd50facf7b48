"""Pages: an exchange's overview, and the live balance of an open tranche.

The overview shows the agreement's targets against what is planned, listed, sealed and
exchanged, per side and track; the tranches and where each stands, with a balance bar
per open tranche that follows the crossing (an HTMX fragment asked for every two
seconds); the progress of the agreement across tranches and the balance over time of
each tranche's handover, as inline SVG with the figures beside them; and the rounds of
talks whose commitments wait on the exchange.

Everything comes through the secured services, so each role sees what they give it: a
party of neither side is refused, an observer sees counts only. The balance over time
is read from the public log (``PersonHandedOver`` and ``PersonReceived`` entries carry
their time, side, track and weight, never a person), which anyone may read.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from parley.domain.access import Principal
from parley.domain.rounds import PreconditionKind
from parley.domain.tranches import TrancheState
from parley.entrypoints.api.deps import BackendDep
from parley.entrypoints.api.routes.tranches import ExchangeName, TrancheNumber
from parley.entrypoints.web import charts, i18n
from parley.entrypoints.web.deps import PAGE, SignedIn
from parley.entrypoints.web.render import gettext as _
from parley.entrypoints.web.render import page
from parley.services.access import Capability
from parley.services.exchange import TrancheStatus
from parley.services.rounds import RoundView
from parley.services.secured import crossing, ledger, manifests, rounds

__all__ = ["router"]

router = APIRouter(dependencies=PAGE)

# Tranches whose balance is shown live, and those whose bar still changes.
_LIVE_STATES = frozenset({TrancheState.OPEN, TrancheState.CLOSING, TrancheState.SUSPENDED})
_POLLED_STATES = frozenset({TrancheState.OPEN, TrancheState.CLOSING})
# People of a tranche still to cross (the rest are received or gone).
_TO_CROSS = ("listed", "handed_over")
# The public log is read in pages of this many entries, up to a limit.
_LOG_PAGE = 1000
_LOG_LIMIT = 100_000
# The most steps a handover's table of figures lists, and its chart draws.
_MOST_ROWS = 24
_MOST_POINTS = 400


def _tranche_states() -> dict[str, str]:
    return {
        "draft": _("draft"),
        "awaiting_signatures": _("awaiting signatures"),
        "sealed": _("sealed"),
        "open": _("open"),
        "closing": _("closing"),
        "closed": _("closed"),
        "suspended": _("suspended"),
        "cancelled": _("cancelled"),
    }


def _round_states() -> dict[str, str]:
    return {
        "planned": _("planned"),
        "held": _("held"),
        "concluded": _("concluded"),
        "cancelled": _("cancelled"),
    }


def _commitment_states() -> dict[str, str]:
    return {
        "pending": _("pending"),
        "due": _("due"),
        "fulfilled": _("fulfilled"),
        "broken": _("broken"),
        "withdrawn": _("withdrawn"),
    }


def _precondition(kind: PreconditionKind, stages: int | None, on: Any) -> str:
    """What a commitment waits on, in the page's language."""
    if kind is PreconditionKind.EXCHANGE_COMPLETE:
        return _("the exchange is complete")
    if kind is PreconditionKind.STAGES_CLOSED:
        return _("%(n)s tranches of the exchange have closed") % {"n": stages or 0}
    if kind is PreconditionKind.DATE_REACHED:
        return _("the date %(date)s has come") % {"date": on.isoformat() if on else "—"}
    return _("nothing: due at once")


# --- the balance over time, from the public log ------------------------------------------


@dataclass(slots=True)
class _Step:
    """One step of a handover: the time, and each side's total after it."""

    time: datetime
    what: str  # handed_over or received
    side: str
    handed: dict[str, int]
    received: dict[str, int]


@dataclass(slots=True)
class _History:
    """A tranche's handover as the public log tells it."""

    steps: list[_Step] = field(default_factory=list)


@dataclass(slots=True)
class _Read:
    """What this process has read of the public log for one exchange.

    The log only grows, and an entry never changes: a later page reads only the entries
    added since, instead of the whole log again (thousands of entries in a large
    exchange, on every load of the overview).
    """

    after: int = 0
    found: dict[int, _History] = field(default_factory=dict)
    handed: dict[int, dict[str, int]] = field(default_factory=dict)
    received: dict[int, dict[str, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_READS: OrderedDict[tuple[str, str], _Read] = OrderedDict()
_READS_LOCK = threading.Lock()
_READS_KEPT = 64  # exchanges remembered per process


def _read_state(backend: Any, exchange: str) -> _Read:
    key = (str(backend.engine.url), exchange)
    with _READS_LOCK:
        state = _READS.pop(key, None) or _Read()
        _READS[key] = state  # the most recently used last
        while len(_READS) > _READS_KEPT:
            _READS.popitem(last=False)
    return state


def _histories(
    backend: Any, viewer: Principal, exchange: str, parties: tuple[str, ...]
) -> dict[int, _History]:
    """Per tranche, its handover's steps in the order the log recorded them."""
    state = _read_state(backend, exchange)
    with state.lock:
        budget = _LOG_LIMIT  # entries read for one page at most
        while budget > 0:
            run = ledger.log_entries(
                backend.unit(read_only=True), viewer, after=state.after, limit=_LOG_PAGE
            )
            if run.size < state.after:  # not the log this process read (a restored copy)
                state.after, state.found, state.handed, state.received = 0, {}, {}, {}
                continue
            for raw in run.entries:
                _take(state, json.loads(raw), exchange, parties)
            state.after += len(run.entries)
            budget -= len(run.entries)
            if not run.entries or state.after >= run.size:
                break
        return {n: _History(list(h.steps)) for n, h in state.found.items()}


def _take(state: _Read, entry: dict[str, Any], exchange: str, parties: tuple[str, ...]) -> None:
    """Add one log entry to the steps, if it is a handover step of ``exchange``."""
    kind, data = entry.get("type"), entry.get("data")
    if kind not in ("PersonHandedOver", "PersonReceived") or not isinstance(data, dict):
        return
    if data.get("exchange") != exchange:
        return
    try:
        number, side, weight = int(data["tranche"]), str(data["side"]), int(data["weight"])
        when = datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return
    sent = state.handed.setdefault(number, dict.fromkeys(parties, 0))
    got = state.received.setdefault(number, dict.fromkeys(parties, 0))
    if kind == "PersonHandedOver":
        sent[side] = sent.get(side, 0) + weight
        what = "handed_over"
    else:
        got[side] = got.get(side, 0) + weight
        what = "received"
    state.found.setdefault(number, _History()).steps.append(
        _Step(when, what, side, dict(sent), dict(got))
    )


def _history_chart(number: int, history: _History, parties: tuple[str, ...]) -> Markup:
    # A chart a few hundred pixels wide shows no more than this many points; a handover
    # of thousands of people would otherwise send thousands of them on every load.
    steps = _spread(history.steps, _MOST_POINTS)
    first, last = steps[0].time, steps[-1].time
    span = (last - first).total_seconds()
    xs = [(s.time - first).total_seconds() / span for s in steps] if span > 0 else None
    lines = [
        charts.Line(
            _("received from %(side)s") % {"side": side},
            tuple(float(s.received.get(side, 0)) for s in steps),
            charts.SIDE_COLOURS[i % 2],
        )
        for i, side in enumerate(parties)
    ]
    labels = [first.strftime("%H:%M:%S"), last.strftime("%H:%M:%S")]
    title = _("Tranche %(n)s: people received from each side over time") % {"n": number}
    return charts.line_chart(
        f"history-{number}", title, lines, labels, xs=xs, y_label=_("received")
    )


def _shown_steps(steps: list[_Step]) -> list[_Step]:
    """The steps the table lists: all of a short handover, else evenly spread ones."""
    return _spread(steps, _MOST_ROWS)


def _spread(steps: list[_Step], most: int) -> list[_Step]:
    """All ``steps`` if there are at most ``most``, else ``most`` evenly spread ones,
    the first and the last among them."""
    if len(steps) <= most:
        return steps
    stride = (len(steps) - 1) / (most - 1)
    return [steps[round(i * stride)] for i in range(most)]


# --- the progress across tranches ---------------------------------------------------------


def _progress(
    statuses: list[TrancheStatus], parties: tuple[str, ...]
) -> tuple[Markup, list[dict[str, Any]]]:
    """The stacked bars of the tranches, and their figures."""
    rows = []
    groups = []
    for status in statuses:
        figures = {}
        bars = []
        for i, side in enumerate(parties):
            counts = status.people.get(side, {})
            done = counts.get("received", 0)
            left = sum(counts.get(state, 0) for state in _TO_CROSS)
            figures[side] = (done, left)
            bars.append(charts.Bar(side, done, left, charts.SIDE_COLOURS[i % 2]))
        label = _("Tranche %(n)s") % {"n": status.number}
        groups.append(charts.BarGroup(label, tuple(bars)))
        rows.append({"number": status.number, "figures": figures})
    chart = charts.stacked_bars(
        "progress",
        _("Progress of the agreement: people exchanged and still to cross, per tranche and side"),
        groups,
        done_label=_("exchanged"),
        left_label=_("still to cross"),
    )
    return chart, rows


# --- the rounds of talks ------------------------------------------------------------------


def _concerns(view: RoundView, exchange: str) -> bool:
    """Whether a round produced the exchange's agreement or commits on it."""
    return exchange in view.round.agreements or any(
        c.commitment.precondition.agreement_ref == exchange for c in view.commitments
    )


def _rounds(backend: Any, viewer: Principal, exchange: str) -> list[dict[str, Any]]:
    views = rounds.rounds_status(
        backend.unit(read_only=True), viewer, today=datetime.now(UTC).date()
    )
    shown = []
    for view in views:
        if not _concerns(view, exchange):
            continue
        r = view.round
        shown.append(
            {
                "number": r.number,
                "venue": r.venue,
                "starts_on": r.starts_on,
                "status": r.status.value,
                "commitments": [
                    {
                        "ref": c.commitment.ref,
                        "text": c.commitment.text,
                        "status": c.commitment.status.value,
                        "since": c.since,
                        "precondition": _precondition(
                            c.commitment.precondition.kind,
                            c.commitment.precondition.stages,
                            c.commitment.precondition.on,
                        ),
                        "holds": c.holds,
                        "progress": c.progress,
                    }
                    for c in view.commitments
                ],
            }
        )
    return shown


# --- the pages ---------------------------------------------------------------------------


def _balance_context(
    status: TrancheStatus, exchange: str, parties: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "exchange": exchange,
        "parties": parties,
        "status": status,
        "polled": status.state in _POLLED_STATES,
        "tranche_states": _tranche_states(),
    }


@router.get("/app/exchanges/{exchange}")
def overview(
    request: Request, exchange: ExchangeName, backend: BackendDep, viewer: SignedIn
) -> Response:
    """The exchange against its agreement, its tranches, charts and rounds."""
    i18n.using(request.state.language)  # the charts' words are translated here
    detail = manifests.exchange_detail(backend.unit(read_only=True), viewer, exchange)
    parties = tuple(detail.view.parties)
    tranches = crossing.list_tranches(backend.unit(read_only=True), viewer, exchange)
    statuses = [
        crossing.tranche_status(backend.unit(read_only=True), viewer, exchange, t.number)
        for t in tranches
        if t.state is not TrancheState.CANCELLED
    ]
    by_number = {s.number: s for s in statuses}
    progress_chart, progress_rows = _progress(statuses, parties)
    histories = _histories(backend, viewer, exchange, parties)
    handovers = [
        {
            "number": number,
            "chart": _history_chart(number, history, parties),
            "steps": _shown_steps(history.steps),
            "count": len(history.steps),
        }
        for number, history in sorted(histories.items())
        if history.steps
    ]
    live = [
        _balance_context(by_number[t.number], exchange, parties)
        for t in tranches
        if t.state in _LIVE_STATES and t.number in by_number
    ]
    context = {
        "exchange": exchange,
        "detail": detail,
        "parties": parties,
        "tranches": tranches,
        "statuses": by_number,
        "to_cross_states": _TO_CROSS,
        "live": live,
        "progress_chart": progress_chart,
        "progress_rows": progress_rows,
        "handovers": handovers,
        "rounds": _rounds(backend, viewer, exchange),
        "tranche_states": _tranche_states(),
        "round_states": _round_states(),
        "commitment_states": _commitment_states(),
    }
    return page(request, "overview/overview.html", context)


@router.get("/app/exchanges/{exchange}/tranches/{number}/balance")
def balance(
    request: Request,
    exchange: ExchangeName,
    number: TrancheNumber,
    backend: BackendDep,
    viewer: SignedIn,
) -> Response:
    """The balance of one tranche, as a fragment the overview swaps in every two seconds."""
    status = crossing.tranche_status(backend.unit(read_only=True), viewer, exchange, number)
    parties = crossing.exchange_parties(
        backend.unit(read_only=True), viewer, Capability.TRANCHES_READ, exchange
    )
    return page(request, "overview/balance.html", _balance_context(status, exchange, parties))
