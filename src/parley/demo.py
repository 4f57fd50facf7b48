"""``parley demo``: a synthetic two-party exchange, loaded the way a party's staff would.

It generates the scenario with a fixed seed, writes each party's holdings and requests
as the files an exchange office would upload (one side's registry as Windows-1251 with
semicolons, as older systems export it), imports them through the same path as
``parley import``, reconciles each side's requests with the other side's holdings as
``parley reconcile`` does, and prints what the database now holds and how many requests
ended in each outcome. Each side's office then confirms the sure matches on its holdings
(the doubtful ones wait in ``parley review``), and the seed formula is planned on it all
as ``parley plan`` does: the plan's summary, and a variant held to exactly 1,000 a side
that cannot hold, with why and what would let it. At the end the mediator signs a
checkpoint of the public log, both parties co-sign it as witnesses, and the log is
exported to ``log.jsonl`` and verified as ``parley verify`` does. The demo holds all
three keys itself, and says so: in a real exchange each party keeps its own. Every name
is synthetic.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable
from sqlalchemy import Engine

from parley import bootstrap
from parley.adapters.formats import open_table
from parley.config import Settings
from parley.demo_exchange import LOG_ORIGIN, run_exchange
from parley.demo_users import add_demo_users
from parley.domain.agreements import Agreement
from parley.domain.parties import Party
from parley.domain.reviews import Reviewer
from parley.entrypoints.cli.ledger import read_witness_state, write_witness_state
from parley.entrypoints.cli.planning import show_plan
from parley.ledger.keys import SigningKey, load_signing_key, write_key_pair
from parley.ledger.notes import Witness
from parley.ledger.receipts import verify_receipt
from parley.ledger.verify import verify_log
from parley.planning.plan_file import write_plan
from parley.services.importing import import_records
from parley.services.keys import register_key
from parley.services.ledger import export_log, sign_checkpoint, witness_checkpoint
from parley.services.parties import list_parties, register_party
from parley.services.planning import plan_from_database, run_planner
from parley.services.receipts import issue_receipt
from parley.services.reconciling import reconcile_parties
from parley.services.reviewing import confirm_matches
from parley.synthetic import generate_scenario

__all__ = ["DEMO_DATE", "DEMO_PARTIES", "run_demo"]

DEMO_DATE = date(2025, 5, 16)
DEMO_PARTIES = (Party("UA", "Ukraine", "uk"), Party("RU", "Russian Federation", "ru"))
_ENCODING = {"RU-holdings": ("cp1251", ";")}
_AGREEMENT = "data/demo-agreement.yaml"  # the seed formula, sized for the demo's data
_LOG_ORIGIN = LOG_ORIGIN
_SIGNERS = ("UA", "RU", "MEDIATOR")


@dataclass(frozen=True, slots=True)
class _File:
    party: str
    kind: str
    path: Path


def _write(path: Path, rows: list[dict[str, str]], encoding: str, delimiter: str) -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


def _write_files(directory: Path, seed: int, holdings: int, requests: int) -> list[_File]:
    scenario = generate_scenario(
        seed=seed, on=DEMO_DATE, holdings_per_side=holdings, requests_per_side=requests
    )
    files: list[_File] = []
    for kind, by_party in (("holdings", scenario.holdings), ("requests", scenario.requests)):
        for party, rows in sorted(by_party.items()):
            encoding, delimiter = _ENCODING.get(f"{party}-{kind}", ("utf-8", ","))
            path = directory / f"{party.lower()}-{kind}.csv"
            _write(path, rows, encoding, delimiter)
            files.append(_File(party, kind, path))
    with (directory / "truth.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["requesting_party", "request_record_id", "holding_record_id"])
        writer.writerows(scenario.truth)
    return files


def run_demo(
    directory: Path,
    *,
    seed: int,
    holdings: int,
    requests: int,
    database_url: str | None,
    console: Console | None = None,
) -> Settings:
    """Run the demo end to end; the demo database in ``directory`` is made anew.

    Returns the settings of the demo's database, for ``parley demo`` to serve it.
    """
    console = console or Console(highlight=False)
    directory.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        db_file = directory / "parley-demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        for party in DEMO_PARTIES:  # the witnesses of the old database: gone with it
            _witness_state(directory, party.code).unlink(missing_ok=True)
        database_url = f"sqlite:///{db_file}"
    settings = Settings(database_url=database_url, actor="demo", log_origin=_LOG_ORIGIN)
    engine = bootstrap.connect(settings)
    now = datetime.now(UTC)
    known = {p.code for p in list_parties(bootstrap.unit_of_work(engine, read_only=True))}
    for party in DEMO_PARTIES:
        if party.code not in known:  # a database named with --database-url may have them
            register_party(bootstrap.unit_of_work(engine), party, actor="demo", now=now)
    console.print(f"generating a synthetic scenario (seed {seed}) in {directory}/ ...")
    files = _write_files(directory, seed, holdings, requests)
    for f in files:
        table = open_table(f.path)
        try:
            summary = import_records(
                bootstrap.unit_of_work(engine),
                kind=f.kind,
                party=f.party,
                table=table,
                actor="demo",
                now=now,
            )
        finally:
            table.close()
        console.print(
            f"  imported {f.path.name} ({table.encoding}): {summary.rows:,} {f.kind} of {f.party}"
        )
    _summary(console, settings)
    _reconcile(console, engine, now)
    _confirm(console, engine, now)
    person, agreement = _plan(console, engine, directory, now)
    keys = _keys(console, engine, directory, now)
    if agreement is not None:
        say = functools.partial(console.print, soft_wrap=True)
        text = (directory / "agreement.yaml").read_text("utf-8")
        person = run_exchange(say, engine, directory, agreement, text, keys) or person
    _ledger(console, engine, directory, now, person, keys)
    console.print("\nthe users. One for each role, to sign in to the API and the web pages:")
    add_demo_users(console, engine, datetime.now(UTC))
    return settings


def _reconcile(console: Console, engine: Engine, now: datetime) -> None:
    """Each side's requests against the other side's holdings, as ``parley reconcile``."""
    requester, holder = DEMO_PARTIES
    for asking, holding in ((requester, holder), (holder, requester)):
        run = reconcile_parties(
            bootstrap.unit_of_work(engine),
            requester=asking.code,
            holder=holding.code,
            actor="demo",
            now=now,
        )
        counts = ", ".join(f"{n:,} {outcome}" for outcome, n in run.outcomes.items())
        merged = run.counts.merged
        console.print(
            f"reconciled {run.counts.requests:,} requests of {asking.code} with "
            f"{run.counts.holdings:,} holdings of {holding.code}: {counts} "
            f"({merged:,} duplicate request{'' if merged == 1 else 's'} merged)"
        )


def _confirm(console: Console, engine: Engine, now: datetime) -> None:
    """Each holding party confirms the sure matches, as ``parley review`` would one by one."""
    for party in DEMO_PARTIES:
        office = Reviewer(f"{party.code} exchange office", party.code)
        n = confirm_matches(bootstrap.unit_of_work(engine), reviewer=office, now=now)
        console.print(f"{party.code} confirmed {n:,} sure matches on its holdings")
    console.print("review the doubtful ones with: parley review --party RU (or UA)")


def _plan(
    console: Console, engine: Engine, directory: Path, now: datetime
) -> tuple[tuple[str, str] | None, Agreement | None]:
    """Plan the seed formula, then the same held to exactly 1,000 a side (which cannot hold).

    Returns a person the plan releases at the other side's request, and the agreement
    when its plan is feasible (the exchange is then run on it).
    """
    path = directory / "agreement.yaml"
    path.write_bytes(resources.files("parley").joinpath(_AGREEMENT).read_bytes())
    agreement = bootstrap.load_agreement(path).agreement
    console.print(f"\nplanning the seed formula ({path}), as parley plan does:")
    draft = plan_from_database(bootstrap.unit_of_work(engine), agreement, actor="demo", now=now)
    show_plan(console, draft)
    asked = [r for r in draft.plan.releases if r.requested is not None]
    if not draft.plan.feasible:
        console.print("(the seed formula needs the demo's default sizes: --holdings 6000)")
    with (directory / "plan.json").open("w", encoding="utf-8", newline="\n") as stream:
        write_plan(draft.plan, stream)
    console.print(f"draft plan {draft.plan_id} stored; plan file: {directory / 'plan.json'}")
    exactly = dataclasses.replace(
        agreement, name="1,000 for 1,000, exactly (demo)", maximum_per_side=1000
    )
    console.print("\nthe same formula held to exactly 1,000 a side (maximum_per_side: 1000):")
    if draft.problem is not None:  # the same people: a maximum changes no one's eligibility
        variant = run_planner(dataclasses.replace(draft.problem, agreement=exactly))
        show_plan(console, dataclasses.replace(draft, plan=variant, plan_id=None))
    person = (asked[0].party, asked[0].record_id) if asked else None
    return person, agreement if draft.plan.feasible else None


def _witness_state(directory: Path, party: str) -> Path:
    return directory / f"{party.lower()}-witness.json"


def _demo_key(directory: Path, name: str) -> SigningKey:
    """The demo's key ``name`` in ``directory``: made on the first run, then kept.

    A key file is never overwritten (it may be someone's only copy), so a later run on
    the same folder signs with the same keys.
    """
    path = directory / f"{name.lower()}.key"
    if path.exists():
        return load_signing_key(path)
    key = SigningKey.generate(name)
    write_key_pair(key, path)
    return key


def _keys(
    console: Console, engine: Engine, directory: Path, now: datetime
) -> dict[str, SigningKey]:
    """The three demo keys, made (or kept) and registered as parley keys register does."""
    keys = {name: _demo_key(directory, name) for name in _SIGNERS}
    console.print(
        f"\nthe keys. The demo holds all three keys ({', '.join(_SIGNERS)}) in "
        f"{directory}/; a real exchange never does: each party keeps its own key, and "
        "the mediator its own.",
        soft_wrap=True,
    )
    for key in keys.values():  # each with its .pub
        register_key(bootstrap.unit_of_work(engine), key.verifier, actor="demo", now=now)
    return keys


def _ledger(
    console: Console,
    engine: Engine,
    directory: Path,
    now: datetime,
    person: tuple[str, str] | None,
    keys: dict[str, SigningKey],
) -> None:
    """Sign, witness, export and verify the public log, as parley log and parley verify do."""
    say = functools.partial(console.print, soft_wrap=True)
    say("\nthe public log:")
    mediator = keys["MEDIATOR"]
    stored = sign_checkpoint(bootstrap.unit_of_work(engine), mediator, origin=_LOG_ORIGIN, now=now)
    say(f"MEDIATOR signed a checkpoint of size {stored.size:,}")
    for party in DEMO_PARTIES:
        path = _witness_state(directory, party.code)
        state = read_witness_state(path, _LOG_ORIGIN)
        witness = Witness(keys[party.code], mediator.verifier, state)
        keep = functools.partial(write_witness_state, path)
        witness_checkpoint(bootstrap.unit_of_work(engine), witness, now=now, keep=keep)
        say(f"{party.code} co-signed it as a witness (its memory: {path})")
    export = directory / "log.jsonl"
    with export.open("wb") as stream:
        export_log(bootstrap.unit_of_work(engine, read_only=True), stream, origin=_LOG_ORIGIN)
    with export.open("rb") as lines:
        report = verify_log(lines, witnesses=[keys[p.code].verifier for p in DEMO_PARTIES])
    root = base64.b64encode(report.root).decode()
    cosigners = ", ".join(report.checkpoints[-1].witnesses)
    say(
        f"exported to {export} and verified: {report.entries:,} entries, root {root}, "
        f"the latest checkpoint co-signed by {cosigners}"
    )
    pubs = " ".join(f"--witness {directory / p.code.lower()}.pub" for p in DEMO_PARTIES)
    say(f"check it yourself: parley verify {export} {pubs}")
    if person is not None:
        _receipt(say, engine, directory, person, mediator, export)


def _receipt(
    say: Callable[[str], object],
    engine: Engine,
    directory: Path,
    person: tuple[str, str],
    mediator: SigningKey,
    export: Path,
) -> None:
    """Issue one family's receipt and check it against the exported log, as they would."""
    party, record_id = person
    receipt = issue_receipt(
        bootstrap.unit_of_work(engine, read_only=True), "holding", party, record_id
    )
    path = directory / "receipt.json"
    path.write_bytes(receipt.to_json())
    path.chmod(0o600)
    with export.open("rb") as lines:
        report = verify_receipt(receipt, mediator.verifier, log_lines=lines)
    say(f"receipt of holding {party}/{record_id} written to {path} and verified:")
    for line in report.explain():
        say(f"  {line}")
    say(f"check it yourself: parley verify --receipt {path} --log-key "
        f"{directory / 'mediator.pub'} --log {export}")  # fmt: skip


def _summary(console: Console, settings: Settings) -> None:
    uow = bootstrap.unit_of_work(bootstrap.connect(settings), read_only=True)
    table = RichTable(title="What each party uploaded", show_lines=False)
    for column in (
        "party",
        "holds",
        "POW",
        "civilians",
        "other",
        "seriously ill",
        "under 25",
        "requests",
    ):
        table.add_column(column, justify="right" if column != "party" else "left")
    with uow:
        for party in DEMO_PARTIES:
            counts: Counter[str] = Counter()
            for h in uow.holdings.iter_party(party.code):
                counts["holds"] += 1
                counts["civilians" if h.category.is_civilian else h.category.value] += 1
                counts["ill"] += h.seriously_ill
                born = h.identity.birth_date
                counts["young"] += born is not None and born.age_on(DEMO_DATE)[1] < 25
            other = counts["holds"] - counts["pow"] - counts["civilians"]
            table.add_row(
                party.code,
                *(f"{n:,}" for n in (counts["holds"], counts["pow"], counts["civilians"], other)),
                *(
                    f"{n:,}"
                    for n in (counts["ill"], counts["young"], uow.requests.count(party.code))
                ),
            )
    console.print(table)
    console.print(
        f"other: convicted or under proceedings; under 25: on {DEMO_DATE}; "
        "requests: the party's requests for its own people."
    )
    console.print(f"database: {settings.database_url}")
