"""Writing a scan's reports: to standard output or atomically to files, the CI job summary, and what reports
need from the environment (the directory paths are relative to, links to the scanned commit)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING

from conformance.errors import ConfigError
from conformance.model import ScanResult

if TYPE_CHECKING:
    from conformance.reporters import ReportOptions


def use_color(color: bool | None, output: str | None) -> bool:
    if color is not None:
        return color
    return output in (None, "-") and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def write_report(
    result: ScanResult,
    output_format: str,
    output: str | None,
    color: bool,
    options: ReportOptions | None = None,
) -> None:
    """Render one report to standard output or, written atomically, to a file."""
    from conformance.reporters import get_reporter

    render = get_reporter(output_format, options)
    standard = sys.stdout if output is None else standard_stream(output)
    if standard is not None:
        render(result, standard, color and standard is sys.stdout)
        standard.flush()
        return
    assert output is not None
    from conformance.atomic import atomic_writer

    try:
        # An interrupted scan leaves the previous report, never half of one; a FIFO or a device is written
        # through (a FIFO only once a reader opens it, within a bound), a link is never written through.
        with atomic_writer(output) as stream:
            render(result, stream, False)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {output}: {exc.strerror or exc}") from None


def standard_stream(path: str) -> IO[str] | None:
    """The stream ``path`` names: ``-`` is standard output, and ``/dev/stdout``, ``/dev/fd/2`` or any other name
    of the file behind standard output or standard error is that stream (written to, never reopened, so a
    pipe works and a redirected file is not truncated)."""
    if path == "-":
        return sys.stdout
    try:
        target = os.stat(path)
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            opened = os.fstat(stream.fileno())
        except (OSError, ValueError, AttributeError):  # replaced by a test harness, or closed
            continue
        if (opened.st_dev, opened.st_ino) == (target.st_dev, target.st_ino):
            return stream
    return None


def source_root(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The directory report paths are relative to: the CI checkout, else the repository of the first path.

    In order: ``$GITHUB_WORKSPACE`` or ``$CI_PROJECT_DIR`` (GitLab); the Git work tree holding the first scanned
    path; the current directory when that path is inside it; else the first path (or its directory).
    """
    from conformance.inputs import git_root

    env = os.environ if environ is None else environ
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        value = env.get(variable)
        if value and os.path.isdir(value):
            return os.path.abspath(value)
    first = next((p for p in paths if p != "-"), None)
    start = os.path.abspath(first) if first else os.getcwd()
    directory = start if os.path.isdir(start) else os.path.dirname(start)
    work_tree = git_root(directory)
    if work_tree:
        return work_tree
    cwd = os.getcwd()
    if start == cwd or start.startswith(cwd.rstrip(os.sep) + os.sep):
        return cwd
    return directory


def link_base(environ: Mapping[str, str] | None = None) -> str | None:
    """The URL of the scanned commit's files on GitHub or GitLab, from the CI's variables, if known."""
    env = os.environ if environ is None else environ
    server, repository, sha = (env.get(v) for v in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repository and sha:
        return f"{server.rstrip('/')}/{repository}/blob/{sha}/"
    project, sha = env.get("CI_PROJECT_URL"), env.get("CI_COMMIT_SHA")
    if project and sha:
        return f"{project.rstrip('/')}/-/blob/{sha}/"
    return None


def write_step_summary(result: ScanResult, options: ReportOptions) -> None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions' job summary), if set."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from conformance.reporters.markdown import render

    try:
        with open(target, "a", encoding="utf-8") as stream:
            render(result, stream, False, options)
    except OSError as exc:
        print(f"conformance: warning: cannot write the job summary to {target}: {exc.strerror or exc}", file=sys.stderr)


def write_reports(
    result: ScanResult,
    output_format: str,
    output: str | None,
    color: bool,
    reports: Sequence[tuple[str, str]],
    options: ReportOptions,
) -> None:
    """The extra ``--report`` files first, then the main report; the job summary with the github format."""
    for report_format, path in reports:
        write_report(result, report_format, path, False, options)
    write_report(result, output_format, output, color, options)
    if "github" in (output_format, *(f for f, _ in reports)):
        write_step_summary(result, options)
