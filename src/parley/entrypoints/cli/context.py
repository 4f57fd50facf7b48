"""Settings for the running command, overridable by the root options."""

from __future__ import annotations

from dataclasses import replace

from parley.config import Settings

__all__ = ["database_url_given", "override", "settings"]

_overrides: dict[str, str] = {}


def override(**values: str) -> None:
    """Set values from command-line options, which win over the environment."""
    _overrides.update({k: v for k, v in values.items() if v})


def settings() -> Settings:
    """The settings in force: environment, then command-line options."""
    base = Settings.from_env()
    url = _overrides.get("database_url")
    return replace(base, database_url=url) if url else base


def database_url_given() -> str | None:
    """The database URL the user named (option or environment), or ``None`` if defaulted."""
    import os

    return _overrides.get("database_url") or os.environ.get("PARLEY_DATABASE_URL") or None
