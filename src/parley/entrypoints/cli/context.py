"""Settings for the running command, overridable by the root options."""

from __future__ import annotations

import os

from parley.config import Settings

__all__ = ["database_url_given", "override", "settings"]

_overrides: dict[str, str] = {}


def override(**values: str) -> None:
    """Set values from command-line options, which win over the environment."""
    _overrides.update({k: v for k, v in values.items() if v})


def settings() -> Settings:
    """The settings in force: environment, then command-line options, checked alike.

    Raises:
        ConfigurationError: a value is malformed, whether set by option or variable.
    """
    env = dict(os.environ)
    if "database_url" in _overrides:
        env["PARLEY_DATABASE_URL"] = _overrides["database_url"]
    return Settings.from_env(env)


def database_url_given() -> str | None:
    """The database URL given with ``--database-url``, or ``None``.

    The demo uses this: it writes synthetic people into a database only when told to on
    its own command line, never into the one ``PARLEY_DATABASE_URL`` names for real work.
    """
    if "database_url" not in _overrides:
        return None
    return settings().database_url
