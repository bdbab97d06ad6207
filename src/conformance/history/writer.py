"""Appending one run: a row per run, repository, policy outcome and finding, in one transaction.

Rows are inserted in bulk (one executemany per table), so a run of 1,000 repositories with 50 findings each
takes seconds. A run id already in the history is refused rather than replaced: the history is append-only, and
appending a merged run twice (or a shard and then the merged run with the same id) would count it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from conformance.history.errors import HistoryError
from conformance.history.schema import COUNT_COLUMNS, Schema
from conformance.org.results import RepositoryResult, RunResult, redact_url


def _only(table: sa.Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's values for the columns ``table`` has (an older schema has fewer)."""
    names = set(table.c.keys())
    return {name: value for name, value in row.items() if name in names}


def _check(run: RunResult) -> None:
    seen: set[str] = set()
    for repository in run.repositories:
        if repository.id in seen:
            raise HistoryError(f"run {run.run_id!r}: repository {repository.id!r} appears twice")
        seen.add(repository.id)
        for outcome in repository.policies:
            unknown = sorted(set(outcome.counts) - set(COUNT_COLUMNS))
            if unknown:
                raise HistoryError(
                    f"run {run.run_id!r}, repository {repository.id!r}, policy {outcome.policy_id!r}: "
                    f"unknown finding status {unknown[0]!r} in counts (one of {', '.join(COUNT_COLUMNS)})"
                )


def _repository_row(run_pk: int, position: int, repository: RepositoryResult) -> dict[str, Any]:
    return {
        "run_pk": run_pk,
        "position": position,
        "repo_id": repository.id,
        "url": redact_url(repository.url),
        "status": repository.status,
        "branch": repository.branch,
        "commit_id": repository.commit,
        "team": repository.team,
        "team_source": repository.team_source,
        "tags": dict(sorted(repository.tags.items())),
        "reason": repository.reason,
        "exit_code": repository.exit_code,
        "level": repository.level,
        "duration_seconds": float(repository.duration_seconds),
    }


INSERT_BATCH = 5000
"""Rows per executemany: a run's rows are produced as its repositories are read, never all held at once."""


def _insert(connection: Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk inserts of :data:`INSERT_BATCH` rows (SQLAlchemy batches them for the driver); columns ``table``
    lacks (an older schema) are dropped."""
    names = set(table.c.keys())
    iterator = iter(rows)
    while batch := list(islice(iterator, INSERT_BATCH)):
        absent = set(batch[0]) - names
        if absent:
            batch = [{name: value for name, value in row.items() if name not in absent} for row in batch]
        connection.execute(sa.insert(table), batch)


def write_run(connection: Connection, tables: Schema, run: RunResult) -> int:
    """Insert ``run`` (inside the caller's transaction); returns its key. A run id already stored is refused."""
    _check(run)
    runs = tables.runs
    if connection.execute(sa.select(runs.c.id).where(runs.c.run_id == run.run_id)).first() is not None:
        raise _duplicate(run)
    values = {
        "run_id": run.run_id,
        "started": run.started,
        "finished": run.finished,
        "tool_version": run.tool_version,
        "policy_digest": run.policy_digest,
        "shard_index": run.shard_index,
        "shard_count": run.shard_count,
        "levels": list(run.levels),
        "gate": run.gate,
        "appended": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        key = connection.execute(sa.insert(runs).values(**_only(runs, values))).inserted_primary_key
    except IntegrityError:
        raise _duplicate(run) from None  # appended by another process in the meantime
    assert key is not None
    run_pk = int(key[0])
    _insert(connection, tables.repositories, (_repository_row(run_pk, i, r) for i, r in enumerate(run.repositories)))
    repositories = tables.repositories
    query = sa.select(repositories.c.repo_id, repositories.c.id).where(repositories.c.run_pk == run_pk)
    keys = {repo_id: key for repo_id, key in connection.execute(query)}
    _insert(connection, tables.policy_outcomes, _outcome_rows(run_pk, keys, run.repositories))
    _insert(connection, tables.findings, _finding_rows(run_pk, keys, run.repositories))
    return run_pk


def _duplicate(run: RunResult) -> HistoryError:
    return HistoryError(
        f"run {run.run_id!r} is already in the history; a run is appended once "
        "(the merged run of shards, or a run without --shard), so nothing is counted twice"
    )


def _outcome_rows(
    run_pk: int, keys: Mapping[str, int], repositories: Iterable[RepositoryResult]
) -> Iterable[dict[str, Any]]:
    for repository in repositories:
        for position, outcome in enumerate(repository.policies):
            row = {
                "run_pk": run_pk,
                "repository_pk": keys[repository.id],
                "position": position,
                "policy_id": outcome.policy_id,
                "severity": outcome.severity,
                "outcome": outcome.outcome,
                "applicable": outcome.applicable,
            }
            row.update({column: int(outcome.counts.get(status, 0)) for status, column in COUNT_COLUMNS.items()})
            yield row


def _finding_rows(
    run_pk: int, keys: Mapping[str, int], repositories: Iterable[RepositoryResult]
) -> Iterable[dict[str, Any]]:
    for repository in repositories:
        for position, finding in enumerate(repository.findings):
            yield {
                "run_pk": run_pk,
                "repository_pk": keys[repository.id],
                "position": position,
                "fingerprint": finding.fingerprint,
                "policy_id": finding.policy_id,
                "severity": finding.severity,
                "status": finding.status,
                "message": finding.message,
                "file": finding.file,
                "line": finding.line,
                "resource": finding.resource,
                "suppression_kind": finding.suppression_kind,
                "reason": finding.reason,
                "owner": finding.owner,
                "expires": finding.expires,
            }
