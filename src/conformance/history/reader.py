"""Reading runs back: the newest ``limit`` runs as full records, or a summary of each run.

Runs are ordered by start time (then by the order they were appended); only the rows of the runs asked for are
read, so the report's "last two runs" costs two runs whatever the history's length. JSON columns are decoded
here, so a damaged row is an error naming its run and repository.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conformance.history.errors import HistoryError
from conformance.history.schema import COUNT_COLUMNS, Schema
from conformance.org.results import (
    FINDING_STATUSES,
    REPOSITORY_STATUSES,
    FindingRecord,
    PolicyOutcome,
    RepositoryResult,
    RunResult,
)

FINDING_COLUMNS = tuple(FindingRecord.__dataclass_fields__)
"""The findings table's columns in the order of :class:`FindingRecord`'s fields (the same names)."""


@dataclass(frozen=True)
class RunSummary:
    """One run of the history without its rows: ids, times and counts."""

    run_id: str
    started: str
    finished: str
    tool_version: str
    policy_digest: str
    shard_count: int
    appended: str
    repositories: Mapping[str, int] = field(default_factory=dict)
    """Repositories by status (scanned, reused, failed)."""
    findings: Mapping[str, int] = field(default_factory=dict)
    """Findings by status (fail, suppressed, waived, baselined, error)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "tool_version": self.tool_version,
            "policy_digest": self.policy_digest,
            "shard_count": self.shard_count,
            "appended": self.appended,
            "repositories": dict(self.repositories),
            "findings": dict(self.findings),
        }


def _run_rows(connection: Connection, tables: Schema, limit: int | None) -> list[Any]:
    """The newest ``limit`` run rows (all when None), oldest first; ``levels`` as its JSON text."""
    runs = tables.runs
    columns = [column for column in runs.c if column.name != "levels"]
    query: Any = sa.select(*columns, sa.cast(runs.c.levels, sa.Text).label("levels"))
    query = query.order_by(runs.c.started.desc(), runs.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(connection.execute(query).all()))


def _in_runs(table: sa.Table, keys: Sequence[int], limit: int | None) -> Any:
    return sa.true() if limit is None else table.c.run_pk.in_(keys)


def _decode(text: str | None, where: str, kind: type) -> Any:
    try:
        value = json.loads(text) if text is not None else None
    except ValueError as exc:
        raise HistoryError(f"{where}: unreadable JSON in the database ({exc})") from None
    if not isinstance(value, kind):
        raise HistoryError(f"{where}: expected a JSON {kind.__name__} in the database, found {text!r}")
    return value


def load(connection: Connection, tables: Schema, limit: int | None = None) -> list[RunResult]:
    """The newest ``limit`` runs (all when None), oldest first, as full records."""
    if limit is not None and limit <= 0:
        return []
    run_rows = _run_rows(connection, tables, limit)
    if not run_rows:
        return []
    keys = [row.id for row in run_rows]
    names = {row.id: row.run_id for row in run_rows}
    outcomes: dict[int, list[PolicyOutcome]] = defaultdict(list)
    table = tables.policy_outcomes
    statuses = tuple(COUNT_COLUMNS)
    columns = [table.c[name] for name in ("repository_pk", "policy_id", "severity", "outcome", "applicable")]
    columns += [table.c[COUNT_COLUMNS[status]] for status in statuses]
    query = sa.select(*columns).where(_in_runs(table, keys, limit)).order_by(table.c.repository_pk, table.c.position)
    for repository_pk, policy_id, severity, outcome, applicable, *counts in connection.execute(query):
        by_status = {status: count for status, count in zip(statuses, counts, strict=True) if count}
        outcomes[repository_pk].append(PolicyOutcome(policy_id, severity, outcome, applicable, by_status))
    findings: dict[int, list[FindingRecord]] = defaultdict(list)
    table = tables.findings
    columns = [table.c.repository_pk, *(table.c[name] for name in FINDING_COLUMNS)]
    query = sa.select(*columns).where(_in_runs(table, keys, limit)).order_by(table.c.repository_pk, table.c.position)
    for repository_pk, *values in connection.execute(query):
        findings[repository_pk].append(FindingRecord(*values))
    repositories: dict[int, list[RepositoryResult]] = defaultdict(list)
    table = tables.repositories
    columns = [column for column in table.c if column.name != "tags"]
    query = (
        sa.select(*columns, sa.cast(table.c.tags, sa.Text).label("tags"))
        .where(_in_runs(table, keys, limit))
        .order_by(table.c.run_pk, table.c.position)
    )
    for row in connection.execute(query):
        where = f"run {names[row.run_pk]!r}, repository {row.repo_id!r}"
        repositories[row.run_pk].append(
            RepositoryResult(
                id=row.repo_id,
                url=row.url,
                status=row.status,
                branch=row.branch,
                commit=row.commit_id,
                team=row.team,
                team_source=row.team_source,
                tags=_decode(row.tags, where, dict),
                reason=row.reason,
                exit_code=row.exit_code,
                level=row.level,
                policies=tuple(outcomes.pop(row.id, ())),
                findings=tuple(findings.pop(row.id, ())),
                duration_seconds=row.duration_seconds,
            )
        )
    return [
        RunResult(
            run_id=row.run_id,
            started=row.started,
            finished=row.finished,
            tool_version=row.tool_version,
            policy_digest=row.policy_digest,
            shard_index=row.shard_index,
            shard_count=row.shard_count,
            levels=tuple(_decode(row.levels, f"run {row.run_id!r}", list)),
            gate=row.gate,
            repositories=tuple(repositories.pop(row.id, ())),
        )
        for row in run_rows
    ]


def summaries(connection: Connection, tables: Schema, limit: int | None = None) -> list[RunSummary]:
    """Every run (the newest ``limit`` when given), oldest first, with its repositories and findings counted."""
    if limit is not None and limit <= 0:
        return []
    run_rows = _run_rows(connection, tables, limit)
    keys = [row.id for row in run_rows]
    if not keys:
        return []
    repositories = _status_counts(connection, tables.repositories, keys, limit)
    findings = _status_counts(connection, tables.findings, keys, limit)
    return [
        RunSummary(
            run_id=row.run_id,
            started=row.started,
            finished=row.finished,
            tool_version=row.tool_version,
            policy_digest=row.policy_digest,
            shard_count=row.shard_count,
            appended=row.appended,
            repositories={status: repositories[row.id].get(status, 0) for status in REPOSITORY_STATUSES},
            findings={status: findings[row.id].get(status, 0) for status in FINDING_STATUSES},
        )
        for row in run_rows
    ]


def _status_counts(
    connection: Connection, table: sa.Table, keys: list[int], limit: int | None
) -> dict[int, dict[str, int]]:
    """Rows of ``table`` (repositories or findings) counted by status, per run key."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    query = (
        sa.select(table.c.run_pk, table.c.status, sa.func.count())
        .where(_in_runs(table, keys, limit))
        .group_by(table.c.run_pk, table.c.status)
    )
    for run_pk, status, count in connection.execute(query):
        counts[run_pk][status] = count
    return counts
