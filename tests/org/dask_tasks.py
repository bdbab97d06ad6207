"""Module-level task functions the Dask workers unpickle by reference (a test module's own would do too, but
this keeps them free of pytest fixtures)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from conformance.org.results import SCANNED, RepositoryResult


@dataclass(frozen=True)
class Task:
    id: str
    url: str
    team: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def scan(task: Task) -> RepositoryResult:
    """A stand-in for the scan of one repository: records the worker's pid; some ids misbehave on purpose."""
    if task.id == "raises":
        raise RuntimeError("boom at https://user:s3cret@git.example/x.git")
    if task.id == "dies":
        os._exit(13)  # the worker process dies under the task
    if task.id == "garbage":
        return "not a result"  # type: ignore[return-value]
    return RepositoryResult(task.id, task.url, SCANNED, team=task.team, tags={"pid": str(os.getpid())})
