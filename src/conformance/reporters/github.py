"""GitHub Actions workflow commands: ``::error file=…,line=…::message`` annotations and a summary line.

GitHub turns only the first ten commands of each level (error, warning, notice) in a step into annotations,
so this prints the most severe first (scan errors, then errors, warnings, notes) and at most
ANNOTATIONS_PER_LEVEL of each level, then the scan's summary and, when some were left out, a line saying how
many. The job summary (written by ``conformance scan`` when ``$GITHUB_STEP_SUMMARY`` is set) and the other
formats list every finding.

Messages and file names come from the scanned tree, so they are escaped: ``%``, CR and LF everywhere, and also
``:`` and ``,`` in properties. Nothing else is printed at the start of a line, so no scanned text can form a
workflow command of its own.
"""

from __future__ import annotations

from typing import IO

from conformance.model import Finding, ScanResult
from conformance.reporters import (
    STDIN_FILE,
    ReportOptions,
    most_severe_first,
    printable,
    report_path,
    span,
)

TAKES_OPTIONS = True

ANNOTATIONS_PER_LEVEL = 10
"""GitHub shows this many annotations of each level per step; more commands are not shown as annotations."""

LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, CR and LF."""
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value: as a message, and also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, options: ReportOptions | None = None) -> str:
    """The workflow command for one finding."""
    options = options or ReportOptions()
    path = report_path(finding.location.file, options.source_root)
    where = span(finding.location)
    properties: list[tuple[str, object]] = []
    message = finding.message + (f" ({finding.resource})" if finding.resource else "")
    if path and path != STDIN_FILE:
        properties += [("file", path), ("line", where.line), ("endLine", where.end_line)]
        if where.end_line == where.line:  # columns only on one-line spans, as GitHub requires
            properties.append(("col", where.column))
            if where.end_column is not None:
                properties.append(("endColumn", where.end_column))
    else:
        message = f"{path or '.'}:{where.line}:{where.column}: {message}"
    properties.append(("title", finding.policy_id))
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{LEVELS[finding.severity]} {rendered}::{escape_data(message)}"


def render(result: ScanResult, stream: IO[str], color: bool = False, options: ReportOptions | None = None) -> None:
    from conformance.reporters.text import summary

    options = options or ReportOptions()
    totals = dict.fromkeys(LEVELS.values(), 0)
    for severity, count in result.counts().items():
        totals[LEVELS[severity]] += count
    totals["error"] += len(result.errors)
    shown = dict.fromkeys(LEVELS.values(), 0)
    for finding in most_severe_first(result, suppressed=False):
        level = LEVELS[finding.severity]
        if shown[level] >= ANNOTATIONS_PER_LEVEL:
            if all(shown[lv] >= min(totals[lv], ANNOTATIONS_PER_LEVEL) for lv in shown):
                break
            continue
        stream.write(annotation(finding, options) + "\n")
        shown[level] += 1
    stream.write(f"conformance: {summary(result)}\n")
    left_out = {level: totals[level] - shown[level] for level in totals if totals[level] > shown[level]}
    if left_out:
        detail = ", ".join(f"{shown[level]} of {totals[level]} {level}s" for level in left_out)
        stream.write(
            f"conformance: annotated {detail}: GitHub shows at most {ANNOTATIONS_PER_LEVEL} annotations of each "
            "level per step; the job summary and the SARIF or JSON report list all findings.\n"
        )
