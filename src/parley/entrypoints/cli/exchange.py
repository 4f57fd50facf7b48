"""``parley manifest``, ``parley tranche`` and ``parley handover``: the exchange itself.

The mediator adopts a plan (``manifest issue``), each of the three exports the manifests,
signs them on its own machine (``parley sign``) and hands the signature in (``manifest
accept``); a sealed tranche opens on its date, people cross one by one (``handover
record``, or the fast ``handover console`` at the crossing), and it closes when
balanced. docs/exchange.md tells the story.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table as RichTable

from parley import bootstrap
from parley.config import Settings
from parley.domain.handover import Action
from parley.domain.manifests import Manifest
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import out
from parley.errors import ExportFailed, InvalidValue, NotFound, ParleyError
from parley.ledger.keys import load_signing_key
from parley.services import amendments, manifests
from parley.services import exchange as service
from parley.services import handover as crossing
from parley.services.ledger import sign_checkpoint
from parley.services.ports import ExchangeUnitOfWork

__all__ = ["handover_app", "manifest_app", "tranche_app"]

manifest_app = typer.Typer(
    help="Manifests: issue them from a plan, show, export, diff, accept signatures.",
    no_args_is_help=True,
)
tranche_app = typer.Typer(
    help="Tranches: open on their date, close when balanced, status.", no_args_is_help=True
)
handover_app = typer.Typer(
    help="The crossing: record each person's steps, frictions and their fixes.",
    no_args_is_help=True,
)

T = TypeVar("T")
ExchangeOpt = Annotated[
    str | None,
    typer.Option(
        "--exchange", "-x", help="The exchange (its agreement's name); the only one by default."
    ),
]
SideOpt = Annotated[str | None, typer.Option("--side", "-s", help="The releasing party's code.")]
AsOpt = Annotated[
    str,
    typer.Option("--as", help="Who records it: a party code, neutral_verifier or mediator."),
]


def _say(text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _uow(config: Settings, *, read_only: bool = False) -> ExchangeUnitOfWork:
    return bootstrap.unit_of_work(bootstrap.connect(config), read_only=read_only)


def _exchange(config: Settings, given: str | None) -> str:
    """The exchange named, or the only one there is."""
    if given:
        return given
    uow = _uow(config, read_only=True)
    with uow:
        names = [e.name for e in uow.exchange.exchanges()]
    if len(names) == 1:
        return names[0]
    if not names:
        raise NotFound("no exchange has adopted a plan yet (parley manifest issue AGREEMENT)")
    raise InvalidValue("--exchange", f"there are several exchanges; name one of {names}")


def _checkpoint(config: Settings) -> None:
    """Sign a checkpoint of the log as the mediator, when its key is configured."""
    if not config.mediator_key:
        return
    passphrase = config.mediator_key_passphrase.encode() if config.mediator_key_passphrase else None
    key = load_signing_key(Path(config.mediator_key), passphrase)
    unit = bootstrap.unit_of_work(bootstrap.connect(config))
    stored = sign_checkpoint(unit, key, origin=config.log_origin, now=_now())
    _say(f"MEDIATOR signed a checkpoint of the log at size {stored.size:,}")


def _tranche_event(config: Settings, run: Callable[[], T]) -> T:
    """Run a tranche event, then sign a checkpoint covering it."""
    result = run()
    _checkpoint(config)
    return result


# --- manifests --------------------------------------------------------------------------


@manifest_app.command("issue")
def manifest_issue(
    agreement_file: Annotated[
        Path, typer.Argument(help="The agreement file the plan was made for.")
    ],
    plan_id: Annotated[
        int | None, typer.Option("--plan", help="The plan to adopt (default: the latest).")
    ] = None,
) -> None:
    """Adopt a plan: create its tranches and issue version 1 of every manifest to sign."""
    config = settings()
    checked = bootstrap.load_agreement(agreement_file)
    text = agreement_file.read_text("utf-8")
    stored = manifests.adopt_plan(
        _uow(config), checked.agreement, text, plan_id=plan_id, actor=config.actor, now=_now()
    )
    for s in stored:
        m = s.manifest
        _say(
            f"tranche {m.tranche} ({m.date or 'no date'}): manifest of {m.side}, version "
            f"{m.version}, {len(m.people):,} people, {len(m.reserves):,} reserves, "
            f"SHA-256 {s.sha256}"
        )
    _say("each of the parties and the mediator now exports, signs and hands in each manifest")
    _checkpoint(config)


def _side(config: Settings, exchange: str, side: str | None) -> str:
    if side:
        return side.upper()
    raise InvalidValue("--side", f"name the releasing party of the manifest in {exchange!r}")


def _people_table(manifest: Manifest, *, reserves: bool = False) -> RichTable:
    table = RichTable("#", "record id", "track", "points", "family name", "given name",
                      "patronymic", "born", "rank")  # fmt: skip
    rows = manifest.reserves if reserves else manifest.people
    for i, p in enumerate(rows, start=1):
        table.add_row(
            str(p.reserve_rank or i), p.record_id, p.track, str(p.points), p.family_name,
            p.given_name, p.patronymic or "", p.birth_date or "", p.rank or "",
        )  # fmt: skip
    return table


@manifest_app.command("show")
def manifest_show(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    side: SideOpt = None,
    version: Annotated[int | None, typer.Option("--version", help="Default: the latest.")] = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Show a manifest: its people in crossing order, its reserves and who signed it."""
    config = settings()
    name = _exchange(config, exchange)
    stored = manifests.export_manifest(
        _uow(config, read_only=True), name, tranche, _side(config, name, side), version
    )
    m = stored.manifest
    sealed = "sealed" if stored.sealed_at else "not sealed"
    _say(f"{m.subject} of {name!r} ({m.date or 'no date'}), {sealed}; SHA-256 {stored.sha256}")
    _say(f"reason: {m.reason}")
    out.print(_people_table(m))
    if m.reserves:
        _say("reserves:")
        out.print(_people_table(m, reserves=True))
    signed = ", ".join(sorted(stored.signatures)) or "nobody yet"
    _say(f"signed by: {signed}")


