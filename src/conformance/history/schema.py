"""The history's tables (SQLAlchemy Core), as each schema version defines them.

One code path for SQLite and PostgreSQL: generic types only (``JSON`` is TEXT on SQLite, ``json`` on
PostgreSQL). Timestamps are kept as the ISO 8601 strings the run records carry, so they read back unchanged and
sort in time order. Version 1 is frozen: a change is a new version plus a step in ``migrations``.

- ``schema_version``: one row per version applied (the highest is the database's version).
- ``runs``: one row per appended run; ``run_id`` is unique (a run is appended once).
- ``repositories``: per run and repository: where it came from, owner, tags, status, exit code, level.
- ``policy_outcomes``: per run, repository and policy: outcome, subjects it applied to, findings by status.
- ``findings``: per run, repository and finding: fingerprint, policy, status, location, suppression details.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

CURRENT_VERSION = 2
FINDINGS_BY_RUN_AND_FINGERPRINT = "ix_findings_run_fingerprint"
OUTCOMES_BY_RUN_AND_POLICY = "ix_policy_outcomes_run_policy"
COUNT_COLUMNS = {
    "fail": "count_fail",
    "suppressed": "count_suppressed",
    "waived": "count_waived",
    "baselined": "count_baselined",
    "error": "count_error",
}
"""A policy outcome's ``counts`` key → its column (every finding status has one)."""


@dataclass(frozen=True)
class Schema:
    """The tables of one schema version, bound to their own ``MetaData``."""

    version: int
    metadata: sa.MetaData
    schema_version: sa.Table
    runs: sa.Table
    repositories: sa.Table
    policy_outcomes: sa.Table
    findings: sa.Table

    @property
    def data_tables(self) -> tuple[sa.Table, ...]:
        return (self.runs, self.repositories, self.policy_outcomes, self.findings)


def _text(name: str, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=nullable)


def _run_key() -> sa.Column[int]:
    return sa.Column("run_pk", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False)


def _repository_key() -> sa.Column[int]:
    return sa.Column("repository_pk", sa.Integer, sa.ForeignKey("repositories.id", ondelete="CASCADE"), nullable=False)


def build(version: int = CURRENT_VERSION) -> Schema:
    """The tables as schema ``version`` has them (1 or 2)."""
    if not 1 <= version <= CURRENT_VERSION:
        raise ValueError(f"no schema version {version}")
    metadata = sa.MetaData()
    schema_version = sa.Table(
        "schema_version",
        metadata,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        _text("applied", nullable=False),
    )
    runs = sa.Table(
        "runs",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Text, nullable=False, unique=True),
        _text("started", nullable=False),
        _text("finished", nullable=False),
        _text("tool_version", nullable=False),
        _text("policy_digest", nullable=False),
        sa.Column("shard_index", sa.Integer, nullable=False),
        sa.Column("shard_count", sa.Integer, nullable=False),
        sa.Column("levels", sa.JSON, nullable=False),
        _text("gate", nullable=False),
        _text("appended", nullable=False),
    )
    repository_columns: list[sa.schema.SchemaItem] = [
        sa.Column("id", sa.Integer, primary_key=True),
        _run_key(),
        sa.Column("position", sa.Integer, nullable=False),
        _text("repo_id", nullable=False),
        _text("url", nullable=False),
        _text("status", nullable=False),
        _text("branch"),
        _text("commit_id"),
        _text("team"),
        _text("team_source"),
        sa.Column("tags", sa.JSON, nullable=False),
        _text("reason"),
        sa.Column("exit_code", sa.Integer),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.UniqueConstraint("run_pk", "repo_id", name="uq_repositories_run_repo"),
    ]
    if version >= 2:
        repository_columns.append(_text("level"))
    repositories = sa.Table("repositories", metadata, *repository_columns)
    policy_outcomes = sa.Table(
        "policy_outcomes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        _run_key(),
        _repository_key(),
        sa.Column("position", sa.Integer, nullable=False),
        _text("policy_id", nullable=False),
        _text("severity", nullable=False),
        _text("outcome", nullable=False),
        sa.Column("applicable", sa.Integer, nullable=False),
        *(sa.Column(column, sa.Integer, nullable=False) for column in COUNT_COLUMNS.values()),
        sa.Index("ix_policy_outcomes_repository", "repository_pk"),
    )
    findings = sa.Table(
        "findings",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        _run_key(),
        _repository_key(),
        sa.Column("position", sa.Integer, nullable=False),
        _text("fingerprint", nullable=False),
        _text("policy_id", nullable=False),
        _text("severity", nullable=False),
        _text("status", nullable=False),
        _text("message", nullable=False),
        _text("file", nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        _text("resource", nullable=False),
        _text("suppression_kind"),
        _text("reason"),
        _text("owner"),
        _text("expires"),
        sa.Index("ix_findings_repository", "repository_pk"),
    )
    if version >= 2:
        version_2_indexes(policy_outcomes, findings)
    return Schema(version, metadata, schema_version, runs, repositories, policy_outcomes, findings)


def version_2_indexes(policy_outcomes: sa.Table, findings: sa.Table) -> tuple[sa.Index, sa.Index]:
    """What the report looks up: a run's findings by fingerprint (new and fixed), a run's outcomes by policy."""
    return (
        sa.Index(OUTCOMES_BY_RUN_AND_POLICY, policy_outcomes.c.run_pk, policy_outcomes.c.policy_id),
        sa.Index(FINDINGS_BY_RUN_AND_FINGERPRINT, findings.c.run_pk, findings.c.fingerprint),
    )
