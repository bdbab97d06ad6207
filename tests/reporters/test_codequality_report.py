from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from reporter_samples import HOST_NETWORK, LABELS, POLICIES, PROBES, check_golden, empty_result, finding, sample_result

from conformance.cli import cli
from conformance.model import Location, ScanResult, ScanStats
from conformance.reporters import codequality
from conformance.store import store_of
from conftest import FIXTURES

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def issues_of(result: ScanResult) -> list[dict[str, Any]]:
    stream = io.StringIO()
    codequality.render(result, stream)
    issues: list[dict[str, Any]] = json.loads(stream.getvalue())
    for issue in issues:  # what GitLab requires of each issue
        assert issue["description"] and issue["check_name"] and issue["fingerprint"]
        assert issue["severity"] in SEVERITIES
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints), "fingerprints are unique"
    return issues


def test_golden() -> None:
    stream = io.StringIO()
    codequality.render(sample_result(), stream)
    check_golden("sample.codequality.json", stream.getvalue())


def test_issues_and_severity_mapping() -> None:
    issues = issues_of(sample_result())
    by_check = {(i["check_name"], i["location"]["lines"]["begin"]): i for i in issues}
    assert by_check[("conformance/parse-error", 4)]["severity"] == "blocker"
    assert by_check[(HOST_NETWORK.id, 17)]["severity"] == "critical"  # an error of a security policy
    assert by_check[(PROBES.id, 22)]["severity"] == "minor"
    assert by_check[(LABELS.id, 3)]["severity"] == "info"
    assert by_check[("conformance/duplicate-key", 8)]["severity"] == "minor"
    assert by_check[(HOST_NETWORK.id, 17)]["location"] == {"path": "k8s/shop.yaml", "lines": {"begin": 17, "end": 17}}
    repeated = [i["fingerprint"] for i in issues if i["check_name"] == PROBES.id and "worker" in i["location"]["path"]]
    assert repeated[1] == repeated[0] + ":2"


def test_error_of_a_non_security_policy_is_major() -> None:
    from dataclasses import replace

    labels = replace(LABELS, severity="error")
    issue = finding(labels, "missing", Location("a.yaml", 1, 1))
    [only] = issues_of(ScanResult((labels,), store_of([issue]), (), ScanStats()))
    assert only["severity"] == "major" and only["categories"] == ["Style"]


def test_empty_and_large_reports() -> None:
    assert issues_of(empty_result()) == []
    many = [finding(PROBES, f"no probe {i}", Location(f"k8s/{i:04}.yaml", 2, 1)) for i in range(250)]
    stream = io.StringIO()
    codequality.render(ScanResult(POLICIES, store_of(many), (), ScanStats()), stream)
    assert stream.getvalue().count("\n") == 1, "large reports are compact"
    assert len(issues_of(ScanResult(POLICIES, store_of(many), (), ScanStats()))) == 250


def test_cli_codequality_with_stdout_text(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "examples" / "shop-frontend.yaml", tmp_path / "app.yaml")
    out = tmp_path / "gl-code-quality-report.json"
    sarif = tmp_path / "results.sarif"
    result = CliRunner().invoke(
        cli,
        ["scan", str(tmp_path / "app.yaml"), "--report", f"codequality={out}", "--report", f"sarif={sarif}"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    issues = json.loads(out.read_text())
    assert {i["check_name"] for i in issues} >= {"k8s/no-host-network"}
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
