from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reporter_samples import (
    HOST_NETWORK,
    LABELS,
    POLICIES,
    PROBES,
    check_golden,
    empty_result,
    error,
    finding,
    sample_result,
    validate_sarif,
)

from conformance.cli import cli
from conformance.model import PARSE_ERROR, RESERVED_IDS, Location, ScanResult, ScanStats
from conformance.reporters import ReportOptions, sarif
from conformance.store import store_of
from conftest import FIXTURES


def render(result: ScanResult, options: ReportOptions | None = None) -> dict[str, Any]:
    stream = io.StringIO()
    sarif.render(result, stream, False, options)
    log: dict[str, Any] = json.loads(stream.getvalue())
    validate_sarif(log)
    return log


@pytest.fixture(autouse=True)
def _no_ci_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(variable, raising=False)


def test_golden() -> None:
    stream = io.StringIO()
    sarif.render(sample_result(), stream)
    validate_sarif(json.loads(stream.getvalue()))
    check_golden("sample.sarif", stream.getvalue())


def test_rules_cover_every_policy_and_reserved_id_even_when_nothing_failed() -> None:
    log = render(empty_result())
    run = log["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids == [p.id for p in POLICIES] + list(RESERVED_IDS)
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 0}]
    assert run["automationDetails"] == {"id": "conformance/"}


def test_rule_metadata_for_github() -> None:
    rules = {rule["id"]: rule for rule in render(empty_result())["runs"][0]["tool"]["driver"]["rules"]}
    security = rules[HOST_NETWORK.id]
    assert security["name"] == "K8sNoHostNetwork"
    assert security["shortDescription"]["text"] == HOST_NETWORK.title
    assert security["fullDescription"]["text"] == (
        "A pod with `hostNetwork: true` sees every interface of the node and can bind its ports."
    )
    assert "**How to fix:** Remove `hostNetwork`" in security["help"]["markdown"]
    assert "How to fix: Remove `hostNetwork`" in security["help"]["text"]
    assert security["defaultConfiguration"] == {"level": "error"}
    assert security["properties"] == {
        "tags": ["security", "baseline"],
        "precision": "very-high",
        "security-severity": "8.0",
    }
    assert rules[PROBES.id]["properties"]["problem.severity"] == "warning"
    assert rules[LABELS.id]["properties"]["problem.severity"] == "recommendation"
    assert "How to fix" not in rules[LABELS.id]["help"]["text"]  # no fix advice given
    assert rules[PARSE_ERROR]["defaultConfiguration"] == {"level": "error"}


def test_long_descriptions_are_shortened_for_github() -> None:
    from dataclasses import replace

    long = replace(HOST_NETWORK, description="word " * 600, title="t" * 2000)
    rule = render(empty_result((long,)))["runs"][0]["tool"]["driver"]["rules"][0]
    assert len(rule["fullDescription"]["text"]) <= 1024 and rule["fullDescription"]["text"].endswith("…")
    assert len(rule["shortDescription"]["text"]) <= 1024
    assert len(rule["help"]["text"]) > 2000  # help keeps everything


def test_results_most_severe_first_with_stable_fingerprints() -> None:
    log = render(sample_result())
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results[:2]] == ["conformance/parse-error", "conformance/policy-error"]
    levels = [r["level"] for r in results]
    assert levels == sorted(levels, key=["error", "warning", "note"].index)
    fingerprints = [r["partialFingerprints"]["conformance/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints), "repeats in a file are numbered"
    assert any(f.endswith(":2") for f in fingerprints)
    moved = sample_result(
        findings=store_of(
            [
                finding(
                    HOST_NETWORK,
                    "Deployment/frontend shares the node's network namespace",
                    Location("k8s/shop.yaml", 90, 7, 90, 18),
                    None,
                    "spec.template.spec.hostNetwork",
                )
            ]
        ),
        errors=(),
    )
    original = sample_result(
        findings=store_of(
            [
                finding(
                    HOST_NETWORK,
                    "Deployment/frontend shares the node's network namespace",
                    Location("k8s/shop.yaml", 17, 7, 17, 18),
                    None,
                    "spec.template.spec.hostNetwork",
                )
            ]
        ),
        errors=(),
    )

    def first_fingerprint(result: ScanResult) -> str:
        fingerprint: str = render(result)["runs"][0]["results"][0]["partialFingerprints"]["conformance/v1"]
        return fingerprint

    assert first_fingerprint(moved) == first_fingerprint(original), "the line is not part of the fingerprint"


def test_scan_errors_are_error_results_and_the_run_is_not_successful() -> None:
    log = render(sample_result())
    run = log["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": False, "exitCode": 2}]
    parse = next(r for r in run["results"] if r["ruleId"] == PARSE_ERROR)
    assert parse["level"] == "error"
    assert parse["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "k8s/broken.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 12, "endLine": 4},
    }


