"""Module-level task functions the Dask workers unpickle by reference (a test module's own would do too, but
this keeps them free of pytest fixtures). Tasks are shaped as the runner's: an inventory entry inside."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from conformance.org.results import SCANNED, RepositoryResult


@dataclass(frozen=True)
class Entry:
    id: str
    url: str
    branch: str | None = None
    team: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    entry: Entry
    cache_dir: str = "/tmp/cache"


def task(identity: str, url: str, team: str | None = None) -> Task:
    return Task(Entry(identity, url, "main", team, {"tier": "1"}))


def scan(task: Task) -> RepositoryResult:
    """A stand-in for the scan of one repository: records the worker's pid; some ids misbehave on purpose."""
    entry = task.entry
    if entry.id == "raises":
        raise RuntimeError("boom at https://user:s3cret@git.example/x.git")
    if entry.id == "dies":
        os._exit(13)  # the worker process dies under the task
    if entry.id == "garbage":
        return "not a result"  # type: ignore[return-value]
    return RepositoryResult(entry.id, entry.url, SCANNED, team=entry.team, tags={"pid": str(os.getpid())})
