"""The report as Markdown (a wiki page, an issue, a job summary): the same sections as the HTML page, as
tables. Finding ids (``F1``...) in every count's row lead to the findings table at the end.

Everything that comes from repositories (names, teams, URLs, messages, paths, reasons, owners) goes through
the scan reports' Markdown escaping, so it cannot add tags, links, emphasis, table cells or mentions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from conformance.report.model import NO_LEVEL, NOT_SCANNED, Exemption, Report, ReportFinding, Score


def _e(value: object) -> str:
    from conformance.reporters.markdown import escape

    return escape("" if value is None else str(value))


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def _ids(ids: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def score_text(score: Score) -> str:
    """``71.4% (10 of 14 pass, 2 not applicable) · 5 active · 1 suppressed · 1 waived · 1 baselined``"""
    return (
        f"{score.percent} ({score.passed} of {score.applicable} pass, {score.not_applicable} not applicable) · "
        f"{score.active} active · {score.suppressed} suppressed · {score.waived} waived · {score.baselined} baselined"
    )


def _exemption_state(exemption: Exemption) -> str:
    if exemption.state == "expired":
        return "**expired**"
    if exemption.state == "expiring":
        return f"**expires in {exemption.days_left} days**"
    return exemption.state


def _location(finding: ReportFinding) -> str:
    return f"{_e(finding.file)}:{finding.line}" if finding.file else ""


def to_markdown(report: Report) -> str:
    run = report.run
    parts = [
        f"# Compliance report: run {_e(run.run_id)}\n\n",
        f"Run {_e(run.run_id)} started {_e(run.started)} ({run.scanned} repositories scanned, "
        f"{run.unscannable} could not be scanned); report of {_e(report.generated)}.",
        f" Compared with run {_e(report.previous.run_id)}.\n\n" if report.previous else "\n\n",
        f"**Overall compliance: {score_text(report.overall)}**\n\n",
        "Compliance is the share of (repository, policy) pairs that pass; not-applicable pairs are left out, "
        "and suppressed, waived and baselined findings are counted beside every score.\n\n",
    ]
    level_names = (*run.levels, NO_LEVEL)
    parts.append("## Trend\n\n")
    parts.append(
        _table(
            ("Run", "Started", "Compliance", "Pass", "Applicable", "Suppressed", "Waived", "Baselined",
             "Scanned", "Not scanned", *(_e(name) for name in level_names)),
            (
                (_e(point.run_id), _e(point.started),
                 "n/a" if point.rate is None else f"{point.rate * 100:.1f}%", point.passed, point.applicable,
                 point.suppressed, point.waived, point.baselined, point.scanned, point.unscannable,
                 *(dict(point.levels).get(name, 0) for name in level_names))
                for point in report.trend
            ),
        )
    )
    parts.append("\n## Teams\n\n")
    parts.append(
        _table(
            ("Team", "Repositories", "Compliance", *(_e(name) for name in (*level_names, NOT_SCANNED)),
             "Failing policies"),
            (
                (_e(team.name), len(team.repositories), score_text(team.score),
                 *(f"{len(b.repositories)}: " + ", ".join(_e(r) for r in b.repositories) if b.repositories else "0"
                   for b in team.levels),
                 ", ".join(_e(policy) for policy in team.failing_policies))
                for team in report.teams
            ),
        )
    )
    parts.append("\n## Repositories\n\n")
    parts.append(
        _table(
            ("Repository", "Team", "Status", "Level", "Change", "Compliance", "Failing policies", "Findings"),
            (
                (_e(row.id), _e(row.team), _e(row.status),
                 _e(row.level or (NOT_SCANNED if row.status == "failed" else NO_LEVEL)),
                 _e(f"{row.level_change} (was {row.previous_level or NO_LEVEL})" if row.level_change in
                    ("up", "down", "changed") else row.level_change),
                 score_text(row.score) if row.status != "failed" else "not scanned: " + _e(row.reason),
                 ", ".join(_e(policy) for policy in row.failing_policies), _ids(row.score.findings))
                for row in report.repositories
            ),
        )
    )
    parts.append("\n## Policies\n\n")
    parts.append(
        _table(
            ("Policy", "Severity", "Pass rate (repositories)", "Failing repositories", "Worst offenders", "Findings"),
            (
                (_e(policy.policy_id), _e(policy.severity), score_text(policy.score),
                 ", ".join(_e(r) for r in policy.failing_repositories),
                 ", ".join(f"{_e(o.repository)} ({o.active})" for o in policy.worst_offenders),
                 _ids(policy.score.findings))
                for policy in report.policies
            ),
        )
    )
    parts.append(_changes(report))
    parts.append("\n## Waivers and suppressions\n\n")
    parts.append(
        _table(
            ("State", "Repository", "Kind", "Policy", "Owner", "Reason", "Expires", "Findings"),
            (
                (_exemption_state(e), _e(e.repository), _e(e.kind), _e(e.policy_id), _e(e.owner), _e(e.reason),
                 _e(e.expires or "never"), _ids(e.findings))
                for e in report.exemptions
            ),
        )
        if report.exemptions
        else "None.\n"
    )
    parts.append("\n## Could not be scanned\n\n")
    parts.append(
        _table(("Repository", "Team", "Reason"), ((_e(r.id), _e(r.team), _e(r.reason)) for r in report.unscannable))
        if report.unscannable
        else "Every repository was scanned.\n"
    )
    parts.append("\n## Findings\n\n")
    parts.append(
        _table(
            ("Id", "Repository", "Policy", "Severity", "Status", "Change", "Location", "Resource", "Message"),
            (
                (f.id, _e(f.repository), _e(f.policy_id), _e(f.severity), _e(f.status), _e(f.change), _location(f),
                 _e(f.resource), _e(f.message))
                for f in report.findings
            ),
        )
        if report.findings
        else "No findings.\n"
    )
    return "".join(parts)


def _changes(report: Report) -> str:
    changes = report.changes
    if changes is None:
        return "\n## Changes\n\nNo previous run to compare with.\n"
    parts = [f"\n## Changes since run {_e(changes.previous_run_id)}\n\n"]
    if not changes.comparable:
        parts.append("The policy set or the org configuration changed between the two runs.\n\n")
    parts.append(
        f"- New findings: {len(changes.new_findings)} ({_ids(changes.new_findings)})\n"
        f"- Fixed findings: {len(changes.fixed_findings)} ({_ids(changes.fixed_findings)})\n"
        f"- Newly failing repositories: {', '.join(_e(r) for r in changes.newly_failing) or 'none'}\n"
        f"- Newly unscannable repositories: {', '.join(_e(r) for r in changes.newly_unscannable) or 'none'}\n"
    )
    if changes.level_changes:
        parts.append("\n")
        parts.append(
            _table(
                ("Repository", "Change", "Before", "After"),
                ((_e(c.repository), _e(c.direction), _e(c.before or NO_LEVEL), _e(c.after or NO_LEVEL))
                 for c in changes.level_changes),
            )
        )
    return "".join(parts)


def render(report: Report, stream: IO[str]) -> None:
    stream.write(to_markdown(report))
