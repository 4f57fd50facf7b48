"""Settings, read from ``PARLEY_*`` environment variables, with safe defaults.

With nothing set, parley uses a SQLite file ``parley.db`` in the current folder and
binds to 127.0.0.1 only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from parley.domain.retention import DEFAULT_DAYS, RecordKind
from parley.errors import ConfigurationError

__all__ = ["DEFAULT_DATABASE_URL", "DEFAULT_LOG_ORIGIN", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///parley.db"
DEFAULT_LOG_ORIGIN = "parley.local/exchange"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting parley reads, each documented in README.md.

    Attributes:
        database_url: SQLAlchemy URL (``PARLEY_DATABASE_URL``); SQLite or PostgreSQL.
        host: address the server binds to (``PARLEY_HOST``).
        port: port the server binds to (``PARLEY_PORT``).
        actor: the name recorded as the actor of CLI changes (``PARLEY_ACTOR``).
        log_origin: the public log's name, the first line of every checkpoint
            (``PARLEY_LOG_ORIGIN``, c2sp.org/tlog-checkpoint): one per exchange.
        mediator_key: the mediator's private key file (``PARLEY_MEDIATOR_KEY``); when
            set, the mediator signs a checkpoint after every tranche event (its
            passphrase, if any, in ``PARLEY_MEDIATOR_KEY_PASSPHRASE``).
        mediator_key_passphrase: that key's passphrase (``PARLEY_MEDIATOR_KEY_PASSPHRASE``).
        max_body: the largest request body the API takes (``PARLEY_MAX_BODY``,
            bytes, default 1 MiB).
        max_upload: the largest import upload (``PARLEY_MAX_UPLOAD``, bytes,
            default 256 MiB); uploads are streamed to disk, never held in memory.
        rate_login: logins a client address may try per minute and user name
            (``PARLEY_RATE_LOGIN``, default 5).
        rate_writes: changes one token or session may make per second, sustained
            (``PARLEY_RATE_WRITES``, default 500; bursts of twice that).
        retention: days each kind of record is kept (``PARLEY_RETENTION_<KIND>_DAYS``,
            e.g. ``PARLEY_RETENTION_HOLDINGS_DAYS``; defaults in ``domain.retention``),
            applied by ``parley retention apply`` (docs/data-protection.md).
    """

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    actor: str = "cli"
    log_origin: str = DEFAULT_LOG_ORIGIN
    mediator_key: str | None = None
    mediator_key_passphrase: str | None = field(default=None, repr=False)
    max_body: int = 1 << 20
    max_upload: int = 256 << 20
    rate_login: int = 5
    rate_writes: int = 500
    retention: dict[RecordKind, int] = field(default_factory=lambda: dict(DEFAULT_DAYS))

    @property
    def rate_limits(self) -> dict[str, tuple[float, float]]:
        """Kind -> (requests per second, burst), for the API's rate limiter."""
        return {
            "login": (self.rate_login / 60, float(self.rate_login)),
            "write": (float(self.rate_writes), 2.0 * self.rate_writes),
            # The public receipt check, per client address: real work for anyone.
            "public": (20.0, 40.0),
        }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (the process environment by default).

        Raises:
            ConfigurationError: a value is malformed (a port that is not a number, a log
                origin that is empty or holds a space or a control character).
        """
        source = os.environ if env is None else env
        port_text = source.get("PARLEY_PORT", "8000")
        try:
            port = int(port_text)
        except ValueError as e:
            raise ConfigurationError(f"PARLEY_PORT: {port_text!r} is not a port number") from e
        if not 0 < port < 65536:
            raise ConfigurationError(f"PARLEY_PORT: {port} is not between 1 and 65535")
        url = source.get("PARLEY_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        if not url.startswith(("sqlite", "postgresql", "postgres://")):
            raise ConfigurationError(
                f"PARLEY_DATABASE_URL: unsupported database {url.split(':', 1)[0]!r} "
                "(expected sqlite:///FILE or postgresql+psycopg://...)"
            )
        return cls(
            database_url=url,
            host=source.get("PARLEY_HOST", "127.0.0.1"),
            port=port,
            actor=source.get("PARLEY_ACTOR", "cli"),
            log_origin=_log_origin(source.get("PARLEY_LOG_ORIGIN", DEFAULT_LOG_ORIGIN)),
            mediator_key=source.get("PARLEY_MEDIATOR_KEY") or None,
            mediator_key_passphrase=source.get("PARLEY_MEDIATOR_KEY_PASSPHRASE") or None,
            max_body=_positive(source, "PARLEY_MAX_BODY", 1 << 20),
            max_upload=_positive(source, "PARLEY_MAX_UPLOAD", 256 << 20),
            rate_login=_positive(source, "PARLEY_RATE_LOGIN", 5),
            rate_writes=_positive(source, "PARLEY_RATE_WRITES", 500),
            retention={
                kind: _positive(source, f"PARLEY_RETENTION_{kind.name}_DAYS", days)
                for kind, days in DEFAULT_DAYS.items()
            },
        )


def _positive(source: Mapping[str, str], name: str, default: int) -> int:
    """A positive whole number from ``source[name]``, or ``default`` when unset.

    Raises:
        ConfigurationError: the value is not a positive whole number.
    """
    text = source.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) == 0:
        raise ConfigurationError(f"{name}: {text!r} is not a positive whole number")
    return int(text)


def _log_origin(origin: str) -> str:
    """The origin line of a checkpoint: not empty, no whitespace, no control characters.

    c2sp.org/tlog-checkpoint asks for a schema-less URL (``example.com/log``); parley
    insists only on what keeps the line one unambiguous token.
    """
    if not origin:
        raise ConfigurationError(
            f"PARLEY_LOG_ORIGIN: must not be empty (e.g. {DEFAULT_LOG_ORIGIN!r})"
        )
    for char in origin:
        if char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            raise ConfigurationError(
                f"PARLEY_LOG_ORIGIN: {origin!r} holds {char!r}; a log origin is one line "
                "without spaces or control characters, e.g. 'mediator.example/exchange-2025'"
            )
    return origin
