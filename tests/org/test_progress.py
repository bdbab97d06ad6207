from __future__ import annotations

import io

from conformance.org.progress import Progress, describe
from conformance.org.results import PolicyOutcome, RepositoryResult


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def results() -> list[RepositoryResult]:
    failing = (PolicyOutcome("k8s/a", "error", "fail"), PolicyOutcome("k8s/b", "error", "pass"))
    return [
        RepositoryResult("acme/api", "u", "scanned", policies=failing * 2, duration_seconds=1.24),
        RepositoryResult("acme/web", "u", "reused", policies=failing[1:], duration_seconds=0.04),
        RepositoryResult("acme/old", "u", "failed", reason="could not fetch: gone", duration_seconds=0.5),
    ]


def test_plain_lines_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(12, stream)
    for result in results():
        progress(result)
    progress.close()
    assert stream.getvalue().splitlines() == [
        "[ 1/12] acme/api scanned (2 failing policies) 1.2s",
        "[ 2/12] acme/web reused (clean) 0.0s",
        "[ 3/12] acme/old failed: could not fetch: gone 0.5s",
    ]
    assert describe(RepositoryResult("x", "u", "scanned", policies=(PolicyOutcome("a", "error", "fail"),))) == (
        "scanned (1 failing policy)"
    )


def test_a_bar_with_counts_on_a_terminal() -> None:
    stream = Terminal()
    progress = Progress(3, stream)
    for result in results():
        progress(result)
    progress.close()
    text = stream.getvalue()
    assert "3/3" in text and "failed=1" in text and "reused=1" in text and "scanned=1" in text
    assert "acme/api scanned" not in text
