"""GitLab Code Quality (``artifacts:reports:codequality``): a JSON array of Code Climate issues.

Each finding and each scan error is one issue with ``description``, ``check_name`` (the policy id),
``fingerprint`` (the finding's fingerprint, numbered when repeated in a file so it is unique in the report),
``severity`` and ``location.path`` / ``location.lines``. Severities map as follows: scan errors ``blocker``;
errors ``critical`` for security policies and ``major`` otherwise; warnings ``minor``; notes ``info``.
Issues are written one at a time, so a report of any size is produced without holding it in memory.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from typing import IO, Any

from conformance.model import Finding, ScanResult
from conformance.reporters import InertJsonStream, ReportOptions, UniqueFingerprints, active, report_path, span

TAKES_OPTIONS = True

PRETTY_UP_TO = 200
"""Reports with at most this many issues are indented for people; larger ones are compact."""

CATEGORIES = {"security": "Security", "reliability": "Bug Risk", "hygiene": "Style"}
"""Code Climate categories by policy category (anything else is Bug Risk)."""


def severity(finding: Finding, category: str) -> str:
    """The Code Quality severity of a finding: info, minor, major, critical or blocker."""
    if finding.is_error:
        return "blocker"
    if finding.severity == "error":
        return "critical" if category == "security" else "major"
    return "minor" if finding.severity == "warning" else "info"


def _issues(result: ScanResult, options: ReportOptions) -> Iterator[dict[str, Any]]:
    categories = {p.id: p.category for p in result.policies}
    fingerprints = UniqueFingerprints()
    for finding in heapq.merge(result.errors, active(result.findings), key=Finding.sort_key):
        category = categories.get(finding.policy_id, "")
        where = span(finding.location)
        resource = f" ({finding.resource})" if finding.resource else ""
        yield {
            "type": "issue",
            "check_name": finding.policy_id,
            "description": f"{finding.message}{resource}",
            "categories": [CATEGORIES.get(category, "Bug Risk")],
            "severity": severity(finding, category),
            "fingerprint": fingerprints(finding),
            "location": {
                "path": report_path(finding.location.file, options.source_root) or ".",
                "lines": {"begin": where.line, "end": where.end_line},
            },
        }


def render(result: ScanResult, stream: IO[str], color: bool = False, options: ReportOptions | None = None) -> None:
    options = options or ReportOptions()
    stream = InertJsonStream(stream)  # type: ignore[assignment]
    if len(result.findings) + len(result.errors) <= PRETTY_UP_TO:
        stream.write(json.dumps(list(_issues(result, options)), indent=2) + "\n")
        return
    stream.write("[")
    for i, issue in enumerate(_issues(result, options)):
        stream.write(("," if i else "") + json.dumps(issue, separators=(",", ":")))
    stream.write("]\n")
