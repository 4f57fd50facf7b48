"""A process that has imported parley once and forks a fresh ``parley serve`` on demand.

Importing parley's web stack takes most of ``parley serve``'s two-second start on a
small machine; a crash test that restarts the server a hundred times would spend its
time importing. Forked from here, each server is still a new process that runs the
whole ``parley serve`` command (its checks, its connection to the database, its
socket) from a state in which no database was ever opened; only the imports are done.

Commands on stdin, one a line; answers on stdout:

- ``start PORT LOG``: fork ``parley serve --port PORT`` writing its output to LOG;
  answers its pid;
- ``wait PID``: reap that child (the harness killed it); answers its wait status.
"""

from __future__ import annotations

import os
import sys


def _serve(port: str, log: str) -> None:
    """In the child: become ``parley serve --port PORT``; never returns."""
    code = 1
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        sys.argv = ["parley", "serve", "--port", port]
        from parley.entrypoints.cli import main

        main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run() -> None:
    """Import what ``parley serve`` imports, then answer commands until stdin closes."""
    import alembic.runtime.migration  # noqa: F401
    import uvicorn  # noqa: F401
    from sqlalchemy.dialects import postgresql, sqlite  # noqa: F401

    try:  # imported by SQLAlchemy at the first connection, not before
        import psycopg  # noqa: F401
        import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401
    except ImportError:
        pass

    import parley.entrypoints.api.app
    import parley.entrypoints.api.server
    import parley.entrypoints.cli  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "start":
            pid = os.fork()
            if pid == 0:
                _serve(args[0], args[1])
            print(pid, flush=True)
        elif command == "wait":
            _, status = os.waitpid(int(args[0]), 0)
            print(status, flush=True)


if __name__ == "__main__":
    run()
