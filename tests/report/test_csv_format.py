"""The CSV report: one row per repository and policy, exact, and no cell a spreadsheet runs as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from conformance.report import csv_format
from conformance.report.build import build_report
from org_report_samples import TODAY, check_golden, two_runs


def _render() -> str:
    stream = io.StringIO(newline="")
    csv_format.render(build_report(two_runs(), TODAY), stream)
    return stream.getvalue()


def test_golden() -> None:
    check_golden("org-report.csv", _render())


def test_one_row_per_repository_and_policy() -> None:
    rows = list(csv.DictReader(io.StringIO(_render(), newline="")))
    assert len(rows) == 4 * 4 + 1  # four scanned repositories by four policies, one unscannable
    delta = next(r for r in rows if r["repository"] == "delta" and r["policy_id"] == "k8s/run-as-non-root")
    assert (delta["outcome"], delta["fail"], delta["baselined"], delta["level"]) == ("fail", "1", "1", "bronze")
    gamma = next(r for r in rows if r["repository"] == "gamma")
    assert (gamma["outcome"], gamma["repository_status"], gamma["reason"]) == (
        "not-scanned", "failed", "clone failed: <img src=x onerror=alert(2)>"
    )
    assert delta["team"] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        (None, ""),
    ],
)
def test_neutralise(value, cell) -> None:
    assert csv_format.neutralise(value) == cell


def test_no_cell_starts_a_formula() -> None:
    for row in csv.reader(io.StringIO(_render(), newline="")):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
