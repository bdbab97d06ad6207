from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from reporter_samples import LABELS, POLICIES, PROBES, check_golden, finding, sample_result

from conformance.cli import cli
from conformance.model import Finding, Location, ScanResult, ScanStats
from conformance.reporters import STDIN_FILE, ReportOptions, github
from conformance.store import store_of
from conftest import FIXTURES


def render_github(result: ScanResult) -> str:
    stream = io.StringIO()
    github.render(result, stream)
    return stream.getvalue()


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command the way the Actions runner does: split, then unescape."""

    def unescape(text: str, extra: bool) -> str:
        text = text.replace("%0D", "\r").replace("%0A", "\n")
        if extra:
            text = text.replace("%3A", ":").replace("%2C", ",")
        return text.replace("%25", "%")

    assert line.startswith("::")
    head, data = line[2:].split("::", 1)
    command, _, rest = head.partition(" ")
    properties = {}
    for pair in rest.split(","):
        key, _, value = pair.partition("=")
        properties[key] = unescape(value, True)
    return command, properties, unescape(data, False)


@pytest.fixture(autouse=True)
def _outside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        monkeypatch.delenv(variable, raising=False)


def test_golden() -> None:
    check_golden("sample.github.txt", render_github(sample_result()))


def test_escaping_of_hostile_messages_and_paths() -> None:
    hostile = finding(
        LABELS,
        "100% bad\r\n::error file=x.yaml::injected,a:b\x1b[31m",
        Location("k8s/a,b:c\n::warning::x.yaml", 3, 5, 3, 9),
    )
    line = github.annotation(hostile)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.startswith("::notice file=k8s/a%2Cb%3Ac%0A%3A%3Awarning%3A%3Ax.yaml,line=3,")
    command, properties, message = parse_command(line)
    assert command == "notice"
    assert properties == {
        "file": "k8s/a,b:c\n::warning::x.yaml",
        "line": "3",
        "endLine": "3",
        "col": "5",
        "endColumn": "9",
        "title": "k8s/required-labels",
    }
    assert message == "100% bad\r\n::error file=x.yaml::injected,a:b\ufffd[31m"


def test_escape_functions() -> None:
    assert github.escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert github.escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"


def test_columns_only_on_one_line_spans_and_stdin_has_no_file() -> None:
    block = finding(PROBES, "no probe", Location("k8s/a.yaml", 4, 3, 9, 7))
    _, properties, _ = parse_command(github.annotation(block))
    assert properties == {"file": "k8s/a.yaml", "line": "4", "endLine": "9", "title": "k8s/readiness-probe"}
    piped = finding(PROBES, "no probe", Location(STDIN_FILE, 4, 3))
    _, properties, message = parse_command(github.annotation(piped, ReportOptions()))
    assert properties == {"title": "k8s/readiness-probe"}
    assert message == "<stdin>:4:3: no probe"


def test_most_severe_first_capped_per_level_with_a_summary() -> None:
    warnings = [finding(PROBES, f"warning {i}", Location(f"k8s/{i:02}.yaml", 1, 1)) for i in range(14)]
    notes = [finding(LABELS, f"note {i}", Location(f"k8s/{i:02}.yaml", 2, 1)) for i in range(3)]
    result = ScanResult(POLICIES, store_of(warnings + notes), (), ScanStats(files=14))
    lines = render_github(result).splitlines()
    commands = [line.split(" ", 1)[0] for line in lines if line.startswith("::")]
    assert commands == ["::warning"] * 10 + ["::notice"] * 3
    assert lines[-2].startswith("conformance: 17 violations (14 warnings, 3 notes)")
    assert lines[-1].startswith("conformance: annotated 10 of 14 warnings: GitHub shows at most 10")


def test_nothing_left_out_means_no_cap_line() -> None:
    lines = render_github(sample_result()).splitlines()
    assert not lines[-1].startswith("conformance: annotated")
    assert sum(line.startswith("::") for line in lines) == 9


def _scan(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner(env=env).invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def test_auto_format_under_github_actions_writes_annotations_and_the_job_summary(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "examples" / "shop-frontend.yaml", tmp_path / "app.yaml")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": "0123abc",
    }
    code, output = _scan(["scan", "app.yaml", "--format", "auto"], env, tmp_path)
    assert code == 1
    assert output.startswith("::error file=app.yaml,line=")
    text = summary.read_text()
    assert text.startswith("earlier step\n### ❌ conformance: failed"), "appended, not replaced"
    assert "(https://github.com/acme/shop/blob/0123abc/app.yaml#L17)" in text


def test_auto_format_elsewhere_is_text(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "examples" / "shop-frontend.yaml", tmp_path / "app.yaml")
    summary = tmp_path / "summary.md"
    code, output = _scan(
        ["scan", "app.yaml", "-f", "auto", "--no-color"], {"GITHUB_STEP_SUMMARY": str(summary)}, tmp_path
    )
    assert code == 1
    assert "app.yaml:17:7 error k8s/no-host-network" in output
    assert not summary.exists(), "the job summary belongs to the github format"


def test_unwritable_job_summary_is_a_warning(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "examples" / "payments-compliant.yaml", tmp_path / "app.yaml")
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")}
    runner = CliRunner(env=env)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(cli, ["scan", "app.yaml", "-f", "github"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 0
    assert "cannot write the job summary" in result.output


def test_annotations_are_sorted_by_severity_not_by_file() -> None:
    findings: list[Finding] = [
        finding(LABELS, "a note first in the file", Location("k8s/a.yaml", 1, 1)),
        finding(PROBES, "a warning later", Location("k8s/b.yaml", 9, 1)),
    ]
    result = ScanResult(POLICIES, store_of(findings), (), ScanStats())
    lines = render_github(result).splitlines()
    assert lines[0].startswith("::warning") and lines[1].startswith("::notice")
