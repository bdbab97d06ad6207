"""``conformance scan``: plan the run, scan, write the reports; returns the exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import Any

from conformance.errors import ConfigError
from conformance.model import Finding
from conformance.output import link_base, source_root, use_color, write_reports
from conformance.planning.plan import PreparedScan, ScanRequest, execute_scan, prepare_scan


def _read_stdin(prepared: PreparedScan) -> bytes | None:
    """Standard input, bounded by ``max-file-size`` as files are; over it, an error finding and no bytes."""
    from conformance.engine import STDIN_DISPLAY, error_finding
    from conformance.inputs import ReadRefusal, read_stream
    from conformance.model import PARSE_ERROR, Location

    read = read_stream(sys.stdin.buffer, prepared.options.max_file_size)
    if isinstance(read, ReadRefusal):
        prepared.input_errors.append(error_finding(PARSE_ERROR, read.message, Location(STDIN_DISPLAY)))
        return None
    return read


def run_scan(**values: Any) -> int:
    """``conformance scan``: returns the exit code (see :class:`conformance.model.Gate`)."""
    from conformance.reporters import ReportOptions, resolve_format

    request = ScanRequest(**values)
    paths = list(request.paths) or ["."]
    if paths.count("-") > 1:
        raise ConfigError("standard input (-) can be scanned once per run")
    output_format = resolve_format(request.output_format)
    output = request.output
    named = [p for _, p in request.reports] + ([output] if output else [])
    targets = [p if p == "-" else os.path.abspath(p) for p in named]
    if len(set(targets)) < len(targets):
        raise ConfigError("the same file is named twice by --output and --report")
    if "-" in targets and output is None:
        raise ConfigError("--report FORMAT=- writes to standard output, where the main report goes: add -o FILE")
    if request.changed_since is not None and "-" in paths:
        raise ConfigError("--changed-since cannot be combined with standard input (-)")
    formats = {output_format, *(f for f, _ in request.reports)}
    # which policies applied where: JUnit's passes, the summary's pass / not-applicable, framework controls
    evaluations = bool(formats & {"junit", "summary", "summary-json"}) or bool(request.frameworks)
    prepared = prepare_scan(replace(request, paths=tuple(paths)), record_evaluations=evaluations)
    for pattern in prepared.unmatched_excludes:
        print(
            f"conformance: warning: {prepared.config.source}: exclude {pattern!r} matched nothing this scan read "
            f"(patterns are relative to {prepared.config.root}; '**/{pattern.lstrip('/')}' matches at any depth, "
            "and --exclude takes patterns relative to the current directory)",
            file=sys.stderr,
        )
    stdin = _read_stdin(prepared) if "-" in paths else None
    if stdin is not None and not stdin.strip() and not request.allow_empty_input:
        prepared = replace(prepared, input_errors=[*prepared.input_errors, _empty_stdin()])
    result = execute_scan(prepared, stdin)
    if request.frameworks:
        from conformance.frameworks import load_frameworks, resolve
        from conformance.frameworks.report import framework_reports

        known = load_frameworks()
        result = replace(result, frameworks=framework_reports(result, resolve(request.frameworks, known), known))
    report_options = ReportOptions(source_root(paths), request.sarif_category, link_base(), prepared.config.levels)
    color = use_color(request.color, output)
    write_reports(result, output_format, output, color, request.reports, report_options)
    if output is not None and output_format != "text":
        from conformance.reporters.text import summary

        print(summary(result), file=sys.stderr)
    return result.exit_code


def _empty_stdin() -> Finding:
    """The scan error of empty standard input: the command feeding it most likely failed."""
    from conformance.engine import STDIN_DISPLAY, error_finding
    from conformance.model import READ_ERROR, Location

    message = (
        "standard input is empty: nothing was scanned (did the command before the pipe fail?); "
        "pass --allow-empty-input if no input is fine"
    )
    return error_finding(READ_ERROR, message, Location(STDIN_DISPLAY))
