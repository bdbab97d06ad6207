"""A Markdown summary for pull-request comments and the GitHub job summary.

The verdict, the counts by severity, the scan errors, a table of the findings that fail the run with
``file:line`` links, and the findings below the fail-on severity collapsed in ``<details>``, one block per
severity. The text stays under MAX_BYTES (a pull-request comment holds 65,536 characters): rows past that are
left out with a note saying how many.

Messages, resource names and paths come from the scanned tree. They are escaped so they cannot add Markdown
or HTML (tables, links, emphasis, tags), and ``@`` is followed by a zero-width space so a message cannot
mention a person or team.
"""

from __future__ import annotations

import html
import re
from typing import IO

from conformance.model import SEVERITIES, Finding, ScanResult
from conformance.reporters import STDIN_FILE, ReportOptions, most_severe_first, printable, report_path

TAKES_OPTIONS = True

MAX_BYTES = 60_000
RESERVE = 1_000
"""Bytes kept free below MAX_BYTES for the closing of open blocks and the truncation note."""

_SPECIAL = re.compile(r"[\\`*_\[\]|~$]")
_TITLES = {"error": "Errors", "warning": "Warnings", "note": "Notes"}


def escape(text: str) -> str:
    """Inline-safe Markdown for untrusted text: one line, no HTML, no emphasis, links, tables or mentions."""
    text = " ".join(printable(text).split())
    text = html.escape(text, quote=False)
    text = _SPECIAL.sub(lambda match: "\\" + match.group(0), text)
    return text.replace("@", "@\u200b")


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


class _Writer:
    """Collects the document; rows stop once the byte budget is spent."""

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.rows = 0
        self.full = False

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text.encode("utf-8"))

    def row(self, text: str) -> bool:
        if self.full or self.size + len(text.encode("utf-8")) > self.limit - RESERVE:
            self.full = True
            return False
        self.add(text)
        self.rows += 1
        return True


def _location(finding: Finding, options: ReportOptions) -> str:
    from urllib.parse import quote

    path = report_path(finding.location.file, options.source_root)
    line = finding.location.line
    if not path or path == STDIN_FILE:
        return f"{escape(path or '.')}:{line}"
    return f"[{escape(path)}:{line}]({options.link_base or ''}{quote(path)}#L{line})"


def _message(finding: Finding) -> str:
    resource = f" ({escape(str(finding.resource))})" if finding.resource else ""
    return escape(finding.message) + resource


def _verdict(result: ScanResult) -> list[str]:
    fail_on = f"`{result.fail_on}`"
    below = sum(result.counts().values()) - result.failing_count
    statuses = result.status_counts()
    sentences = []
    if result.errors:
        heading = "❌ conformance: scan errors"
        sentences.append(f"{_plural(len(result.errors), 'scan error')}: some files or policies could not be checked.")
    else:
        heading = "❌ conformance: failed" if result.failing_count else "✅ conformance: passed"
    if result.failing_count:
        sentences.append(f"{_plural(result.failing_count, 'finding')} at or above the fail-on severity ({fail_on}).")
    else:
        sentences.append(f"No finding at or above the fail-on severity ({fail_on}).")
    if below:
        verb = "is" if below == 1 else "are"
        sentences.append(f"{_plural(below, 'finding')} below it {verb} listed for information.")
    if statuses["suppressed"] or statuses["baselined"]:
        sentences.append(
            f"{statuses['suppressed']} suppressed and {statuses['baselined']} baselined "
            "(in the JSON and SARIF reports, with their reasons)."
        )
    return [f"### {heading}\n\n", " ".join(sentences) + "\n\n"]


def to_markdown(result: ScanResult, options: ReportOptions | None = None, limit: int = MAX_BYTES) -> str:
    """The whole summary as one string, at most ``limit`` bytes of UTF-8."""
    options = options or ReportOptions()
    out = _Writer(limit)
    for part in _verdict(result):
        out.add(part)
    counts = result.counts()
    out.add("| Severity | Findings |\n|---|---:|\n")
    for severity in SEVERITIES:
        out.add(f"| {severity} | {counts.get(severity, 0)} |\n")
    out.add(f"| scan errors | {len(result.errors)} |\n\n")
    stats = result.stats
    out.add(
        f"{_plural(stats.files, 'file')} and {_plural(stats.resources, 'resource')} scanned with "
        f"{_plural(len(result.policies), 'policy', 'policies')} in {stats.duration_seconds:.2f}s.\n"
    )
    if result.frameworks:
        from conformance.frameworks.report import markdown_section

        out.add(markdown_section(result.frameworks))

    gate = result.effective_gate
    section: str | None = None
    for finding in most_severe_first(result, suppressed=False):
        if finding.is_error:
            key, header = "errors", "\n#### Scan errors\n\n| Error | Location | Message |\n|---|---|---|\n"
            row = f"| `{finding.policy_id}` | {_location(finding, options)} | {_message(finding)} |\n"
        elif gate.fails(finding.policy_id, finding.severity):
            key = "failing"
            header = "\n#### Failing policies\n\n| Severity | Policy | Location | Message |\n|---|---|---|---|\n"
            row = (
                f"| {finding.severity} | `{finding.policy_id}` | {_location(finding, options)} "
                f"| {_message(finding)} |\n"
            )
        else:
            key = finding.severity
            count = counts.get(finding.severity, 0)
            header = (
                f"\n<details><summary>{_TITLES[key]} ({count}), below the fail-on severity</summary>\n\n"
                "| Policy | Location | Message |\n|---|---|---|\n"
            )
            row = f"| `{finding.policy_id}` | {_location(finding, options)} | {_message(finding)} |\n"
        if key != section:
            if section in SEVERITIES:
                out.add("\n</details>\n")
            if out.full or out.size + len(header) + len(row) > out.limit - RESERVE:
                out.full = True
                section = None
                break
            out.add(header)
            section = key
        if not out.row(row):
            break
    if section in SEVERITIES:
        out.add("\n</details>\n")
    left_out = len(result.errors) + sum(counts.values()) - out.rows
    if left_out:
        out.add(
            f"\n_{_plural(left_out, 'more finding')} not listed: this summary stays under "
            f"{limit // 1000} KB. The SARIF or JSON report lists them all._\n"
        )
    return "".join(out.parts)


def render(result: ScanResult, stream: IO[str], color: bool = False, options: ReportOptions | None = None) -> None:
    stream.write(to_markdown(result, options))
