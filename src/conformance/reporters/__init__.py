"""Reporters: each turns a ScanResult into one output format. Looked up by name, imported on use.

Besides the registry this module holds what several CI formats share: the options they take
(:class:`ReportOptions`), repository-relative paths, the normalised span of a finding, the most-severe-first
order and fingerprints made unique per file. Everything here is cheap to import.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import IO, Any

from conformance.inputs import git_root
from conformance.model import SEVERITIES, Finding, Location, ScanResult, make_fingerprint

Reporter = Callable[[ScanResult, IO[str], bool], None]
"""render(result, stream, color)"""

FORMATS = {
    "text": "conformance.reporters.text",
    "json": "conformance.reporters.json_report",
    "sarif": "conformance.reporters.sarif",
    "junit": "conformance.reporters.junit",
    "github": "conformance.reporters.github",
    "codequality": "conformance.reporters.codequality",
    "markdown": "conformance.reporters.markdown",
    "summary": "conformance.reporters.summary",
    "summary-json": "conformance.reporters.summary_json",
}
AUTO = "auto"
"""Not a format of its own: ``github`` under GitHub Actions, ``text`` elsewhere (see :func:`resolve_format`)."""

STDIN_FILE = "<stdin>"
"""The file name the engine gives standard input (``conformance.engine.STDIN_DISPLAY``)."""


@dataclass(frozen=True)
class ReportOptions:
    """What some formats need beyond the result. Reporters that read it set ``TAKES_OPTIONS = True``."""

    source_root: str | None = None
    """Directory that report paths are made relative to (the repository root); None: the current directory."""
    sarif_category: str = "conformance"
    """The analysis category of SARIF ``automationDetails.id`` (GitHub keeps one set of alerts per category)."""
    link_base: str | None = None
    """URL prefix that a repository-relative path is appended to for links (a blob URL at the scanned commit);
    None: Markdown links are relative."""
    levels: tuple[Any, ...] = ()
    """The configuration's compliance levels (:class:`conformance.levels.Level`), for the summary view."""


def get_reporter(name: str, options: ReportOptions | None = None) -> Reporter:
    """The render function of a format (a KeyError names an unknown format), with its options bound."""
    module = importlib.import_module(FORMATS[name])
    if options is not None and getattr(module, "TAKES_OPTIONS", False):
        bound: Reporter = partial(module.render, options=options)
        return bound
    render: Reporter = module.render
    return render


def resolve_format(name: str, environ: dict[str, str] | None = None) -> str:
    """``auto`` becomes ``github`` under GitHub Actions (``GITHUB_ACTIONS=true``) and ``text`` elsewhere."""
    if name != AUTO:
        return name
    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


@lru_cache(maxsize=1024)
def _relative(path: str, root: str) -> str | None:
    if not _within(path, root):
        return None
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive
        return None
    return "" if relative == os.curdir else relative.replace(os.sep, "/")


def report_path(file: str, root: str | None = None) -> str:
    """A scan's display path made relative to the repository root: forward slashes, no ``./``, never absolute.

    Display paths are relative to the current directory, or as given when outside it. The result is relative
    to ``root`` (default: the current directory) when the file is inside it, else to the Git work tree that
    holds the file; a file outside both loses its anchor (``/tmp/a.yaml`` becomes ``tmp/a.yaml``). Standard
    input keeps its name; an empty name (a finding about the repository as a whole) stays empty.
    """
    if not file or file == STDIN_FILE:
        return file
    absolute = os.path.abspath(file)
    base = os.path.abspath(root) if root else os.getcwd()
    relative = _relative(absolute, base)
    if relative is None:
        work_tree = git_root(os.path.dirname(absolute))
        relative = _relative(absolute, work_tree) if work_tree else None
    if relative is None:
        relative = os.path.splitdrive(absolute)[1].replace(os.sep, "/").lstrip("/")
    return relative


@dataclass(frozen=True)
class Span:
    """A finding's position as CI formats want it: 1-based, ``end_column`` exclusive or None (end of line)."""

    line: int
    column: int
    end_line: int
    end_column: int | None


def span(location: Location) -> Span:
    """Normalise a location: a node that ends at the start of a line ends on the line before; no empty spans."""
    line = max(1, location.line)
    column = max(1, location.column)
    end_line, end_column = line, None
    if location.end_line is not None and location.end_line >= line:
        end_line, end_column = location.end_line, location.end_column
        if end_line > line and end_column is not None and end_column <= 1:
            end_line, end_column = end_line - 1, None
        if end_line == line and end_column is not None and end_column <= column:
            end_column = None
    return Span(line, column, end_line, end_column)


def most_severe_first(result: ScanResult, suppressed: bool = True) -> Iterator[Finding]:
    """Scan errors, then findings of severity error, warning and note, each in report order; suppressed and
    baselined findings too unless ``suppressed`` is false."""
    yield from result.errors
    for severity in SEVERITIES:
        yield from (
            finding
            for finding in result.findings
            if finding.severity == severity and (suppressed or finding.suppression is None)
        )


def active(findings: Iterable[Finding]) -> Iterator[Finding]:
    """The findings neither suppressed nor baselined (what people act on; formats for machines keep all)."""
    return (finding for finding in findings if finding.suppression is None)


class UniqueFingerprints:
    """Makes finding fingerprints unique within a report: a repeat in the same file gets ``:2``, ``:3``...

    Two findings can share a fingerprint (the same policy, resource and logical path on two lines); consumers
    that deduplicate by fingerprint would hide the second. Repeats are numbered in the order they arrive, so
    the numbering is stable as long as the report order is.
    """

    def __init__(self) -> None:
        self._file: str | None = None
        self._seen: dict[str, int] = {}

    def __call__(self, finding: Finding) -> str:
        if finding.location.file != self._file:
            self._file = finding.location.file
            self._seen = {}
        base = finding.fingerprint or make_fingerprint(
            finding.policy_id, finding.location.file, finding.resource, finding.path or finding.message
        )
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        return base if count == 1 else f"{base}:{count}"


_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029]")
_JSON_INERT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def printable(text: str) -> str:
    """Text safe to print: control characters other than tab, CR and LF (an ANSI escape, a NUL, the C1 CSI
    ``\\x9b`` that 8-bit terminals obey), bidirectional overrides (text that reads differently from how it is
    stored) and lone surrogates (a YAML ``"\\ud800"`` escape can make one, and it cannot be encoded) become
    U+FFFD."""
    return _UNPRINTABLE.sub("\ufffd", text)


_BREAK_ESCAPES = {"\r\n": "\\r\\n", "\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def one_line(text: str) -> str:
    """``printable``, and line breaks written as ``\\n``: text from the scanned tree cannot start a line of
    its own in a log (GitHub Actions obeys ``::error::`` at the start of any line of a job's output)."""
    return _LINE_BREAKS.sub(lambda match: _BREAK_ESCAPES[match[0]], printable(text))


def inert_json(text: str) -> str:
    """Serialized JSON with ``<``, ``>`` and ``&`` written as ``\\u`` escapes (the same data): a report pasted
    into HTML (a ``<script>`` block, a CI dashboard) cannot close a tag. These characters only occur inside
    JSON strings, so the replacement never touches the structure."""
    return text.translate(_JSON_INERT)


class InertJsonStream:
    """A text stream that writes JSON through ``inert_json``."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(inert_json(text))
