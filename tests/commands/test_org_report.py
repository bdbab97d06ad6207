"""``conformance org report`` through the installed CLI (click's CliRunner).

TEMPORARY: the history database is built on another branch, so these tests replace ``load_runs`` with the
sample runs; once ``conformance.history`` is merged they should append the runs to a real SQLite database.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conformance.commands import org_report
from conformance.report.build import build_report
from org_report_samples import TODAY, two_runs


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int | None]]:
    """Every (url, limit) the command asked the history for; it answers with the last ``limit`` sample runs."""
    seen: list[tuple[str, int | None]] = []

    def load_runs(url: str, limit: int | None):
        seen.append((url, limit))
        runs = two_runs()
        return runs[-limit:] if limit else runs

    monkeypatch.setattr(org_report, "load_runs", load_runs)
    monkeypatch.delenv("CONFORMANCE_DB", raising=False)
    return seen


def _invoke(*args: str):
    return CliRunner().invoke(cli, ["org", "report", *args], catch_exceptions=False)


def test_json_is_the_report_of_the_history(tmp_path: Path, calls) -> None:
    out = tmp_path / "report.json"
    result = _invoke("--db", "sqlite:///h.sqlite", "-f", "json", "-o", str(out), "--today", "2026-12-02")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == build_report(two_runs(), TODAY).to_dict()
    assert calls == [("sqlite:///h.sqlite", None)]
    assert result.stderr == (
        f"conformance: json report {out}: run run-2, 5 repositories, compliance 71.4% of the 4 scanned"
        " (1 could not be scanned), 2 runs\n"
    )


@pytest.mark.parametrize(("fmt", "start"), [("html", "<!DOCTYPE html>"), ("markdown", "# Compliance report"),
                                            ("csv", "repository,team,url")])
def test_each_format(tmp_path: Path, calls, fmt: str, start: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = _invoke("-f", fmt, "-o", str(out), "--today", "2026-12-02")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(start)


def test_html_is_the_default_format_and_the_db_comes_from_the_environment(
    tmp_path: Path, calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFORMANCE_DB", "postgresql://u:secret@db/history")
    out = tmp_path / "report.html"
    assert _invoke("-o", str(out)).exit_code == 0
    assert "<svg" in out.read_text()
    assert calls == [("postgresql://u:secret@db/history", None)]


def test_the_default_history_is_a_sqlite_file_here(tmp_path: Path, calls) -> None:
    assert _invoke("-o", str(tmp_path / "r.md"), "-f", "markdown", "--runs", "1").exit_code == 0
    assert calls == [("sqlite:///conformance-history.sqlite", 1)]
    assert "Compared with" not in (tmp_path / "r.md").read_text()


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path, calls) -> None:
    assert _invoke("--db", "runs/history.db", "-o", str(tmp_path / "r.json"), "-f", "json").exit_code == 0
    assert calls == [("sqlite:///runs/history.db", None)]


def test_standard_output(calls) -> None:
    result = _invoke("-f", "csv", "-o", "-", "--today", "2026-12-02")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 1 + 17


def test_an_empty_history_is_an_error_without_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(org_report, "load_runs", lambda url, limit: [])
    result = _invoke("--db", "postgresql://u:secret@db/h", "-o", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert result.stderr == (
        "conformance: error: the history postgresql://***@db/h has no runs yet: run `conformance org scan` first\n"
    )
    assert not (tmp_path / "r.html").exists()


def test_an_unwritable_output_is_an_error_and_leaves_nothing(tmp_path: Path, calls) -> None:
    result = _invoke("-o", str(tmp_path / "missing" / "r.html"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"conformance: error: cannot write the report to {tmp_path / 'missing' / 'r.html'}")


def test_the_previous_report_stays_when_writing_fails(tmp_path: Path, calls, monkeypatch) -> None:
    out = tmp_path / "r.json"
    out.write_text("previous")

    def broken(report, stream):
        stream.write("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(org_report, "_renderer", lambda fmt: broken)
    result = _invoke("-f", "json", "-o", str(out))
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    assert out.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_without_the_history_module_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "conformance.history", None)  # import raises ImportError
    result = _invoke("-o", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert "the history database is not available" in result.stderr
    assert "pip install 'conformance[org]'" in result.stderr


@pytest.mark.parametrize("args", [["-o", "x", "--today", "12/02/2026"], ["-o", "x", "--runs", "0"], [],
                                  ["-o", "x", "-f", "pdf"]])
def test_usage_errors(args: list[str], calls) -> None:
    result = _invoke(*args)
    assert result.exit_code == 2
    assert calls == []


def test_the_report_of_a_real_history_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs appended to a SQLite history, read back by the command (runs once conformance.history is merged)."""
    history = pytest.importorskip("conformance.history", reason="conformance.history is built on another branch")
    monkeypatch.delenv("CONFORMANCE_DB", raising=False)
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    for sample in two_runs():
        history.append_run(url, sample)
    out = tmp_path / "report.json"
    result = _invoke("--db", url, "-f", "json", "-o", str(out), "--today", "2026-12-02")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == build_report(two_runs(), TODAY).to_dict()
    missing = _invoke("--db", f"sqlite:///{tmp_path / 'none.sqlite'}", "-o", str(tmp_path / "r.html"))
    assert missing.exit_code == 2
    assert not (tmp_path / "r.html").exists()
