"""From the history's runs to one :class:`~conformance.report.model.Report`: the latest run, what changed since
the previous one, and the trend over all of them.

Counting: a (repository, policy) pair passes when the policy's outcome is ``pass``; ``fail`` and ``error``
fail it; ``not-applicable`` pairs are left out of the denominator. Suppressed, waived and baselined findings
never fail a pair and are counted beside every score. Repositories that could not be scanned have no pairs:
they are listed apart, with their reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from conformance.org.results import FAILED, FindingRecord, RepositoryResult, RunResult
from conformance.report.exemptions import exemptions
from conformance.report.model import (
    ACTIVE,
    NO_LEVEL,
    NO_TEAM,
    NOT_SCANNED,
    Changes,
    FindingIds,
    LevelBucket,
    LevelChange,
    Offender,
    PairOutcome,
    PolicyRow,
    Report,
    ReportFinding,
    RepositoryRow,
    RunInfo,
    Score,
    TeamRow,
    TrendPoint,
)

WORST_OFFENDERS = 5


def build_report(runs: Sequence[RunResult], today: date) -> Report:
    """The report of ``runs`` (oldest first, at least one): the last is the latest run."""
    if not runs:
        raise ValueError("no runs to report on")
    latest = runs[-1]
    previous = runs[-2] if len(runs) > 1 else None
    findings, ids = _findings(latest, previous)
    before = {repository.id: repository for repository in previous.repositories} if previous else {}
    grouped: dict[str, list[ReportFinding]] = {}
    for finding in findings:
        grouped.setdefault(finding.repository, []).append(finding)
    rows = tuple(
        _repository_row(
            repository, previous, before.get(repository.id), latest.levels, ids, grouped.get(repository.id, [])
        )
        for repository in latest.repositories
    )
    scanned = [repository for repository in latest.repositories if repository.status != FAILED]
    return Report(
        generated=today.isoformat(),
        run=_run_info(latest),
        previous=_run_info(previous) if previous else None,
        overall=_score(scanned, ids),
        trend=tuple(_trend_point(run) for run in runs),
        repositories=rows,
        teams=_teams(latest, rows, ids),
        policies=_policies(rows),
        changes=_changes(latest, previous, rows, findings) if previous else None,
        exemptions=exemptions(latest, ids, today),
        findings=tuple(findings),
    )


def _team(repository: RepositoryResult) -> str:
    return repository.team or NO_TEAM


def _run_info(run: RunResult) -> RunInfo:
    counts = run.counts()
    return RunInfo(
        run_id=run.run_id,
        started=run.started,
        finished=run.finished,
        tool_version=run.tool_version,
        policy_digest=run.policy_digest,
        gate=run.gate,
        levels=run.levels,
        scanned=len(run.repositories) - counts.get(FAILED, 0),
        unscannable=counts.get(FAILED, 0),
    )


def _findings(latest: RunResult, previous: RunResult | None) -> tuple[list[ReportFinding], FindingIds]:
    """The latest run's findings (``F1``...), then the previous run's fixed ones, each marked with its change."""
    before = {repository.id: repository for repository in previous.repositories} if previous else {}
    findings: list[ReportFinding] = []
    ids: dict[tuple[str, int], str] = {}
    for repository in latest.repositories:
        old = before.get(repository.id)
        compared = previous is not None and repository.status != FAILED and (old is None or old.status != FAILED)
        old_prints = {record.fingerprint for record in old.findings} if old else set()
        for index, record in enumerate(repository.findings):
            change = "" if not compared else "existing" if record.fingerprint in old_prints else "new"
            finding_id = f"F{len(findings) + 1}"
            ids[(repository.id, index)] = finding_id
            findings.append(_report_finding(finding_id, repository, record, change))
        if compared and old is not None:
            prints = {record.fingerprint for record in repository.findings}
            for record in old.findings:
                if record.fingerprint not in prints:
                    findings.append(_report_finding(f"F{len(findings) + 1}", repository, record, "fixed"))
    return findings, ids


def _report_finding(finding_id: str, repository: RepositoryResult, record: FindingRecord, change: str) -> ReportFinding:
    return ReportFinding(
        id=finding_id,
        fingerprint=record.fingerprint,
        repository=repository.id,
        team=_team(repository),
        policy_id=record.policy_id,
        severity=record.severity,
        status=record.status,
        message=record.message,
        file=record.file,
        line=record.line,
        resource=record.resource,
        suppression_kind=record.suppression_kind,
        reason=record.reason,
        owner=record.owner,
        expires=record.expires,
        change=change,
    )


def _score(repositories: Iterable[RepositoryResult], ids: FindingIds) -> Score:
    """The pairs of ``repositories`` and every finding behind them (also scan errors and waiver notices)."""
    passed = failed = not_applicable = 0
    statuses: dict[str, int] = {}
    behind: list[str] = []
    for repository in repositories:
        for outcome in repository.policies:
            if outcome.outcome == "pass":
                passed += 1
            elif outcome.outcome == "not-applicable":
                not_applicable += 1
            else:
                failed += 1
        for index, record in enumerate(repository.findings):
            statuses[record.status] = statuses.get(record.status, 0) + 1
            behind.append(ids[(repository.id, index)])
    return Score(
        passed=passed,
        failed=failed,
        not_applicable=not_applicable,
        suppressed=statuses.get("suppressed", 0),
        waived=statuses.get("waived", 0),
        baselined=statuses.get("baselined", 0),
        active=sum(statuses.get(status, 0) for status in ACTIVE),
        findings=tuple(behind),
    )


def _trend_point(run: RunResult) -> TrendPoint:
    """A run's overall score (no drill-down: older runs' findings are not in the report) and its levels."""
    scanned = [repository for repository in run.repositories if repository.status != FAILED]
    outcomes = [outcome.outcome for repository in scanned for outcome in repository.policies]
    statuses = [record.status for repository in scanned for record in repository.findings]
    levels = [(name, sum(1 for r in scanned if r.level == name)) for name in run.levels]
    levels.append((NO_LEVEL, sum(1 for r in scanned if r.level not in run.levels)))
    return TrendPoint(
        run_id=run.run_id,
        started=run.started,
        passed=outcomes.count("pass"),
        applicable=sum(1 for outcome in outcomes if outcome != "not-applicable"),
        suppressed=statuses.count("suppressed"),
        waived=statuses.count("waived"),
        baselined=statuses.count("baselined"),
        scanned=len(scanned),
        unscannable=len(run.repositories) - len(scanned),
        levels=tuple(levels),
    )


def _failing_policies(repository: RepositoryResult) -> tuple[str, ...]:
    return tuple(sorted(outcome.policy_id for outcome in repository.policies if outcome.outcome in ACTIVE))


def _rank(levels: Sequence[str], level: str | None) -> int | None:
    """0 below the first level, 1 for the first, ...; None for a name the levels do not have."""
    if level is None:
        return 0
    return levels.index(level) + 1 if level in levels else None


def _direction(levels: Sequence[str], before: str | None, after: str | None) -> str:
    old, new = _rank(levels, before), _rank(levels, after)
    if old is None or new is None:
        return "same" if before == after else "changed"
    return "up" if new > old else "down" if new < old else "same"


def _repository_row(
    repository: RepositoryResult,
    previous: RunResult | None,
    old: RepositoryResult | None,
    levels: Sequence[str],
    ids: FindingIds,
    mine: Sequence[ReportFinding],
) -> RepositoryRow:
    """One repository of the latest run (``old``: the same repository in the previous run)."""
    if previous is None:
        change = ""
    elif old is None:
        change = "new"
    elif FAILED in (old.status, repository.status):
        change = ""
    else:
        change = _direction(levels, old.level, repository.level)
    failed = repository.status == FAILED
    return RepositoryRow(
        id=repository.id,
        url=repository.url,
        team=_team(repository),
        status=repository.status,
        commit=repository.commit,
        reason=repository.reason,
        level=None if failed else repository.level,
        previous_level=old.level if old is not None and old.status != FAILED else None,
        level_change=change,
        score=_score([] if failed else [repository], ids),
        failing_policies=_failing_policies(repository),
        new_findings=tuple(finding.id for finding in mine if finding.change == "new"),
        fixed_findings=tuple(finding.id for finding in mine if finding.change == "fixed"),
        outcomes=() if failed else _pairs(repository, ids),
    )


def _pairs(repository: RepositoryResult, ids: FindingIds) -> tuple[PairOutcome, ...]:
    behind: dict[str, list[tuple[str, str]]] = {}
    for index, record in enumerate(repository.findings):
        behind.setdefault(record.policy_id, []).append((record.status, ids[(repository.id, index)]))
    pairs = []
    for outcome in repository.policies:
        mine = behind.get(outcome.policy_id, [])
        statuses = [status for status, _ in mine]
        pairs.append(
            PairOutcome(
                policy_id=outcome.policy_id,
                severity=outcome.severity,
                outcome=outcome.outcome,
                fail=statuses.count("fail"),
                error=statuses.count("error"),
                suppressed=statuses.count("suppressed"),
                waived=statuses.count("waived"),
                baselined=statuses.count("baselined"),
                findings=tuple(finding_id for _, finding_id in mine),
            )
        )
    return tuple(pairs)


def _teams(latest: RunResult, rows: Sequence[RepositoryRow], ids: FindingIds) -> tuple[TeamRow, ...]:
    names = sorted({row.team for row in rows}, key=lambda name: (name == NO_TEAM, name))
    teams = []
    for name in names:
        members = [repository for repository in latest.repositories if _team(repository) == name]
        scanned = [repository for repository in members if repository.status != FAILED]
        buckets = []
        for level in latest.levels:
            buckets.append(LevelBucket(level, tuple(r.id for r in scanned if r.level == level)))
        buckets.append(LevelBucket(NO_LEVEL, tuple(r.id for r in scanned if r.level not in latest.levels)))
        buckets.append(LevelBucket(NOT_SCANNED, tuple(r.id for r in members if r.status == FAILED)))
        failing = sorted({policy for repository in scanned for policy in _failing_policies(repository)})
        teams.append(
            TeamRow(
                name=name,
                repositories=tuple(repository.id for repository in members),
                levels=tuple(buckets),
                score=_score(scanned, ids),
                failing_policies=tuple(failing),
            )
        )
    return tuple(teams)


def _policies(rows: Sequence[RepositoryRow]) -> tuple[PolicyRow, ...]:
    """Per policy, from the (repository, policy) pairs of the scanned repositories: worst pass rate first."""
    by_policy: dict[str, list[tuple[str, PairOutcome]]] = {}
    for row in rows:
        for pair in row.outcomes:
            by_policy.setdefault(pair.policy_id, []).append((row.id, pair))
    policies = []
    for policy_id, pairs in sorted(by_policy.items()):
        outcomes = [pair.outcome for _, pair in pairs]
        failing = [(repository, pair) for repository, pair in pairs if pair.outcome in ACTIVE]
        offenders = sorted(
            (Offender(repository, pair.fail + pair.error, pair.findings) for repository, pair in failing),
            key=lambda offender: (-offender.active, offender.repository),
        )
        score = Score(
            passed=outcomes.count("pass"),
            failed=len(failing),
            not_applicable=outcomes.count("not-applicable"),
            suppressed=sum(pair.suppressed for _, pair in pairs),
            waived=sum(pair.waived for _, pair in pairs),
            baselined=sum(pair.baselined for _, pair in pairs),
            active=sum(pair.fail + pair.error for _, pair in pairs),
            findings=tuple(finding_id for _, pair in pairs for finding_id in pair.findings),
        )
        policies.append(
            PolicyRow(
                policy_id=policy_id,
                severity=pairs[0][1].severity,
                score=score,
                failing_repositories=tuple(repository for repository, _ in failing),
                worst_offenders=tuple(offenders[:WORST_OFFENDERS]),
            )
        )
    return tuple(sorted(policies, key=lambda row: (row.score.rate is None, row.score.rate or 0.0, row.policy_id)))


def _changes(
    latest: RunResult, previous: RunResult, rows: Sequence[RepositoryRow], findings: Sequence[ReportFinding]
) -> Changes:
    before = {repository.id: repository for repository in previous.repositories}
    level_changes = []
    newly_failing = []
    newly_unscannable = []
    for repository, row in zip(latest.repositories, rows, strict=True):
        old = before.get(repository.id)
        if old is None:
            continue
        if repository.status == FAILED:
            if old.status != FAILED:
                newly_unscannable.append(repository.id)
            continue
        if old.status == FAILED:
            continue
        if row.level_change in ("up", "down", "changed"):
            level_changes.append(LevelChange(repository.id, old.level, repository.level, row.level_change))
        if row.failing_policies and not _failing_policies(old):
            newly_failing.append(repository.id)
    return Changes(
        previous_run_id=previous.run_id,
        comparable=previous.policy_digest == latest.policy_digest,
        new_findings=tuple(finding.id for finding in findings if finding.change == "new"),
        fixed_findings=tuple(finding.id for finding in findings if finding.change == "fixed"),
        level_changes=tuple(level_changes),
        newly_failing=tuple(newly_failing),
        newly_unscannable=tuple(newly_unscannable),
    )
