"""Where a scan keeps its findings: in report order, spilled to a temporary file once they are many.

A scan of a large tree can produce hundreds of thousands of findings. Holding them all as objects would make
memory grow with the tree; instead batches arrive in report order (files sorted, each file's findings sorted),
are pickled to a temporary file past a threshold, and are read back one batch at a time when a reporter
iterates. Findings that arrive out of order (cross-resource policies, standard input) are few and are merged in.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import IO

from conformance.model import SEVERITIES, Finding

SPILL_AFTER = 5_000
"""Findings held in memory before batches go to the temporary file."""


class FindingStore:
    """Append-only findings in report order; iterate as often as needed (each pass re-reads the spill file)."""

    def __init__(self, spill_after: int = SPILL_AFTER) -> None:
        self._spill_after = spill_after
        self._memory: list[list[Finding]] = []
        self._held = 0
        self._spill: IO[bytes] | None = None
        self._spilled_batches = 0
        self._late: list[Finding] = []
        self._counts = dict.fromkeys(SEVERITIES, 0)

    def append_ordered(self, batch: list[Finding]) -> None:
        """Add a batch that sorts after every batch added before it."""
        if not batch:
            return
        self._count(batch)
        self._memory.append(batch)
        self._held += len(batch)
        if self._held > self._spill_after:
            self._flush()

    def add_unordered(self, findings: Iterable[Finding]) -> None:
        """Add findings in any order (few: cross-resource results, stdin); merged in when iterating."""
        findings = list(findings)
        self._count(findings)
        self._late.extend(findings)

    def _count(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self._counts[finding.severity] += 1

    def _flush(self) -> None:
        import pickle
        import tempfile

        if self._spill is None:
            self._spill = tempfile.TemporaryFile(prefix="conformance-findings-")  # noqa: SIM115 (closed by close())
        self._spill.seek(0, 2)
        for batch in self._memory:
            pickle.dump(batch, self._spill, protocol=pickle.HIGHEST_PROTOCOL)
            self._spilled_batches += 1
        self._memory = []
        self._held = 0

    def _ordered(self) -> Iterator[Finding]:
        if self._spill is not None:
            import pickle

            self._spill.seek(0)
            for _ in range(self._spilled_batches):
                yield from pickle.load(self._spill)
        for batch in list(self._memory):
            yield from batch

    def __iter__(self) -> Iterator[Finding]:
        late = sorted(self._late, key=Finding.sort_key)
        return heapq.merge(self._ordered(), late, key=Finding.sort_key)

    def __len__(self) -> int:
        return sum(self._counts.values())

    def counts(self) -> dict[str, int]:
        """Findings per severity."""
        return dict(self._counts)

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None


def store_of(findings: Iterable[Finding]) -> FindingStore:
    """A store holding the given findings (any order): for tests and small results."""
    store = FindingStore()
    store.add_unordered(findings)
    return store
