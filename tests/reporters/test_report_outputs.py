"""The shared parts of the CI reporters: formats, extra outputs, paths, spans, source root and links."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance import cli as cli_module
from conformance.cli import cli
from conformance.model import Location
from conformance.output import link_base, source_root
from conformance.reporters import FORMATS, STDIN_FILE, Span, get_reporter, report_path, resolve_format, span
from conftest import FIXTURES

EXAMPLE = FIXTURES / "examples" / "shop-frontend.yaml"


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(variable, raising=False)


def test_cli_choices_match_the_registry() -> None:
    assert set(cli_module.FORMATS) == set(FORMATS)
    for name in FORMATS:
        assert callable(get_reporter(name))


def test_resolve_format() -> None:
    assert resolve_format("auto", {"GITHUB_ACTIONS": "true"}) == "github"
    assert resolve_format("auto", {"GITHUB_ACTIONS": "false"}) == "text"
    assert resolve_format("auto", {}) == "text"
    assert resolve_format("json", {"GITHUB_ACTIONS": "true"}) == "json"


def test_one_run_writes_several_reports(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "app.yaml")
    args = ["scan", str(tmp_path / "app.yaml"), "-f", "json", "-o", str(tmp_path / "report.json")]
    for name, file in [("sarif", "r.sarif"), ("junit", "junit.xml"), ("codequality", "cq.json"), ("markdown", "s.md")]:
        args += ["--report", f"{name}={tmp_path / file}"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["exit_code"] == 1
    assert json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]
    assert (tmp_path / "junit.xml").read_text().startswith("<?xml")
    assert json.loads((tmp_path / "cq.json").read_text())
    assert (tmp_path / "s.md").read_text().startswith("### ❌ conformance: failed")
    assert not list(tmp_path.glob(".*.tmp-*"))


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ("sarif", "expected FORMAT=FILE"),
        ("sarif=", "expected FORMAT=FILE"),
        ("yaml=x.yaml", "unknown format 'yaml'"),
        ("auto=x.txt", "unknown format 'auto'"),
    ],
)
def test_bad_report_options_are_usage_errors(report: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["scan", str(EXAMPLE), "--report", report])
    assert result.exit_code == 2
    assert message in result.output


def test_a_file_named_twice_is_refused(tmp_path: Path) -> None:
    twice = CliRunner().invoke(cli, ["scan", str(EXAMPLE), "--report", "sarif=a", "--report", "junit=a"])
    assert twice.exit_code == 2 and "named by more than one --report" in twice.output
    out = str(tmp_path / "r.sarif")
    clash = CliRunner().invoke(cli, ["scan", str(EXAMPLE), "-f", "json", "-o", out, "--report", f"sarif={out}"])
    assert clash.exit_code == 2 and "the same file is named twice" in clash.output


def test_unwritable_report_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "r.sarif"
    result = CliRunner().invoke(cli, ["scan", str(EXAMPLE), "--report", f"sarif={target}"])
    assert result.exit_code == 2
    assert f"cannot write the report to {target}" in result.output


def test_report_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert report_path("k8s/a.yaml") == "k8s/a.yaml"
    assert report_path("k8s/a.yaml", str(tmp_path.parent)) == f"{tmp_path.name}/k8s/a.yaml"
    assert report_path(STDIN_FILE, "/elsewhere") == STDIN_FILE
    assert report_path("") == ""
    assert report_path(str(tmp_path / "x" / "b.yaml"), str(tmp_path)) == "x/b.yaml"
    # outside the root: relative to the Git work tree holding the file, else without the anchor
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    inside = repository / "deploy" / "c.yaml"
    assert report_path(str(inside), str(tmp_path / "other")) == "deploy/c.yaml"
    outside = tmp_path / "plain" / "d.yaml"
    assert report_path(str(outside), str(tmp_path / "other")) == str(outside).lstrip("/")
    assert report_path("../up.yaml", str(tmp_path)) == str(tmp_path.parent / "up.yaml").lstrip("/")


def test_span_normalisation() -> None:
    assert span(Location("a", 3, 5, 3, 9)) == Span(3, 5, 3, 9)
    assert span(Location("a", 3, 5)) == Span(3, 5, 3, None)
    assert span(Location("a", 3, 5, 8, 1)) == Span(3, 5, 7, None), "ends at the start of line 8: the end of 7"
    assert span(Location("a", 3, 5, 4, 1)) == Span(3, 5, 3, None)
    assert span(Location("a", 3, 5, 3, 5)) == Span(3, 5, 3, None), "an empty span reaches the end of the line"
    assert span(Location("a", 0, 0, 2, 1)) == Span(1, 1, 1, None)
    assert span(Location("a", 5, 2, 4, 9)) == Span(5, 2, 5, None), "an end before the start is ignored"


def test_source_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "k8s").mkdir()
    (tmp_path / "plain").mkdir()
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    assert source_root([str(repository / "k8s")], {}) == str(repository)
    assert source_root([str(tmp_path / "plain")], {}) == str(tmp_path / "plain")
    assert source_root([str(tmp_path / "plain" / "a.yaml")], {}) == str(tmp_path / "plain")
    assert source_root(["-"], {}) == str(tmp_path / "cwd")
    assert source_root(["sub"], {}) == str(tmp_path / "cwd")
    assert source_root(["x"], {"GITHUB_WORKSPACE": str(tmp_path / "plain")}) == str(tmp_path / "plain")
    assert source_root(["x"], {"CI_PROJECT_DIR": str(repository)}) == str(repository)
    assert source_root(["x"], {"GITHUB_WORKSPACE": str(tmp_path / "nope")}) == str(tmp_path / "cwd")


def test_link_base() -> None:
    github = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "abc"}
    assert link_base(github) == "https://github.com/acme/shop/blob/abc/"
    gitlab = {"CI_PROJECT_URL": "https://gitlab.example.com/acme/shop", "CI_COMMIT_SHA": "def"}
    assert link_base(gitlab) == "https://gitlab.example.com/acme/shop/-/blob/def/"
    assert link_base({}) is None


def test_stderr_summary_only_when_stdout_has_no_text_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["scan", str(EXAMPLE), "-f", "sarif", "-o", str(tmp_path / "r.sarif")], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert result.output.startswith(tuple(f"{n} violations" for n in range(1, 100)))
    assert os.path.exists(tmp_path / "r.sarif")
