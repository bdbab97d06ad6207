"""``conformance policies test``: exact differences, columns, missing fixtures, broken policies, the config's
policy paths, JSON, and the built-in layout (``--fixtures``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner, Result

from conformance.cli import cli
from conftest import FIXTURES, REPO

POLICY = """\
title: Pods must not use the host network
description: Checked in tests.
severity: error
message: "{resource} uses the host network"
target: {kinds: [Pod]}
schema:
  properties:
    spec:
      properties:
        hostNetwork: {not: {const: true}}
"""
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
{mark}  hostNetwork: true
  containers:
    - name: web
      image: nginx:1.27
"""


def invoke(cwd: Path, *args: str) -> Result:
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def pack(tmp_path: Path, mark: str = "  # expect: acme/no-host-network\n") -> Path:
    (tmp_path / "policies" / "acme" / "tests" / "no-host-network").mkdir(parents=True)
    (tmp_path / "policies" / "acme" / "no-host-network.yaml").write_text(POLICY)
    fixtures = tmp_path / "policies" / "acme" / "tests" / "no-host-network"
    (fixtures / "pass-1.yaml").write_text(POD.format(mark="").replace("true", "false"))
    (fixtures / "fail-1.yaml").write_text(POD.format(mark=mark))
    return fixtures


def test_a_pack_whose_fixtures_hold_passes(tmp_path: Path) -> None:
    pack(tmp_path)
    result = invoke(tmp_path, "policies", "test", "policies")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "acme/no-host-network  (policies/acme/no-host-network.yaml)"
    assert [line.split() for line in lines[3:5]] == [["fail-1.yaml", "ok"], ["pass-1.yaml", "ok"]]
    assert lines[-1] == "1 policy, 2 fixtures: 2 passed, 0 failed"


def test_a_wrong_line_is_shown_as_a_diff_and_exits_1(tmp_path: Path) -> None:
    fixtures = pack(tmp_path)
    text = (fixtures / "fail-1.yaml").read_text()
    (fixtures / "fail-1.yaml").write_text(
        text.replace("  # expect: acme/no-host-network\n", "") + "# expect: acme/no-host-network\n"
    )
    result = invoke(tmp_path, "policies", "test", "policies")
    assert result.exit_code == 1
    assert "  fail-1.yaml  FAIL      findings differ from the marks" in result.output
    assert "      - fail-1.yaml:11 acme/no-host-network   (expected, not found)" in result.output
    assert "      + fail-1.yaml:6 acme/no-host-network   (found, not expected)" in result.output
    assert result.output.splitlines()[-1] == "1 policy, 2 fixtures: 1 passed, 1 failed"


def test_a_pass_fixture_with_a_finding_fails(tmp_path: Path) -> None:
    fixtures = pack(tmp_path)
    (fixtures / "pass-2.yaml").write_text(POD.format(mark=""))
    result = invoke(tmp_path, "policies", "test", "policies", "-f", "json")
    assert result.exit_code == 1
    (policy,) = json.loads(result.stdout)["policies"]
    failing = [f for f in policy["fixtures"] if not f["ok"]]
    assert [(Path(f["fixture"]).name, f["problem"], f["unexpected"]) for f in failing] == [
        ("pass-2.yaml", "pass-2.yaml must pass", ["pass-2.yaml:6 acme/no-host-network"])
    ]


def test_a_column_mark_is_compared(tmp_path: Path) -> None:
    pack(tmp_path, mark="  # expect: acme/no-host-network@3\n")
    assert invoke(tmp_path, "policies", "test", "policies").exit_code == 0
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    pack(wrong, mark="  # expect: acme/no-host-network@1\n")
    result = invoke(wrong, "policies", "test", "policies")
    assert result.exit_code == 1
    assert "      - fail-1.yaml:7:1 acme/no-host-network   (expected, not found)" in result.output
    assert "      + fail-1.yaml:7:3 acme/no-host-network   (found, not expected)" in result.output


