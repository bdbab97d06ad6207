"""The org report as frozen records: what every format renders, built once by :func:`conformance.report.build`.

Every number that counts findings carries the ids of the findings behind it (``F1``, ``F2``, ... in
:attr:`Report.findings`), so each format can drill down from a score to the findings it was computed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

REPORT_FORMAT = 1
"""The version of the JSON report layout (``schemas/org-report.schema.json``)."""

ACTIVE = frozenset({"fail", "error"})
"""Finding statuses that count against a repository; suppressed, waived and baselined ones are counted apart."""

NO_TEAM = "(no team)"
NO_LEVEL = "(none)"
"""The bucket of repositories that did not reach the first level."""
NOT_SCANNED = "(not scanned)"

FindingIds = Mapping[tuple[str, int], str]
"""(repository id, index of the finding in that repository's record) → report finding id."""


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, _Record):
        return value.to_dict()
    return value


class _Record:
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: tuples become lists, nested records dictionaries."""
        return {item.name: _plain(getattr(self, item.name)) for item in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class ReportFinding(_Record):
    """One finding of the latest run, or a fixed one of the previous run, with the id numbers point at."""

    id: str
    fingerprint: str
    repository: str
    team: str
    policy_id: str
    severity: str
    status: str
    message: str
    file: str
    line: int
    resource: str
    suppression_kind: str | None
    reason: str | None
    owner: str | None
    expires: str | None
    change: str
    """``new`` (not in the previous run), ``fixed`` (only in the previous run), ``existing``, or empty when
    there is no previous run to compare with."""


@dataclass(frozen=True)
class Score(_Record):
    """(repository, policy) pairs: passing over applicable, not-applicable ones excluded from the denominator.

    Suppressed, waived and baselined findings do not fail a pair; they are counted here so that every score
    is shown with them.
    """

    passed: int
    failed: int
    """Pairs whose outcome is fail or error."""
    not_applicable: int
    suppressed: int
    waived: int
    baselined: int
    active: int
    """Findings that fail (status fail or error)."""
    findings: tuple[str, ...]
    """Ids of every finding behind the score (active and exempted)."""

    @property
    def applicable(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        """Passing share of applicable pairs (0..1); None when nothing applied."""
        return self.passed / self.applicable if self.applicable else None

    @property
    def percent(self) -> str:
        rate = self.rate
        return "n/a" if rate is None else f"{rate * 100:.1f}%"

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["applicable"] = self.applicable
        data["rate"] = None if self.rate is None else round(self.rate, 4)
        return data


@dataclass(frozen=True)
class RunInfo(_Record):
    run_id: str
    started: str
    finished: str
    tool_version: str
    policy_digest: str
    gate: str
    levels: tuple[str, ...]
    scanned: int
    """Repositories scanned or reused."""
    unscannable: int


@dataclass(frozen=True)
class TrendPoint(_Record):
    """One run of the history: its overall score and how many repositories reached each level."""

    run_id: str
    started: str
    passed: int
    applicable: int
    suppressed: int
    waived: int
    baselined: int
    scanned: int
    unscannable: int
    levels: tuple[tuple[str, int], ...]
    """(level name or ``(none)``, repositories), lowest first."""

    @property
    def rate(self) -> float | None:
        return self.passed / self.applicable if self.applicable else None

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["rate"] = None if self.rate is None else round(self.rate, 4)
        data["levels"] = {name: count for name, count in self.levels}
        return data


@dataclass(frozen=True)
class PairOutcome(_Record):
    """One policy on one repository: its outcome and its findings by status."""

    policy_id: str
    severity: str
    outcome: str
    """pass, fail, not-applicable or error."""
    fail: int
    error: int
    suppressed: int
    waived: int
    baselined: int
    findings: tuple[str, ...]


@dataclass(frozen=True)
class RepositoryRow(_Record):
    id: str
    url: str
    team: str
    status: str
    """scanned, reused or failed (could not be scanned)."""
    commit: str | None
    reason: str | None
    level: str | None
    previous_level: str | None
    level_change: str
    """``up``, ``down``, ``same``, ``changed`` (a level name the latest run does not define), ``new`` (not in the
    previous run) or empty (no previous run, or not scanned in one of the two)."""
    score: Score
    failing_policies: tuple[str, ...]
    new_findings: tuple[str, ...]
    fixed_findings: tuple[str, ...]
    outcomes: tuple[PairOutcome, ...]
    """Every policy the scan ran on the repository (none when it could not be scanned)."""


@dataclass(frozen=True)
class LevelBucket(_Record):
    level: str
    """A level name, ``(none)`` or ``(not scanned)``."""
    repositories: tuple[str, ...]


@dataclass(frozen=True)
class TeamRow(_Record):
    name: str
    repositories: tuple[str, ...]
    levels: tuple[LevelBucket, ...]
    """Repositories per level, lowest first, then ``(none)`` and ``(not scanned)``."""
    score: Score
    failing_policies: tuple[str, ...]


@dataclass(frozen=True)
class Offender(_Record):
    repository: str
    active: int
    findings: tuple[str, ...]


@dataclass(frozen=True)
class PolicyRow(_Record):
    policy_id: str
    severity: str
    score: Score
    """Over repositories: passed, failed and not-applicable count repositories."""
    failing_repositories: tuple[str, ...]
    worst_offenders: tuple[Offender, ...]
    """Failing repositories with the most active findings first (at most five)."""


@dataclass(frozen=True)
class LevelChange(_Record):
    repository: str
    before: str | None
    after: str | None
    direction: str
    """``up``, ``down`` or ``changed`` (a level the latest run does not define)."""


@dataclass(frozen=True)
class Changes(_Record):
    """What changed between the previous run and the latest one (repositories present in both)."""

    previous_run_id: str
    comparable: bool
    """Same policy set and config digest: a change is the repositories', not the standards'."""
    new_findings: tuple[str, ...]
    fixed_findings: tuple[str, ...]
    level_changes: tuple[LevelChange, ...]
    newly_failing: tuple[str, ...]
    """Repositories with a failing policy that had none before."""
    newly_unscannable: tuple[str, ...]
    """Repositories that could not be scanned and were scanned before."""


@dataclass(frozen=True)
class Exemption(_Record):
    """A waiver or suppression of one repository and the findings it covers."""

    repository: str
    kind: str
    """``waiver``, ``inline``, ``annotation`` or ``baseline``."""
    policy_id: str
    owner: str | None
    reason: str | None
    expires: str | None
    state: str
    """``expired``, ``expiring`` (within 30 days of the report's day), ``active`` or ``permanent`` (no expiry)."""
    days_left: int | None
    findings: tuple[str, ...]


@dataclass(frozen=True)
class Report(_Record):
    generated: str
    """The report's day (ISO date): expiry is counted from it."""
    run: RunInfo
    previous: RunInfo | None
    overall: Score
    trend: tuple[TrendPoint, ...]
    repositories: tuple[RepositoryRow, ...]
    teams: tuple[TeamRow, ...]
    policies: tuple[PolicyRow, ...]
    changes: Changes | None
    exemptions: tuple[Exemption, ...]
    findings: tuple[ReportFinding, ...]

    @property
    def unscannable(self) -> tuple[RepositoryRow, ...]:
        return tuple(row for row in self.repositories if row.status == "failed")

    def to_dict(self) -> dict[str, Any]:
        return {"format": REPORT_FORMAT, **super().to_dict()}
