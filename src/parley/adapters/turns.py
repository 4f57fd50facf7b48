"""Writers' turns on a SQLite file, within a process and between processes.

SQLite lets one writer in at a time, and one that finds the file locked waits in its
busy handler: it sleeps in growing steps, up to 100 ms each, and may wake long after
the lock was free. So a writer first takes its turn here, where it is handed over at
once: the threads of a process queue on a lock, and the processes (``parley serve
--workers``, a command run beside the server) on the file's turn file, ``<file>-turn``,
next to its ``-wal`` and ``-shm``.

Between processes the turn is two advisory ``fcntl`` locks on that file, the second
taken through the first like a turnstile: a process waiting for the turn holds the
first, so the process that had the turn cannot take it back at once and keep it from
the others. A process that ends holding a lock loses it with its descriptors. Where
``fcntl`` is missing (Windows) only the threads of one process take turns; SQLite's
own lock still keeps every writer apart.
"""

from __future__ import annotations

import errno
import os
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own lock only
    fcntl = None  # type: ignore[assignment]

__all__ = ["WritersTurn"]

_POLL = 0.0005  # seconds between tries for another process's turn
_GATE, _TURN = 0, 1  # the bytes of the turn file that are locked


class WritersTurn:
    """The turn of the writers of one SQLite file; re-entrant within a thread.

    Args:
        path: the turn file between processes; None for the threads of this process
            only (a database in memory).
    """

    def __init__(self, path: str | None) -> None:
        self._threads = threading.RLock()
        self._path = path if fcntl is not None else None
        self._fd: int | None = None
        self._pid = 0  # the process that opened ``_fd`` (a forked child opens its own)
        self._depth = 0  # how often the thread holding the turn took it

    def acquire(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the turn; whether it was taken."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        self._depth += 1
        if self._depth > 1 or self._path is None or self._between_processes(deadline):
            return True
        self._depth -= 1
        self._threads.release()
        return False

    def release(self) -> None:
        """Give the turn up (the last release of the thread that holds it)."""
        self._depth -= 1
        if self._depth == 0 and self._fd is not None and self._pid == os.getpid():
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, _TURN)
        self._threads.release()

    def _between_processes(self, deadline: float) -> bool:
        """Take the turn from the other processes by ``deadline``: through the gate,
        held while waiting, then the turn itself."""
        if self._fd is None or self._pid != os.getpid():
            assert self._path is not None
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a folder this process may not write in: SQLite's lock only
                self._path = None
                return True
            self._pid = os.getpid()
        if not self._lock(_GATE, deadline):
            return False
        try:
            return self._lock(_TURN, deadline)
        finally:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, _GATE)

    def _lock(self, byte: int, deadline: float) -> bool:
        assert self._fd is not None
        while True:
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, byte)
                return True
            except OSError as e:
                if e.errno not in (errno.EACCES, errno.EAGAIN):  # not just held elsewhere
                    raise
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_POLL)
