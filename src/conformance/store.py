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

from conformance.model import ACTIVE, SEVERITIES, Finding, Tally, tally_of

SPILL_AFTER = 8 * 1024 * 1024
"""Bytes of packed findings held in memory before batches go to the temporary file."""


def pack(findings: list[Finding]) -> bytes:
    """A batch of findings as bytes: how worker processes hand findings over, and how the store keeps them."""
    import pickle

    return pickle.dumps(findings, protocol=pickle.HIGHEST_PROTOCOL)


class FindingStore:
    """Append-only findings in report order; iterate as often as needed.

    Batches are kept packed (pickled, about a third of the objects' size) and move to a temporary file once
    they pass ``spill_after`` bytes, so memory does not grow with the size of the scan.
    """

    def __init__(self, spill_after: int = SPILL_AFTER) -> None:
        self._spill_after = spill_after
        self._memory: list[bytes] = []
        self._held = 0
        self._spill: IO[bytes] | None = None
        self._spilled_batches = 0
        self._late: list[Finding] = []
        self._tally: Tally = {}
        self._total = 0

    def _count(self, tally: Tally) -> None:
        for key, count in tally.items():
            self._tally[key] = self._tally.get(key, 0) + count
            self._total += count

    def append_ordered(self, batch: list[Finding]) -> None:
        """Add a batch that sorts after every batch added before it."""
        if batch:
            self.append_packed(pack(batch), tally_of(batch))

    def append_packed(self, packed: bytes, tally: Tally) -> None:
        """Add a packed batch (see :func:`pack`) that sorts after every batch before it, with its tally."""
        self._count(tally)
        self._memory.append(packed)
        self._held += len(packed)
        if self._held > self._spill_after:
            self._flush()

    def add_unordered(self, findings: Iterable[Finding]) -> None:
        """Add findings in any order (few: cross-resource results, stdin); merged in when iterating."""
        findings = list(findings)
        self._count(tally_of(findings))
        self._late.extend(findings)

    def _flush(self) -> None:
        import tempfile

        if self._spill is None:
            self._spill = tempfile.TemporaryFile(prefix="conformance-findings-")  # noqa: SIM115 (closed by close())
        self._spill.seek(0, 2)
        for packed in self._memory:
            self._spill.write(packed)
            self._spilled_batches += 1
        self._memory = []
        self._held = 0

    def _ordered(self) -> Iterator[Finding]:
        import pickle

        if self._spill is not None:
            self._spill.seek(0)
            for _ in range(self._spilled_batches):
                yield from pickle.load(self._spill)
        for packed in list(self._memory):
            yield from pickle.loads(packed)

    def __iter__(self) -> Iterator[Finding]:
        late = sorted(self._late, key=Finding.sort_key)
        return heapq.merge(self._ordered(), late, key=Finding.sort_key)

    def __len__(self) -> int:
        """Every finding, suppressed and baselined ones included."""
        return self._total

    def counts(self) -> dict[str, int]:
        """Active findings (not suppressed, not baselined) per severity."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for (_, severity, status), count in self._tally.items():
            if status == ACTIVE:
                counts[severity] += count
        return counts

    def tally(self) -> Tally:
        """Findings per (policy id, severity, status)."""
        return dict(self._tally)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as the plain findings it holds, so a result can be stored or sent to another process."""
        return (store_of, (list(self),))

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None


def store_of(findings: Iterable[Finding]) -> FindingStore:
    """A store holding the given findings (any order): for tests and small results."""
    store = FindingStore()
    store.add_unordered(findings)
    return store
