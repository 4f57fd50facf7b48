"""The ``parley`` command line.

Every command prints one clear sentence on error and exits non-zero; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from parley import __version__, bootstrap
from parley.domain.parties import Party
from parley.entrypoints.cli.access import tokens_app, users_app
from parley.entrypoints.cli.agreements import agreement_app
from parley.entrypoints.cli.context import database_url_given, override, settings
from parley.entrypoints.cli.exchange import handover_app, manifest_app, tranche_app
from parley.entrypoints.cli.keyring import keys_list, keys_register, sign
from parley.entrypoints.cli.ledger import keys_app, log_app, verify
from parley.entrypoints.cli.output import err, out, show_error
from parley.entrypoints.cli.planning import plan
from parley.entrypoints.cli.protection import person_app, retention_app
from parley.entrypoints.cli.receipts import receipt
from parley.entrypoints.cli.reconciling import reconcile
from parley.entrypoints.cli.records import export_app, history, import_app
from parley.entrypoints.cli.reviewing import review
from parley.entrypoints.cli.rounds import rounds_app
from parley.entrypoints.cli.serving import serve
from parley.errors import ParleyError
from parley.services.parties import list_parties, register_party

__all__ = ["app", "main"]

app = typer.Typer(
    name="parley",
    help="Run a reciprocal prisoner exchange through a neutral mediator, and prove it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.command("history")(history)
app.command("reconcile")(reconcile)
app.command("review")(review)
app.command("plan")(plan)
parties_app = typer.Typer(help="The parties of the exchange.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(parties_app, name="parties")
app.add_typer(db_app, name="db")
app.add_typer(agreement_app, name="agreement")
app.add_typer(keys_app, name="keys")
app.add_typer(log_app, name="log")
app.add_typer(rounds_app, name="rounds")
app.command("receipt")(receipt)
app.command("verify")(verify)
keys_app.command("register")(keys_register)
keys_app.command("list")(keys_list)
app.command("sign")(sign)
app.add_typer(manifest_app, name="manifest")
app.add_typer(tranche_app, name="tranche")
app.add_typer(handover_app, name="handover")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.command("serve")(serve)
app.add_typer(retention_app, name="retention")
app.add_typer(person_app, name="person")


def _version(value: bool) -> None:
    if value:
        out.print(f"parley {__version__}")
        raise typer.Exit


@app.callback()
def root(
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Database URL; overrides PARLEY_DATABASE_URL."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Run a reciprocal prisoner exchange through a neutral mediator, and prove it."""
    override(database_url=database_url or "")


@parties_app.command("add")
def parties_add(
    code: Annotated[str, typer.Argument(help="A short neutral code, e.g. A or UA.")],
    name: Annotated[str, typer.Argument(help="The display name.")],
    language: Annotated[
        str, typer.Option("--language", "-l", help="Language its staff write in.")
    ] = "und",
) -> None:
    """Register a party of the exchange."""
    config = settings()
    uow = bootstrap.unit_of_work(bootstrap.connect(config))
    party = register_party(
        uow, Party(code.upper(), name, language), actor=config.actor, now=datetime.now(UTC)
    )
    out.print(f"party {party.code} ({party.name}) registered")


@parties_app.command("list")
def parties_list() -> None:
    """List the parties of the exchange."""
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    table = RichTable("code", "name", "language")
    for party in list_parties(uow):
        table.add_row(party.code, party.name, party.language)
    out.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring it to this version of parley."""
    out.print(f"database at revision {bootstrap.upgrade_schema(settings())}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision the database is at."""
    revision = bootstrap.schema_revision(settings())
    out.print(f"database at revision {revision or 'none (empty database)'}")


@app.command("demo")
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo writes its files and database.")
    ] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic scenario.")] = 2025,
    holdings: Annotated[int, typer.Option(help="Holdings per side.")] = 6000,
    requests: Annotated[int, typer.Option(help="Requests per side.")] = 2000,
    no_serve: Annotated[
        bool,
        typer.Option(
            "--no-serve", help="End after the run instead of serving the API on its database."
        ),
    ] = False,
) -> None:
    """Run a whole synthetic exchange, then serve the web app and API on it, a login per role.

    All data is synthetic. The demo uses its own SQLite database in --dir (recreated on
    each run) unless --database-url is given. The API is served on PARLEY_HOST and
    PARLEY_PORT (127.0.0.1:8000) until Ctrl-C, with the demo's users, whose passwords
    (for the web app's sign-in page) and tokens (for the API) it prints.
    """
    from parley.demo import run_demo  # the generator loads its name tables only here

    demo_settings = run_demo(
        directory,
        seed=seed,
        holdings=holdings,
        requests=requests,
        database_url=database_url_given(),
    )
    if no_serve:
        return
    from parley.entrypoints.api.server import serve as run

    config = settings()
    served = dataclasses.replace(demo_settings, host=config.host, port=config.port)
    out.print(
        f"\nparley serves the demo: the web app at http://{served.host}:{served.port}/app "
        "(sign in with a login above), the public report at /public, the API's OpenAPI at "
        "/docs; Ctrl-C stops it",
        soft_wrap=True,
    )
    run(served)


def main() -> None:
    """Run the command line; exit 1 on a parley error, 2 on a usage error."""
    debug = "--debug" in sys.argv
    try:
        # Outside standalone mode Click returns a typer.Exit's code instead of raising it.
        code = app(prog_name="parley", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except typer.TyperException as e:  # a usage error: Typer prints the usage and why
        show = getattr(e, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {e.format_message()}")
        sys.exit(e.exit_code)
    except ParleyError as e:
        if debug:
            raise
        show_error(e)
        sys.exit(1)
    except Exception as e:
        if debug:
            raise
        err.print(
            f"[red]internal error:[/red] {type(e).__name__}; run again with --debug for details"
        )
        sys.exit(70)
