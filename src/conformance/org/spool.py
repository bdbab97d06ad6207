"""Repository results kept on disk while a run collects them, so the org scan's memory does not grow with the
number of repositories: each result is one JSON line in a temporary file, read back one at a time, in id order.

A :class:`RepositorySpool` is a read-only sequence of :class:`RepositoryResult`, so a :class:`RunResult` can
hold one in place of a tuple: writing the run file (:func:`conformance.org.merge.write_run`), appending it to
the history and computing the exit code each stream over it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, overload

from conformance.org.results import RepositoryResult


class RepositorySpool(Sequence[RepositoryResult]):
    """Results appended with :meth:`add`, read back sorted by repository id; :meth:`close` removes the file."""

    def __init__(self, directory: str | None = None) -> None:
        handle, self._path = tempfile.mkstemp(prefix=".conformance-results-", suffix=".jsonl", dir=directory)
        self._file: IO[bytes] = os.fdopen(handle, "w+b")
        self._entries: list[tuple[str, int, int]] = []
        """(repository id, offset, length) of each line."""
        self._sorted = True

    def add(self, result: RepositoryResult) -> None:
        line = json.dumps(result.to_dict(), separators=(",", ":")).encode("utf-8") + b"\n"
        self._file.seek(0, os.SEEK_END)
        offset = self._file.tell()
        self._file.write(line)
        if self._entries and self._entries[-1][0] > result.id:
            self._sorted = False
        self._entries.append((result.id, offset, len(line)))

    def _order(self) -> list[tuple[str, int, int]]:
        if not self._sorted:
            self._entries.sort()
            self._sorted = True
        return self._entries

    def _read(self, offset: int, length: int) -> RepositoryResult:
        self._file.seek(offset)
        return RepositoryResult.from_dict(json.loads(self._file.read(length)))

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> RepositoryResult: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[RepositoryResult]: ...

    def __getitem__(self, index: int | slice) -> RepositoryResult | Sequence[RepositoryResult]:
        entries = self._order()
        if isinstance(index, slice):
            return [self._read(offset, length) for _, offset, length in entries[index]]
        _, offset, length = entries[index]
        return self._read(offset, length)

    def __iter__(self) -> Iterator[RepositoryResult]:
        self._file.flush()
        for _, offset, length in list(self._order()):
            yield self._read(offset, length)

    def ids(self) -> list[str]:
        """The repository ids, sorted (without reading any result)."""
        return [entry[0] for entry in self._order()]

    def close(self) -> None:
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> RepositorySpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