def test_uris_are_encoded_and_regions_normalised() -> None:
    results = render(sample_result())["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "k8s/odd%20name%2Cv%3A1.yaml" in uris
    probe = next(r for r in results if r["message"]["text"] == "container 'web' has no readinessProbe")
    # the container block ends at column 1 of line 31: the region ends with line 30
    assert probe["locations"][0]["physicalLocation"]["region"] == {"startLine": 22, "startColumn": 9, "endLine": 30}


def test_a_finding_without_a_file_points_at_the_repository_root() -> None:
    repository_level = finding(LABELS, "the repository has no CODEOWNERS file", Location("", 0, 0))
    log = render(sample_result(findings=store_of([repository_level]), errors=()))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "."
    assert location["region"]["startLine"] == 1


def test_category_is_configurable() -> None:
    log = render(empty_result(), ReportOptions(sarif_category="k8s/prod/"))
    assert log["runs"][0]["automationDetails"] == {"id": "k8s/prod/"}


def test_truncates_by_severity_at_the_result_limit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 4)
    log = render(sample_result())
    run = log["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error"] * 4
    notification = run["invocations"][0]["toolExecutionNotifications"][0]
    assert notification["level"] == "warning"
    assert "4 of 9" in notification["message"]["text"]
    assert "truncated to 4 of 9" in capsys.readouterr().err


def test_truncates_at_the_size_limit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    many = [
        finding(PROBES, f"container 'c{i}' has no probe {os.urandom(16).hex()}", Location(f"k8s/{i}.yaml", 3, 3))
        for i in range(400)
    ]
    errors = tuple(error(PARSE_ERROR, f"broken {i}", Location(f"k8s/e{i}.yaml", 1, 1)) for i in range(3))
    result = ScanResult(POLICIES, store_of(many), errors, ScanStats())
    monkeypatch.setattr(sarif, "GZIP_MARGIN", 1_000)
    monkeypatch.setattr(sarif, "MAX_GZIP_BYTES", 12_000)
    stream = io.StringIO()
    sarif.render(result, stream)
    log = json.loads(stream.getvalue())
    validate_sarif(log)
    results = log["runs"][0]["results"]
    assert 3 < len(results) < 400
    assert [r["ruleId"] for r in results[:3]] == [PARSE_ERROR] * 3, "scan errors are kept first"
    assert "gzipped" in capsys.readouterr().err


def test_untruncated_large_log_is_compact_and_valid() -> None:
    many = [finding(PROBES, f"container 'c{i}' has no probe", Location(f"k8s/{i:04}.yaml", 3, 3)) for i in range(300)]
    stream = io.StringIO()
    sarif.render(ScanResult(POLICIES, store_of(many), (), ScanStats()), stream)
    assert stream.getvalue().count("\n") == 1
    log = json.loads(stream.getvalue())
    validate_sarif(log)
    assert len(log["runs"][0]["results"]) == 300


def _invoke(args: list[str], cwd: Path) -> Any:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_cli_sarif_of_the_examples_and_of_a_scan_with_errors(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "examples", tmp_path / "k8s")
    (tmp_path / "k8s" / "broken.yaml").write_text("kind: [\n")
    (tmp_path / "k8s" / "bad-utf8.yaml").write_bytes(b"kind: \xff\n")
    result = _invoke(["scan", "k8s", "-f", "sarif", "-o", "out.sarif"], tmp_path)
    assert result.exit_code == 2
    log = json.loads((tmp_path / "out.sarif").read_text())
    validate_sarif(log)
    run = log["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False
    rule_ids = {r["ruleId"] for r in run["results"]}
    assert {"conformance/parse-error", "k8s/no-host-network"} <= rule_ids
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "k8s/shop-frontend.yaml" in uris and "k8s/broken.yaml" in uris


def test_cli_sarif_of_every_fixture_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "all.sarif"
    config = tmp_path / "config.yaml"  # not the project's own, which excludes fixtures/policies/
    config.write_text("{}\n")
    args = ["scan", str(FIXTURES), "-f", "sarif", "-o", str(out), "--config", str(config)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1  # violations, and no fixture is unreadable
    log = json.loads(out.read_text())
    validate_sarif(log)
    assert len(log["runs"][0]["results"]) > 100


def test_cli_uris_are_repository_relative_from_another_directory(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    shutil.copytree(FIXTURES / "examples", repository / "deploy" / "k8s")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = _invoke(["scan", str(repository / "deploy"), "-f", "sarif", "-o", "out.sarif"], elsewhere)
    assert result.exit_code == 1
    log = json.loads((elsewhere / "out.sarif").read_text())
    validate_sarif(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"deploy/k8s/shop-frontend.yaml", "deploy/k8s/nightly-report.yaml"}
    # without a Git work tree: relative to the scanned directory
    plain = tmp_path / "plain"
    shutil.copytree(FIXTURES / "examples", plain)
    result = _invoke(["scan", str(plain), "-f", "sarif", "-o", "plain.sarif"], elsewhere)
    log = json.loads((elsewhere / "plain.sarif").read_text())
    validate_sarif(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"shop-frontend.yaml", "nightly-report.yaml"}


def test_cli_sarif_category_and_empty_scan(tmp_path: Path) -> None:
    out = tmp_path / "empty.sarif"
    (tmp_path / "k8s").mkdir()
    result = _invoke(["scan", "k8s", "-f", "sarif", "-o", str(out), "--sarif-category", "manifests"], tmp_path)
    assert result.exit_code == 0
    log = json.loads(out.read_text())
    validate_sarif(log)
    assert log["runs"][0]["automationDetails"] == {"id": "manifests/"}
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) > 20
