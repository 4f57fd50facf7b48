"""Running the real ``parley`` command in a subprocess, as a person at a terminal would.

Each call starts a fresh Python (about a second), so the tests group their checks into a
few flows and run independent commands side by side with :meth:`Parley.many`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from parley.adapters import db
from parley.adapters.orm import Base

SCRIPT = Path(sys.executable).parent / "parley"
# Settings of the person's shell that would change what the command prints.
_DROPPED = {"FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"}


@dataclass(frozen=True)
class Result:
    """What the person saw: the exit status and both streams."""

    args: tuple[str, ...]
    returncode: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")

    def lines(self, stream: str = "stderr") -> list[str]:
        """The non-empty lines of ``stream``, right-stripped."""
        text = self.stderr if stream == "stderr" else self.stdout
        return [line.rstrip() for line in text.splitlines() if line.strip()]

    def describe(self) -> str:
        return (
            f"parley {' '.join(self.args)} exited {self.returncode}\n"
            f"--- stdout ---\n{self.stdout_bytes.decode('utf-8', 'replace')}\n"
            f"--- stderr ---\n{self.stderr}"
        )


def parley_env(database_url: str | None) -> dict[str, str]:
    """The environment of the command: no ``PARLEY_*`` from outside, a wide plain console."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_") and k not in _DROPPED}
    env.update(COLUMNS="200", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    if database_url is not None:
        env["PARLEY_DATABASE_URL"] = database_url
    return env


class Parley:
    """Runs ``python -m parley ARGS`` (or the ``parley`` script) in ``cwd``."""

    def __init__(self, cwd: Path, database_url: str | None) -> None:
        self.cwd = cwd
        self.database_url = database_url
        self.env = parley_env(database_url)

    def __call__(
        self, *args: str, code: int | None = 0, script: bool = False, timeout: float = 120
    ) -> Result:
        """Run one command; check its exit status is ``code`` unless that is ``None``."""
        command = [str(SCRIPT)] if script else [sys.executable, "-m", "parley"]
        done = subprocess.run(
            [*command, *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        result = Result(
            tuple(args), done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")
        )
        if code is not None:
            assert result.returncode == code, result.describe()
        return result

    def many(
        self, *commands: Sequence[str], code: int | None = 0, script: bool = False
    ) -> list[Result]:
        """Run independent commands side by side; results in the order given."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(self, *c, code=code, script=script) for c in commands]
            return [f.result() for f in futures]


@pytest.fixture
def parley(tmp_path: Path) -> Parley:
    """``parley`` in ``tmp_path``, on a SQLite file there (made by the first command)."""
    return Parley(tmp_path, f"sqlite:///{tmp_path / 'e2e.db'}")


@pytest.fixture
def parley_on_postgres(postgres_url: str, tmp_path: Path) -> Iterator[Parley]:
    """``parley`` in ``tmp_path``, on an empty, migrated PostgreSQL schema of its own."""

    def truncate() -> None:
        engine = db.create_db_engine(postgres_url)
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()

    truncate()
    yield Parley(tmp_path, postgres_url)
    truncate()
