"""``conformance org report``: the compliance report of the latest runs in the history database.

Exit code 0 once the report is written; 2 when the history cannot be read, holds no run, or the file cannot
be written. Violations do not change the exit code: the report is a view, ``conformance org scan`` is the gate.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import IO, TYPE_CHECKING

from conformance.errors import ConfigError

if TYPE_CHECKING:
    from conformance.org.results import RunResult
    from conformance.report.model import Report

def load_runs(url: str, limit: int | None) -> list[RunResult]:
    """The history's last ``limit`` runs (all when None), oldest first."""
    import importlib

    try:  # imported by name: conformance.history (SQLAlchemy) is built on another branch
        history = importlib.import_module("conformance.history")
    except ImportError as exc:
        raise ConfigError(f"the history database is not available ({exc}): pip install 'conformance[org]'") from None
    runs: list[RunResult] = history.load_runs(url, limit)
    return runs


def _renderer(output_format: str) -> Callable[[Report, IO[str]], None]:
    if output_format == "html":
        try:
            import jinja2  # noqa: F401  (checked before the output file is touched)
        except ImportError:  # pragma: no cover - the org extra installs it
            raise ConfigError("the html report needs Jinja2: pip install 'conformance[org]'") from None
        from conformance.report import html_format

        return html_format.render
    if output_format == "json":
        from conformance.report import json_format

        return json_format.render
    if output_format == "csv":
        from conformance.report import csv_format

        return csv_format.render
    from conformance.report import markdown_format

    return markdown_format.render


def run_report(db: str | None, output_format: str, output: str, runs: int | None, today: date | None) -> int:
    from conformance.history.urls import resolve_url
    from conformance.org.results import redact_url
    from conformance.report.build import build_report

    url = resolve_url(db)
    history = load_runs(url, runs)
    if not history:
        raise ConfigError(f"the history {redact_url(url)} has no runs yet: run `conformance org scan` first")
    report = build_report(history, today or datetime.now(timezone.utc).date())
    render = _renderer(output_format)
    _write(report, render, output)
    print(
        f"conformance: {output_format} report {output}: run {report.run.run_id}, {len(report.repositories)} "
        f"repositories, compliance {report.overall.percent} of the {report.run.scanned} scanned"
        f"{f' ({report.run.unscannable} could not be scanned)' if report.run.unscannable else ''}, "
        f"{len(history)} run{'s' if len(history) != 1 else ''}",
        file=sys.stderr,
    )
    return 0


def _write(report: Report, render: Callable[[Report, IO[str]], None], output: str) -> None:
    from conformance.atomic import atomic_writer
    from conformance.output import standard_stream

    stream = standard_stream(output)
    if stream is not None:
        render(report, stream)
        stream.flush()
        return
    try:
        with atomic_writer(output) as target:
            render(report, target)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {output}: {exc.strerror or exc}") from None
