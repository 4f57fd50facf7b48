"""Running the API: the mediator's checkpoint after each tranche event, and uvicorn.

``parley serve`` calls :func:`serve`. With ``--workers`` above 1 uvicorn starts that
many processes, each building the application from the environment with
:func:`app_from_environment`; the checks and the key are the same in each.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from parley import bootstrap
from parley.config import Settings
from parley.entrypoints.api.app import create_app
from parley.ledger.keys import load_signing_key
from parley.services.ledger import sign_checkpoint

__all__ = ["app_from_environment", "checkpoint_signer", "serve"]

_LOG = logging.getLogger("parley.api")


def checkpoint_signer(settings: Settings) -> Callable[[], None]:
    """What signs a checkpoint of the log as the mediator after a tranche event.

    Nothing when ``PARLEY_MEDIATOR_KEY`` is not set. The key is read once, here, so a
    wrong passphrase stops the server at its start rather than at the first event.

    Raises:
        InvalidValue: the key file cannot be read or its passphrase is wrong.
    """
    if not settings.mediator_key:
        return lambda: None
    passphrase = settings.mediator_key_passphrase
    key = load_signing_key(Path(settings.mediator_key), passphrase.encode() if passphrase else None)
    engine = bootstrap.connect(settings)

    def sign() -> None:
        unit = bootstrap.unit_of_work(engine)
        stored = sign_checkpoint(unit, key, origin=settings.log_origin, now=datetime.now(UTC))
        _LOG.info("the mediator signed a checkpoint of the log at size %d", stored.size)

    return sign


def app_from_environment() -> FastAPI:
    """The application as ``PARLEY_*`` describe it (uvicorn's factory for each worker)."""
    settings = Settings.from_env()
    return create_app(settings, after_tranche_event=checkpoint_signer(settings))


def serve(settings: Settings, *, workers: int = 1) -> None:
    """Serve the API on ``settings.host``:``settings.port`` until interrupted.

    uvicorn's own access log stays off: parley's access log records each request (who,
    route, object id) in the database, and nothing else should print request lines.
    """
    import uvicorn

    options: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,
        "log_level": "warning",
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": 10,
        "limit_concurrency": 512,
        "server_header": False,
    }
    if workers > 1:
        # Each worker builds its own application from the environment.
        os.environ["PARLEY_DATABASE_URL"] = settings.database_url
        os.environ["PARLEY_HOST"], os.environ["PARLEY_PORT"] = settings.host, str(settings.port)
        uvicorn.run(
            "parley.entrypoints.api.server:app_from_environment",
            factory=True,
            workers=workers,
            **options,  # type: ignore[arg-type]
        )
        return
    app = create_app(settings, after_tranche_event=checkpoint_signer(settings))
    uvicorn.run(app, **options)  # type: ignore[arg-type]
