"""Reading an import file in a second process, so that reading and storing overlap.

An import is two halves of similar weight: reading and checking rows (CSV parsing, the
schema's row reader) and storing them (the database driver). On a machine with two
cores a child process reads and checks the rows while this process stores the batches
it has already received; the transaction, and so the all-or-nothing promise, stays here.

The child is this Python running this module's ``main``: it imports only the file
readers and the row reader (not the CLI, the web stack or SQLAlchemy), opens the same
file again and sends pickled messages on its standard output:
``("rows", bytes read, [(row, values or problems), ...])`` per batch, then
``("end", bytes read, sha256)``, or ``("rejected", problems)`` when the file cannot be
opened (any more), or ``("failed", exception type)``. A pipe holds only a little, so
whichever side is slower holds the other back and memory stays flat. The pickles travel
between two processes of this same program over a private pipe, never from a file.
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import parley
from parley.errors import ImportProblem, ImportRejected

__all__ = ["MIN_BYTES", "ChildReading", "Job", "worth_a_child"]

MIN_BYTES = 4 * 1024 * 1024  # about 16,000 registry rows; a smaller file stays in-process
_MODULE = "parley.adapters.formats.background"

RowRead = Callable[[int, Any], Any]
Batch = list[tuple[int, Any]]


@dataclass(frozen=True, slots=True)
class Job:
    """What the child needs to open the file as the parent did, and to check it is the same.

    Attributes:
        path: the file.
        format: the format the user declared, if any.
        encoding: the encoding the user declared, if any.
        columns: the columns the parent read from the header.
        header_row: the row that named them.
    """

    path: Path
    format: str | None
    encoding: str | None
    columns: list[str]
    header_row: int


def worth_a_child(size: int) -> bool:
    """Whether a file of ``size`` bytes is read faster by a child process.

    Only when there is a second core to run it, and a file large enough to repay the
    child's start (about a tenth of a second).
    """
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere all the cores
    cores = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return size >= MIN_BYTES and cores >= 2 and bool(sys.executable)


class ChildReading:
    """One file read by a child process: its batches, then how far it read and the digest.

    Attributes:
        consumed: bytes of the file the child has read so far.
        digest: the file's SHA-256 (hex) once the child has read it all, else ``None``.
    """

    def __init__(self, job: Job, name: str, read: RowRead, size: int) -> None:
        self._job, self._name, self._read, self._size = job, name, read, size
        self.consumed = 0
        self.digest: str | None = None
        self._process: subprocess.Popen[bytes]

    def start(self) -> None:
        """Start the child and hand it the job.

        Raises:
            OSError: no child process could be started (the caller reads in-process).
        """
        self._process = subprocess.Popen(
            _child_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a traceback might quote a cell; messages never do
        )
        try:
            with cast(IO[bytes], self._process.stdin) as stdin:
                job = (self._job, self._read, self._size)
                pickle.dump(job, stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            self._stop()
            raise

    def batches(self) -> Iterator[Batch]:
        """Batches of ``size`` rows, each ``(row, read(row, cells))``, as the child sends them.

        The child is stopped when the batches end, also when the caller stops early.

        Raises:
            ImportRejected: the file could not be opened again, or had changed.
            RuntimeError: the child failed (a bug) or stopped unexpectedly.
        """
        try:
            yield from self._receive(cast(IO[bytes], self._process.stdout))
        finally:
            self._stop()

    def _stop(self) -> None:
        process = self._process
        if process.poll() is None:
            process.kill()  # the parent stopped early: an error, or an interrupt
        process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _receive(self, stream: IO[bytes]) -> Iterator[Batch]:
        while True:
            try:
                message = pickle.load(stream)  # noqa: S301 - our own child, a private pipe
            except EOFError:
                raise RuntimeError(f"the process reading {self._name} stopped") from None
            kind = message[0]
            if kind == "rows":
                self.consumed = message[1]
                yield message[2]
            elif kind == "end":
                self.consumed, self.digest = message[1], message[2]
                return
            elif kind == "rejected":
                raise ImportRejected(self._name, message[1])
            else:
                raise RuntimeError(f"the process reading {self._name} failed ({message[1]})")


def _child_command() -> list[str]:
    """This Python, isolated (``-I``: no current directory or PYTHON* variables on the
    path), running this module from the very parley this process runs."""
    source = str(Path(parley.__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {source!r}); from {_MODULE} import main; main()"
    return [sys.executable, "-I", "-c", code]


def _serve(job: Job, read: RowRead, size: int, out: BinaryIO) -> None:
    """The child's work: open the file, read every row through ``read``, send batches."""
    from parley.adapters.formats.reading import open_table

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        table = open_table(job.path, format=job.format, encoding=job.encoding)
    except ImportRejected as e:
        send(("rejected", e.problems))
        return
    try:
        if (table.columns, table.header_row) != (job.columns, job.header_row):
            message = "changed while it was being imported; import it again"
            send(("rejected", [ImportProblem(None, None, message)]))
            return
        batch: Batch = []
        for row, cells in table.rows():
            batch.append((row, read(row, cells)))
            if len(batch) >= size:
                send(("rows", table.progress()[0], batch))
                batch = []
        if batch:
            send(("rows", table.progress()[0], batch))
        digest = table.sha256()
        send(("end", table.progress()[0], digest))
    finally:
        table.close()


def main() -> None:
    """Run as the child: read the job from standard input, answer on standard output."""
    out = sys.stdout.buffer
    try:
        job, read, size = pickle.load(sys.stdin.buffer)  # noqa: S301 - from our parent
        gc.freeze()  # what the imports made lives to the end: keep the collector off it
        _serve(job, read, size, out)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)  # the parent stopped listening (it failed, or was interrupted)
    except Exception as e:
        pickle.dump(("failed", type(e).__name__), out)
        out.flush()
        sys.exit(1)


if __name__ == "__main__":
    main()
