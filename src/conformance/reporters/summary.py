"""The per-repository summary view: per policy and per profile pass / fail / not-applicable, with the
suppressed, waived and baselined findings beside them, and the level reached (the config's ``levels``) with
what blocks the next one. The same numbers the org report shows for one repository
(:mod:`conformance.org.outcomes`, :mod:`conformance.org.rollup`).

A policy *passes* when it ran on something and nothing active was found, is *not applicable* when there was
nothing for it to check (no Dockerfile for a Dockerfile policy), *fails* with an active finding of any
severity, and is an *error* when it crashed or timed out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any

from conformance.model import ScanResult
from conformance.org.results import ERROR, FAIL, NOT_APPLICABLE, PASS
from conformance.org.rollup import RepositorySummary, Tally
from conformance.reporters import ReportOptions, one_line

TAKES_OPTIONS = True

_COLORS = {PASS: "green", FAIL: "red", ERROR: "magenta", NOT_APPLICABLE: "bright_black"}
_TALLY_COLUMNS = ("policies", PASS, FAIL, NOT_APPLICABLE, ERROR, "suppressed", "waived", "baselined")


def summary_of(result: ScanResult, levels: Sequence[Any] = ()) -> RepositorySummary:
    """The summary of a scan prepared with ``record_evaluations=True``, against ``levels`` (lowest first)."""
    from conformance.org.outcomes import summarize
    from conformance.org.rollup import summarize_outcomes

    outcomes, _ = summarize(result)
    profiles_of: Mapping[str, Sequence[str]] = {policy.id: policy.profiles for policy in result.policies}
    return summarize_outcomes(outcomes, profiles_of, levels)


def _paint(text: str, outcome: str, color: bool) -> str:
    if not color or outcome not in _COLORS:
        return text
    import click

    return click.style(text, fg=_COLORS[outcome], bold=True if outcome in (FAIL, ERROR) else None)


def _table(headers: Sequence[str], rows: list[list[Any]], text_columns: int) -> str:
    """A plain table: the first ``text_columns`` left-aligned, the counts after them right-aligned."""
    from tabulate import tabulate

    align = ["left"] * text_columns + ["right"] * (len(headers) - text_columns)
    return tabulate(rows, headers=list(headers), tablefmt="simple", disable_numparse=True, colalign=align)


def _tally_row(tally: Tally) -> list[Any]:
    values = {**tally.outcomes, **tally.accepted, "policies": tally.policies}
    return [str(values[column]) for column in _TALLY_COLUMNS]


def _headline(summary: RepositorySummary) -> str:
    total = summary.total
    counts = total.outcomes
    accepted = ", ".join(f"{n} {status}" for status, n in total.accepted.items())
    return (
        f"{total.policies} polic{'y' if total.policies == 1 else 'ies'}: {counts[PASS]} pass, {counts[FAIL]} fail, "
        f"{counts[NOT_APPLICABLE]} not applicable, {counts[ERROR]} error ({accepted})"
    )


def _level_lines(summary: RepositorySummary) -> list[str]:
    if not summary.levels:
        return ["Level: no levels configured (a `levels:` list in the configuration defines them)"]
    reached = one_line(summary.level) if summary.level else "none"
    lines = [f"Level: {reached}"]
    following = summary.next_level
    if following is None:
        lines[0] += " (the highest)"
    else:
        blockers = ", ".join(one_line(b) for b in following.blockers)
        lines.append(f"Next: {one_line(following.name)}, blocked by {blockers}")
    return lines


def render_summary(summary: RepositorySummary, stream: IO[str], color: bool = False) -> None:
    """Write the text view of a summary."""
    policy_rows = [
        [
            one_line(outcome.policy_id),
            outcome.severity,
            _paint(outcome.outcome, outcome.outcome, color),
            str(outcome.applicable),
            *(str(outcome.counts.get(status, 0)) for status in (FAIL, "suppressed", "waived", "baselined", ERROR)),
        ]
        for outcome in summary.policies
    ]
    headers = ("policy", "severity", "outcome", "checked", "fail", "suppressed", "waived", "baselined", "error")
    stream.write(_table(headers, policy_rows, 3) + "\n\n")
    if summary.profiles:
        profile_rows = [[one_line(p.profile), *_tally_row(p.tally)] for p in summary.profiles]
        stream.write(_table(("profile", *_TALLY_COLUMNS), profile_rows, 1) + "\n\n")
    if summary.levels:
        level_rows = [
            [
                one_line(status.name),
                _paint("reached", PASS, color) if status.reached else _paint("not reached", FAIL, color),
                ", ".join(one_line(b) for b in status.blockers) or ("" if status.reached else "(a level below)"),
            ]
            for status in summary.levels
        ]
        stream.write(_table(("level", "status", "blocked by"), level_rows, 3) + "\n\n")
    for line in [_headline(summary), *_level_lines(summary)]:
        stream.write(line + "\n")


def render(result: ScanResult, stream: IO[str], color: bool = False, options: ReportOptions | None = None) -> None:
    render_summary(summary_of(result, (options or ReportOptions()).levels), stream, color)
