"""``parley agreement check``: read an agreement file, summarise it, warn where the law objects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from parley import bootstrap
from parley.domain.agreements import Agreement, NoActiveService
from parley.entrypoints.cli.output import counted, err, out
from parley.errors import AgreementRejected

__all__ = ["agreement_app"]

agreement_app = typer.Typer(
    help="Agreement files: the formula of an exchange.", no_args_is_help=True
)


def _say(text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


def _per_side(minimum: int | None, maximum: int | None) -> str:
    if minimum is None and maximum is None:
        return "-"
    if minimum == maximum:
        return f"exactly {minimum:,}"
    parts = [f"at least {minimum:,}"] if minimum is not None else []
    parts += [f"at most {maximum:,}"] if maximum is not None else []
    return ", ".join(parts)


_NO_ACTIVE_SERVICE = {
    NoActiveService.SERIOUSLY_ILL: "the seriously wounded and sick (GC III Art. 117)",
    NoActiveService.EVERYONE: "everyone repatriated (the agreement extends GC III Art. 117)",
}


def _summary(agreement: Agreement) -> None:
    a, b = agreement.parties
    _say(f"agreement {agreement.name or '(unnamed)'}: {a} and {b}, ages on {agreement.age_on}")
    table = RichTable("track", "selector", "formula", "per side")
    for track in agreement.tracks:
        bounds = _per_side(track.minimum_per_side, track.maximum_per_side)
        table.add_row(track.name, track.selector.text, track.formula.describe(), bounds)
    out.print(table)
    must = "; ".join(s.text for s in agreement.must_include) or "-"
    unilateral = "; ".join(s.text for s in agreement.unilateral) or "-"
    excluded = "; ".join(s.text for s in agreement.exclude) or "-"
    rules = agreement.tranches
    when = ", ".join(d.isoformat() for d in rules.dates) if rules.dates else "dates to agree"
    _say(f"must include: {must}")
    _say(f"unilateral (regardless of balance): {unilateral}")
    _say(f"excluded: {excluded}")
    _say(f"per side: {_per_side(agreement.minimum_per_side, agreement.maximum_per_side)}")
    capacity = f"{rules.capacity_per_side:,}" if rules.capacity_per_side else "no cap"
    _say(
        f"tranches: {rules.count} ({when}); per side per tranche: {capacity}; "
        f"largest lead: {rules.max_lead}; separate: {', '.join(rules.separate) or '-'}"
    )
    consent = agreement.consent
    _say(
        f"will to return: required, recorded by {consent.confirmed_by.value} "
        f"within {counted(consent.within_days, 'days')} of handover"
    )
    _say(f"reserve share: {agreement.reserve_share:.0%}")
    _say(f"no active service once home: {_NO_ACTIVE_SERVICE[agreement.no_active_service]}")


@agreement_app.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="The agreement file (YAML).")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit non-zero when there are warnings.")
    ] = False,
) -> None:
    """Read an agreement file: summarise it, list law warnings, or list every problem."""
    try:
        checked = bootstrap.load_agreement(path)
    except AgreementRejected as e:
        for line in e.problems:
            err.print(f"error: {line}", markup=False, soft_wrap=True)
        err.print(
            f"{e.source}: not loaded ({counted(len(e.problems), 'problems')})", soft_wrap=True
        )
        raise typer.Exit(1) from e
    _summary(checked.agreement)
    for line in checked.warnings:
        _say(line)
    if not checked.warnings:
        _say("no warnings")
    if strict and checked.warnings:
        raise typer.Exit(1)
