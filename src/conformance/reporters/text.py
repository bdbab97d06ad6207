"""Human-readable output: findings grouped by file, ``path:line:col severity id message (resource)``."""

from __future__ import annotations

import heapq
from itertools import groupby
from typing import IO

from conformance.model import Finding, ScanResult
from conformance.reporters import active, one_line

_COLORS = {"error": "red", "warning": "yellow", "note": "cyan"}


def _line(finding: Finding, color: bool) -> str:
    loc = finding.location
    severity = finding.severity
    if color:
        import click

        severity = click.style(severity, fg=_COLORS[severity], bold=True)
    where = f"{one_line(loc.file)}:{loc.line}:{loc.column}"
    resource = f" ({one_line(str(finding.resource))})" if finding.resource else ""
    # the path, message and resource come from the scanned tree: no escape sequence, no line of their own
    return f"{where} {severity} {one_line(finding.policy_id)} {one_line(finding.message)}{resource}"


def summary(result: ScanResult) -> str:
    counts = result.counts()
    total = sum(counts.values())
    parts = [f"{total} violation{'s' if total != 1 else ''}"]
    detail = ", ".join(f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in counts.items() if n)
    if detail:
        parts[0] += f" ({detail})"
    statuses = result.status_counts()
    for status in ("suppressed", "baselined"):
        if statuses[status]:
            parts[0] += f", {statuses[status]} {status}"
    if result.fixed:
        n = len(result.fixed)
        parts[0] += f", {n} baseline entr{'y' if n == 1 else 'ies'} fixed (prune them)"
    if result.errors:
        parts.append(f"{len(result.errors)} scan error{'s' if len(result.errors) != 1 else ''}")
    stats = result.stats
    policies = len(result.policies)
    parts.append(
        f"{stats.files} file{'s' if stats.files != 1 else ''}, {stats.resources} resource"
        f"{'s' if stats.resources != 1 else ''} scanned with {policies} polic{'y' if policies == 1 else 'ies'} "
        f"in {stats.duration_seconds:.2f}s"
    )
    return "; ".join(parts)


def render(result: ScanResult, stream: IO[str], color: bool = False) -> None:
    everything = heapq.merge(result.errors, active(result.findings), key=Finding.sort_key)
    for _, group in groupby(everything, key=lambda f: f.location.file):
        for finding in group:
            stream.write(_line(finding, color) + "\n")
        stream.write("\n")
    if result.frameworks:
        from conformance.frameworks.report import text_section

        stream.write(text_section(result.frameworks))
    stream.write(summary(result) + "\n")
