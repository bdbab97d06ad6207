"""Progress of an org scan on standard error: a bar with counts and ETA on a terminal (tqdm), else one plain
line per repository (``[12/200] acme/api scanned (3 failing policies) 1.2s``)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from conformance.org.results import FAIL, FAILED, RepositoryResult


def describe(result: RepositoryResult) -> str:
    """``scanned (3 failing policies)``, ``reused (clean)``, ``failed: <reason>``."""
    if result.status == FAILED:
        return f"failed: {result.reason}"
    failing = sum(1 for outcome in result.policies if outcome.outcome == FAIL)
    detail = f"{failing} failing {'policy' if failing == 1 else 'policies'}" if failing else "clean"
    return f"{result.status} ({detail})"


class Progress:
    """Call with each result; ``close()`` at the end."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.counts: dict[str, int] = {}
        self._bar: Any = None
        isatty = getattr(self.stream, "isatty", None)
        if isatty is not None and isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self.stream, unit="repo", dynamic_ncols=True)

    def __call__(self, result: RepositoryResult) -> None:
        self.done += 1
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        if self._bar is not None:
            self._bar.set_postfix(self.counts, refresh=False)
            self._bar.update(1)
            return
        width = len(str(self.total))
        line = f"[{self.done:>{width}}/{self.total}] {result.id} {describe(result)} {result.duration_seconds:.1f}s"
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
