"""A byte stream that hashes and counts what passes through it."""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO

__all__ = ["HashingReader"]


class HashingReader(io.RawIOBase):
    """Wrap a binary file: every byte read is hashed (SHA-256) and counted."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._sha.update(data)
        self.consumed += n
        return n

    def drain(self) -> None:
        """Read (and hash) whatever is left, so the digest covers the whole file."""
        while chunk := self._raw.read(1 << 20):
            self._sha.update(chunk)
            self.consumed += len(chunk)

    def hexdigest(self) -> str:
        """SHA-256 of every byte read so far."""
        return self._sha.hexdigest()

    def close_source(self) -> None:
        """Close the underlying file.

        ``close()`` (called when a text layer over this reader is collected) leaves the
        file open, so that ``drain`` can still finish the digest.
        """
        self._raw.close()