@manifest_app.command("export")
def manifest_export(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    side: SideOpt = None,
    version: Annotated[int | None, typer.Option("--version", help="Default: the latest.")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Default: manifest-T-SIDE-vN.json.")
    ] = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Write a manifest's canonical JSON, the exact bytes every signer signs."""
    config = settings()
    name = _exchange(config, exchange)
    chosen = _side(config, name, side)
    stored = manifests.export_manifest(_uow(config, read_only=True), name, tranche, chosen, version)
    target = out_file or Path(f"manifest-{tranche}-{chosen}-v{stored.manifest.version}.json")
    try:
        target.write_bytes(stored.document)
    except OSError as e:
        raise ExportFailed(f"cannot write {target}: {e.strerror}") from e
    _say(f"{stored.manifest.subject} written to {target}, SHA-256 {stored.sha256}")
    _say(f"sign it with: parley sign {target} --key YOUR.key")


@manifest_app.command("diff")
def manifest_diff(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    side: SideOpt = None,
    old: Annotated[int | None, typer.Option("--from", help="Default: version 1.")] = None,
    new: Annotated[int | None, typer.Option("--to", help="Default: the latest.")] = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Show what each amendment changed: people taken off (-) and put on (+)."""
    config = settings()
    name = _exchange(config, exchange)
    diffs = manifests.diff_versions(
        _uow(config, read_only=True), name, tranche, _side(config, name, side), old, new
    )
    if not diffs:
        _say("only one version: nothing has changed")
    for diff in diffs:
        for line in diff.lines():
            _say(line)


@manifest_app.command("accept")
def manifest_accept(
    signature_file: Annotated[Path, typer.Argument(help="A signature made with parley sign.")],
) -> None:
    """Hand in a signature of a manifest; it is verified against the signer's registered key."""
    config = settings()
    try:
        text = signature_file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise NotFound(f"cannot read {signature_file}: {getattr(e, 'strerror', e)}") from e
    from parley.ledger.signatures import FileSignature

    digest = FileSignature.parse(text).sha256.hex()
    uow = _uow(config, read_only=True)
    with uow:
        found = uow.exchange.manifest_by_sha256(digest)
    if found is None:
        raise NotFound(f"{signature_file} signs SHA-256 {digest}, which is no manifest here")
    name, number, side, _version = found
    outcome = _tranche_event(
        config,
        lambda: manifests.sign_manifest(
            _uow(config), name, number, side, text, actor=config.actor, now=_now()
        ),
    )
    what = f"the manifest of {side} in tranche {number}, version {outcome.version}"
    if not outcome.changed:
        _say(f"{outcome.signer} had signed {what} already")
    elif outcome.sealed:
        _say(
            f"{outcome.signer} signed {what}: sealed (tranche {number} is "
            f"{outcome.tranche_state.value})"
        )
    else:
        _say(f"{outcome.signer} signed {what}; still to sign: {', '.join(outcome.missing)}")


# --- tranches ---------------------------------------------------------------------------


def _today(given: str | None) -> date:
    if given is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(given)
    except ValueError as e:
        raise InvalidValue("--today", f"{given!r} is not a date (YYYY-MM-DD)") from e


@tranche_app.command("open")
def tranche_open(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    today: Annotated[
        str | None, typer.Option("--today", help="The date at the crossing (default: today).")
    ] = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Open a sealed tranche on its date: its people may now cross."""
    config = settings()
    name = _exchange(config, exchange)
    _tranche_event(
        config,
        lambda: service.open_tranche(
            _uow(config), name, tranche, today=_today(today), actor=config.actor, now=_now()
        ),
    )
    _say(f"tranche {tranche} of {name!r} is open")


@tranche_app.command("close")
def tranche_close(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    exchange: ExchangeOpt = None,
) -> None:
    """Close a tranche whose every track is balanced by the people received."""
    config = settings()
    name = _exchange(config, exchange)
    balances = _tranche_event(
        config,
        lambda: service.close_tranche(_uow(config), name, tranche, actor=config.actor, now=_now()),
    )
    _say(f"tranche {tranche} of {name!r} is closed")
    for b in balances:
        received = ", ".join(f"{side} {value:,}" for side, value in b.received.items())
        _say(f"  {b.track}: received {received}")


def _move(command: str, run: Callable[..., object], done: str) -> Callable[..., None]:
    def moved(
        tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
        exchange: ExchangeOpt = None,
    ) -> None:
        config = settings()
        name = _exchange(config, exchange)
        _tranche_event(
            config, lambda: run(_uow(config), name, tranche, actor=config.actor, now=_now())
        )
        _say(f"tranche {tranche} of {name!r} is {done}")

    moved.__doc__ = command
    return moved


tranche_app.command("suspend")(
    _move(
        "Suspend an open tranche: nobody crosses until it resumes.",
        service.suspend_tranche,
        "suspended",
    )
)
tranche_app.command("resume")(
    _move("Resume a suspended tranche.", service.resume_tranche, "open again")
)
tranche_app.command("cancel")(
    _move("Cancel a tranche nobody has crossed in.", service.cancel_tranche, "cancelled")
)


@tranche_app.command("status")
def tranche_status(
    tranche: Annotated[int | None, typer.Argument(help="The tranche (default: all).")] = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Each tranche's state, balance per track, who must cross next, and signatures."""
    config = settings()
    name = _exchange(config, exchange)
    uow = _uow(config, read_only=True)
    with uow:
        numbers = [t.number for t in uow.exchange.tranches(name)]
    if tranche is None:
        _show_totals(service.exchange_totals(_uow(config, read_only=True), name))
    for number in [tranche] if tranche is not None else numbers:
        status = service.tranche_status(_uow(config, read_only=True), name, number)
        when = status.on_date.isoformat() if status.on_date else "no date"
        _say(f"tranche {number} ({when}): {status.state.value}")
        table = RichTable("track", "formula", "side", "handed over", "received", "owed", "next")
        for t in status.tracks:
            for i, side in enumerate(t.sent):
                table.add_row(
                    t.track if i == 0 else "", t.formula if i == 0 else "", side,
                    f"{t.sent[side]:,}", f"{t.received[side]:,}", f"{t.owed[side]:,}",
                    (t.next_to_cross or "level") if i == 0 else "",
                )  # fmt: skip
        out.print(table)
        for side, counts in status.people.items():
            shown = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
            version, sealed, signers = status.manifests.get(side, (0, False, ()))
            _say(
                f"  {side}: {shown or 'nobody listed'}; manifest version {version} "
                f"{'sealed' if sealed else 'signed by ' + (', '.join(signers) or 'nobody')}"
            )


def _show_totals(totals: service.ExchangeTotals) -> None:
    """The exchange against its agreement, before each tranche's detail."""
    bounds = []
    if totals.minimum_per_side is not None:
        bounds.append(f"at least {totals.minimum_per_side:,}")
    if totals.maximum_per_side is not None:
        bounds.append(f"at most {totals.maximum_per_side:,}")
    target = f" (the agreement: {' and '.join(bounds)} a side)" if bounds else ""
    sides = "; ".join(
        f"{side} {n:,} received, {totals.to_cross[side]:,} still to cross"
        for side, n in totals.received.items()
    )
    state = "complete" if totals.complete else "under way"
    _say(
        f"exchange {totals.exchange!r}, {state}: {totals.tranches_closed} of "
        f"{totals.tranches} tranches closed; {sides}{target}"
    )


# --- the handover -----------------------------------------------------------------------


def _find_side(config: Settings, name: str, number: int, record_id: str, side: str | None) -> str:
    if side:
        return side.upper()
    uow = _uow(config, read_only=True)
    with uow:
        tranche = service.require_tranche(uow, name, number)
        sides = uow.exchange.sides_listing(service.tranche_id_of(tranche), record_id)
    if len(sides) == 1:
        return sides[0]
    if not sides:
        raise NotFound(f"record {record_id} is on no manifest of tranche {number}")
    raise InvalidValue(
        "--side", f"record {record_id} is on {' and '.join(sides)}'s manifests; name one"
    )


def _show_result(result: crossing.HandoverResult) -> None:
    replay = " (already recorded: the first answer again)" if result.replayed else ""
    balance = ", ".join(f"{s} {v}/{result.received[s]}" for s, v in result.sent.items())
    nxt = result.next_to_cross or "either side (level)"
    _say(
        f"record {result.record_id}: {result.state}{replay}; {result.track} handed over/"
        f"received {balance}; next to cross: {nxt}"
    )
    for fix in result.fixes:
        _say(f"  fix: {fix.text}")


@handover_app.command("record")
def handover_record(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    record_id: Annotated[str, typer.Argument(help="The person's record id.")],
    action: Annotated[Action, typer.Argument(help="What happened.")],
    acting_as: AsOpt,
    side: SideOpt = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="An idempotency key: sent again, it is recorded once."),
    ] = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Record one step for one person at the crossing."""
    config = settings()
    name = _exchange(config, exchange)
    chosen = _find_side(config, name, tranche, record_id, side)
    result = crossing.record(
        _uow(config), name, tranche, chosen, record_id, action,
        acting_as=acting_as, actor=config.actor, now=_now(), idempotency_key=key,
    )  # fmt: skip
    _show_result(result)


_CONSOLE_STEPS: dict[str, tuple[Action, ...]] = {
    "neutral_verifier": (Action.VERIFY,),
    "releasing": (Action.HAND_OVER,),
    "receiving": (Action.RECEIVE,),
}


@handover_app.command("console")
def handover_console(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    acting_as: AsOpt,
    exchange: ExchangeOpt = None,
) -> None:
    """The crossing console: type or scan a record id, confirm, next. An empty line ends.

    A neutral verifier's confirmation records identity and will; a releasing party's, the
    handover; a receiving party's, the receipt. Answer n to skip, and d (verifier or
    receiving side) to dispute the identity.
    """
    config = settings()
    name = _exchange(config, exchange)
    role = "neutral_verifier" if acting_as in ("neutral_verifier", "mediator") else acting_as
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            out.print("record id: ", end="")
        line = sys.stdin.readline()
        record_id = line.strip()
        if not record_id:
            return
        try:
            side = _find_side(config, name, tranche, record_id, None)
            kind = (
                role
                if role == "neutral_verifier"
                else ("releasing" if side == acting_as else "receiving")
            )
            steps = _CONSOLE_STEPS[kind]
            if interactive:
                out.print(
                    f"{record_id} of {side}: {' + '.join(s.value for s in steps)}? [Y/n/d] ", end=""
                )
                answer = sys.stdin.readline().strip().lower()
                if answer == "n":
                    continue
                if answer == "d":
                    steps = (Action.DISPUTE_IDENTITY,)
            result = None
            for step in steps:
                result = crossing.record(
                    _uow(config), name, tranche, side, record_id, step,
                    acting_as=acting_as, actor=config.actor, now=_now(),
                )  # fmt: skip
            if result is not None:
                _show_result(result)
        except ParleyError as e:
            _say(f"error: {e}")


@handover_app.command("fixes")
def handover_fixes(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    record_id: Annotated[str, typer.Argument(help="Who will not cross.")],
    side: SideOpt = None,
    exchange: ExchangeOpt = None,
) -> None:
    """What the agreement allows when someone listed will not cross."""
    config = settings()
    name = _exchange(config, exchange)
    chosen = _find_side(config, name, tranche, record_id, side)
    fixes = amendments.offered_fixes(_uow(config, read_only=True), name, tranche, chosen, record_id)
    if not fixes:
        _say("no fix is needed or possible: the track does not balance, or nothing fits")
    for fix in fixes:
        _say(f"{fix.kind.value}: {fix.text}")


@handover_app.command("substitute")
def handover_substitute(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    replaced: Annotated[str, typer.Argument(help="Who will not cross.")],
    reserve: Annotated[str, typer.Argument(help="The reserve who takes their place.")],
    side: SideOpt = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Put a reserve in the place of someone who will not cross: an amendment to sign."""
    config = settings()
    name = _exchange(config, exchange)
    chosen = _find_side(config, name, tranche, replaced, side)
    version = _tranche_event(
        config,
        lambda: amendments.substitute(
            _uow(config), name, tranche, chosen, replaced, reserve, actor=config.actor, now=_now()
        ),
    )
    _say(
        f"{reserve} replaces {replaced} in version {version} of {chosen}'s manifest of tranche "
        f"{tranche}; they cross once all three have signed it"
    )


@handover_app.command("withdraw")
def handover_withdraw(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    gone: Annotated[str, typer.Argument(help="Who will not cross.")],
    matching: Annotated[list[str], typer.Option("--match", help="Whom the other side withdraws.")],
    side: SideOpt = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Match a loss by withdrawing people of the same weight from the other side."""
    config = settings()
    name = _exchange(config, exchange)
    chosen = _find_side(config, name, tranche, gone, side)
    first, second = _tranche_event(
        config,
        lambda: amendments.withdraw_matching(
            _uow(config), name, tranche, chosen, gone, matching, actor=config.actor, now=_now()
        ),
    )
    _say(f"amended: {chosen}'s manifest to version {first}, the other side's to version {second}")


@handover_app.command("carry")
def handover_carry(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    gone: Annotated[str, typer.Argument(help="Who will not cross.")],
    side: SideOpt = None,
    exchange: ExchangeOpt = None,
) -> None:
    """Carry a loss to the next tranche, where the side makes it up."""
    config = settings()
    name = _exchange(config, exchange)
    chosen = _find_side(config, name, tranche, gone, side)
    target = _tranche_event(
        config,
        lambda: amendments.carry_difference(
            _uow(config), name, tranche, chosen, gone, actor=config.actor, now=_now()
        ),
    )
    _say(f"the difference goes to tranche {target}, where {chosen} makes it up")


@handover_app.command("add")
def handover_add(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    reserve: Annotated[str, typer.Argument(help="The reserve to add to the manifest.")],
    side: Annotated[str, typer.Option("--side", "-s", help="The party that owes.")],
    exchange: ExchangeOpt = None,
) -> None:
    """Add a reserve to make up a difference carried in: an amendment to sign."""
    config = settings()
    name = _exchange(config, exchange)
    version = _tranche_event(
        config,
        lambda: amendments.add_from_reserves(
            _uow(config), name, tranche, side.upper(), reserve, actor=config.actor, now=_now()
        ),
    )
    _say(
        f"{reserve} added by version {version} of {side.upper()}'s manifest of tranche "
        f"{tranche}; they cross once all three have signed it"
    )


@handover_app.command("unlisted")
def handover_unlisted(
    tranche: Annotated[int, typer.Argument(help="The tranche's number.")],
    record_id: Annotated[str, typer.Argument(help="The record id of who was presented.")],
    side: Annotated[str, typer.Option("--side", "-s", help="The party presenting them.")],
    track: Annotated[str, typer.Option("--track", help="The track they were presented in.")],
    exchange: ExchangeOpt = None,
) -> None:
    """Record someone presented at the crossing who is not on the sealed manifest."""
    config = settings()
    name = _exchange(config, exchange)
    _say(
        amendments.present_unlisted(
            _uow(config),
            name,
            tranche,
            side.upper(),
            record_id,
            track,
            actor=config.actor,
            now=_now(),
        )
    )
