"""``parley serve``: the HTTP API on the configured database."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from parley import bootstrap
from parley.config import Settings
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import out
from parley.errors import ConfigurationError
from parley.services.readiness import default_secrets

__all__ = ["serve"]


def refuse_default_secrets(config: Settings) -> None:
    """Stop unless every secret in use is the operator's own.

    Raises:
        ConfigurationError: naming each default secret found (a user still holding a
            demo password, or the database made by ``parley demo``), and what to do.
    """
    found = default_secrets(
        bootstrap.access_unit_of_work(bootstrap.connect(config), read_only=True)
    )
    if found:
        raise ConfigurationError(
            "parley serve refuses to start with default secrets: "
            + "; ".join(found)
            + " (parley serve --demo serves the demo's database as it is)"
        )


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind; overrides PARLEY_HOST (127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port to bind; overrides PARLEY_PORT (8000).", min=1, max=65535),
    ] = None,
    workers: Annotated[int, typer.Option(help="Server processes.", min=1, max=32)] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Allow the demo's users and passwords (demo only).")
    ] = False,
) -> None:
    """Serve the web app (/app, /public) and the HTTP API (OpenAPI at /docs) on
    PARLEY_DATABASE_URL's database.

    Outside --demo it refuses to start while a default secret is in use.
    """
    from parley.entrypoints.api.server import serve as run

    config = settings()
    config = dataclasses.replace(config, host=host or config.host, port=port or config.port)
    if not demo:
        refuse_default_secrets(config)
    bootstrap.connect(config)  # the schema is there, or the error says what to do
    out.print(
        f"parley serves its web app on http://{config.host}:{config.port}/app and its API "
        f"(OpenAPI at /docs); Ctrl-C stops it",
        soft_wrap=True,
    )
    run(config, workers=workers)