def test_a_malformed_mark_is_a_fixture_error_not_a_crash(tmp_path: Path) -> None:
    pack(tmp_path, mark="  # expect: acme/no-host-network@x\n")
    result = invoke(tmp_path, "policies", "test", "policies")
    assert result.exit_code == 1
    assert "'# expect: acme/no-host-network@x': the column must be a number from 1" in result.output


def test_missing_fixtures_fail_unless_allowed(tmp_path: Path) -> None:
    fixtures = pack(tmp_path)
    (fixtures / "pass-1.yaml").unlink()
    result = invoke(tmp_path, "policies", "test", "policies")
    assert result.exit_code == 1
    assert "  missing: no pass-* fixture" in result.output
    assert result.output.splitlines()[-1].endswith("1 without pass and fail fixtures")
    assert invoke(tmp_path, "policies", "test", "policies", "--allow-missing").exit_code == 0


def test_a_broken_policy_exits_2_and_the_others_are_still_tested(tmp_path: Path) -> None:
    pack(tmp_path)
    (tmp_path / "policies" / "acme" / "broken.yaml").write_text(POLICY.replace("severity: error", "severity: fatal"))
    result = invoke(tmp_path, "policies", "test", "policies", "-f", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    by_id = {p["id"]: p for p in report["policies"]}
    assert "field severity" in by_id["acme/broken"]["error"]
    assert by_id["acme/no-host-network"]["ok"] is True
    assert report["exit_code"] == 2


def test_without_a_directory_the_config_policy_paths_are_tested(tmp_path: Path) -> None:
    pack(tmp_path)
    (tmp_path / ".conformance.yaml").write_text("policy-paths: [policies]\n")
    assert invoke(tmp_path, "policies", "test").exit_code == 0
    (tmp_path / "policies" / "acme" / "local.py").write_text('ID = "acme/local"\n')
    untrusted = invoke(tmp_path, "policies", "test")
    assert untrusted.exit_code == 2
    assert "runs only with --trust-local-policies" in untrusted.output
    trusted = invoke(tmp_path, "policies", "test", "--trust-local-policies")
    assert trusted.exit_code == 2
    assert "field TITLE: missing" in trusted.output  # imported (trusted) and found incomplete


def test_no_directory_and_no_config_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(tmp_path, "policies", "test")
    assert result.exit_code == 2
    assert "no policy directory" in result.output


def test_the_builtin_layout_through_the_command(tmp_path: Path) -> None:
    args = ["policies", "test", str(REPO / "policies"), "--fixtures", str(FIXTURES / "policies"), "-f", "json"]
    result = invoke(tmp_path, *args, "--policy", "k8s/no-host-network")
    assert result.exit_code == 0, result.output
    (policy,) = json.loads(result.stdout)["policies"]
    assert policy["fixture_directory"] == str(FIXTURES / "policies" / "k8s" / "no-host-network")
    assert len(policy["fixtures"]) >= 2


def test_fixtures_of_an_unknown_policy_fail(tmp_path: Path) -> None:
    pack(tmp_path)
    root = tmp_path / "fixtures"
    (root / "acme" / "gone").mkdir(parents=True)
    result = invoke(tmp_path, "policies", "test", "policies", "--fixtures", "fixtures")
    assert result.exit_code == 1
    assert "fixtures for unknown policy acme/gone" in result.output


def test_a_pip_packs_source_tree_is_tested_under_its_pack_name(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "examples" / "acme-pack" / "src" / "acme_conformance"
    args = ("policies", "test", str(source / "policies"), "--fixtures", str(source / "fixtures"))
    result = invoke(tmp_path, *args, "--pack", "acme", "--trust-local-policies")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("3 policies, 7 fixtures: 7 passed, 0 failed\n")
    without = invoke(tmp_path, *args, "--trust-local-policies")  # ids from the directory's name: policies/...
    assert without.exit_code == 2
    assert "does not match the file's place, which gives 'policies/approved-registry'" in without.output
