"""The report as CSV: one row per repository and policy (a repository that could not be scanned has one row,
with its reason), for spreadsheets.

Every cell comes from scanned repositories or their inventory, so a cell that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, as
OWASP recommends against CSV injection.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from conformance.report.model import Report

COLUMNS = (
    "repository",
    "team",
    "url",
    "repository_status",
    "level",
    "policy_id",
    "severity",
    "outcome",
    "fail",
    "error",
    "suppressed",
    "waived",
    "baselined",
    "reason",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell a spreadsheet shows as text: formula-like strings are prefixed with ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def rows(report: Report) -> Iterator[tuple[object, ...]]:
    for row in report.repositories:
        head = (row.id, row.team, row.url, row.status, row.level or "")
        if not row.outcomes:
            yield (*head, "", "", "not-scanned" if row.status == "failed" else "", 0, 0, 0, 0, 0, row.reason or "")
        for pair in row.outcomes:
            counts = (pair.fail, pair.error, pair.suppressed, pair.waived, pair.baselined)
            yield (*head, pair.policy_id, pair.severity, pair.outcome, *counts, "")


def render(report: Report, stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for values in rows(report):
        writer.writerow([value if isinstance(value, int) else neutralise(value) for value in values])
