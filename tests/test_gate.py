"""Gating: which findings fail the run (--fail-on, --soft-fail, --hard-fail-on, --soft-fail-on), end to end."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli
from conformance.model import (
    Finding,
    Gate,
    Location,
    PolicyInfo,
    ScanResult,
    Suppression,
)
from conformance.store import store_of
from conftest import FIXTURES

SHOP = FIXTURES / "examples" / "shop-frontend.yaml"
"""Errors (k8s/no-host-network at 17:7, k8s/no-privileged-containers, ...) and warnings (k8s/image-tag-pinned)."""

HOST_NETWORK_ONLY = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx:latest
"""
"""With --policy k8s/no-host-network,k8s/image-tag-pinned: one error and one warning."""

TWO_POLICIES = ("--policy", "k8s/no-host-network", "--policy", "k8s/image-tag-pinned")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pod.yaml").write_text(HOST_NETWORK_ONLY)
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--no-color", *args], catch_exceptions=False)


def scan_json(*args: str) -> tuple[int, dict]:
    result = scan("-f", "json", *args)
    return result.exit_code, json.loads(result.stdout)


# ---------------------------------------------------------------------------------------------------------------
# Gate: the rules


def test_default_gate_fails_on_errors_only() -> None:
    gate = Gate()
    assert gate.fails("k8s/no-host-network", "error")
    assert not gate.fails("k8s/image-tag-pinned", "warning")
    assert not gate.fails("k8s/image-tag-pinned", "note")


@pytest.mark.parametrize(
    ("fail_on", "failing"),
    [("error", {"error"}), ("warning", {"error", "warning"}), ("note", {"error", "warning", "note"})],
)
def test_fail_on_is_the_lowest_failing_severity(fail_on: str, failing: set[str]) -> None:
    gate = Gate(fail_on)
    assert {s for s in ("error", "warning", "note") if gate.fails("k8s/x", s)} == failing


def test_soft_fail_fails_nothing() -> None:
    gate = Gate("note", soft_fail=True)
    assert not any(gate.fails("k8s/no-host-network", s) for s in ("error", "warning", "note"))


def test_soft_fail_on_exempts_only_its_policies() -> None:
    gate = Gate(soft_fail_on=("k8s/no-host-network",))
    assert not gate.fails("k8s/no-host-network", "error")
    assert gate.fails("k8s/no-host-pid", "error")
    assert gate.fails("gha/no-host-network", "error")


@pytest.mark.parametrize(
    ("selector", "selected", "not_selected"),
    [
        ("k8s/min-replicas", "k8s/min-replicas", "k8s/pod-disruption-budget"),
        ("k8s", "k8s/min-replicas", "k8sx/min-replicas"),
        ("k8s/", "k8s/min-replicas", "gha/min-replicas"),
        ("k8s/no-host-", "k8s/no-host-ipc", "k8s/no-privileged-containers"),
    ],
)
def test_hard_fail_on_ids_and_prefixes_fail_at_any_severity(selector: str, selected: str, not_selected: str) -> None:
    gate = Gate(hard_fail_on=(selector,))
    assert gate.fails(selected, "note")
    assert gate.fails(selected, "warning")
    assert not gate.fails(not_selected, "warning")


def test_hard_fail_on_wins_over_soft_fail_and_soft_fail_on_in_the_gate() -> None:
    gate = Gate("error", soft_fail=True, hard_fail_on=("k8s/min-replicas",), soft_fail_on=("k8s",))
    assert gate.fails("k8s/min-replicas", "warning")
    assert not gate.fails("k8s/no-host-network", "error")


def _info(policy_id: str, severity: str) -> PolicyInfo:
    return PolicyInfo(policy_id, policy_id, severity, "security", (), "", "", "test")


def _finding(policy_id: str, severity: str, suppression: Suppression | None = None, error: bool = False) -> Finding:
    return Finding(
        policy_id, severity, "m", Location("a.yaml", 3), fingerprint=policy_id, is_error=error, suppression=suppression
    )


def _result(findings: list[Finding], gate: Gate | None, errors: tuple[Finding, ...] = ()) -> ScanResult:
    infos = (_info("k8s/a", "error"), _info("k8s/b", "warning"))
    return ScanResult(infos, store_of(findings), errors, gate=gate)


def test_scan_result_applies_its_gate() -> None:
    findings = [_finding("k8s/a", "error"), _finding("k8s/b", "warning")]
    assert _result(findings, None).exit_code == 1
    assert _result(findings, None).failing_count == 1
    assert _result(findings, Gate("warning")).failing_count == 2
    assert _result(findings, Gate(soft_fail=True)).exit_code == 0
    assert _result(findings, Gate(soft_fail_on=("k8s/a",))).exit_code == 0
    hard = _result(findings, Gate(soft_fail=True, hard_fail_on=("k8s/b",)))
    assert (hard.failing_count, hard.exit_code) == (1, 1)


def test_gate_without_gate_uses_fail_on() -> None:
    result = ScanResult((), store_of([_finding("k8s/b", "warning")]), (), fail_on="warning")
    assert result.effective_gate == Gate("warning")
    assert result.exit_code == 1


def test_suppressed_and_baselined_findings_never_fail() -> None:
    inline = Suppression("inline", "accepted", source="a.yaml:3")
    baseline = Suppression("baseline", "accepted as known debt in the baseline", source="b.json")
    findings = [_finding("k8s/a", "error", inline), _finding("k8s/b", "warning", baseline)]
    result = _result(findings, Gate("note", hard_fail_on=("k8s",)))
    assert (result.failing_count, result.exit_code) == (0, 0)
    assert result.status_counts() == {"active": 0, "suppressed": 1, "baselined": 1}


def test_scan_errors_exit_2_whatever_the_gate() -> None:
    error = _finding("conformance/parse-error", "error", error=True)
    assert _result([], Gate(soft_fail=True), (error,)).exit_code == 2
    assert _result([], Gate(soft_fail_on=("conformance",)), (error,)).exit_code == 2


# ---------------------------------------------------------------------------------------------------------------
# The command line


def test_fail_on_option(project: Path) -> None:
    assert scan("pod.yaml", "--policy", "k8s/image-tag-pinned").exit_code == 0
    assert scan("pod.yaml", "--policy", "k8s/image-tag-pinned", "--fail-on", "warning").exit_code == 1
    assert scan("pod.yaml", *TWO_POLICIES).exit_code == 1


def test_soft_fail_reports_violations_but_exits_0(project: Path) -> None:
    result = scan("shop.yaml", "--soft-fail")
    assert result.exit_code == 0, result.output
    assert "shop.yaml:17:7 error k8s/no-host-network" in result.stdout
    code, report = scan_json("shop.yaml", "--soft-fail")
    assert code == 0
    assert report["summary"]["exit_code"] == 0
    assert report["summary"]["counts"]["error"] >= 8


def test_soft_fail_still_exits_2_on_a_scan_error(project: Path) -> None:
    (project / "broken.yaml").write_text("kind: [\n")
    result = scan("shop.yaml", "broken.yaml", "--soft-fail")
    assert result.exit_code == 2, result.output
    assert "broken.yaml:2:1 error conformance/parse-error" in result.stdout
    assert "shop.yaml:17:7 error k8s/no-host-network" in result.stdout


def test_hard_fail_on_makes_a_warning_fail_the_run(project: Path) -> None:
    only_warning = ("pod.yaml", "--policy", "k8s/image-tag-pinned")
    assert scan(*only_warning).exit_code == 0
    assert scan(*only_warning, "--hard-fail-on", "k8s/image-tag-pinned").exit_code == 1
    assert scan(*only_warning, "--hard-fail-on", "k8s/image-").exit_code == 1  # a prefix
    assert scan(*only_warning, "--hard-fail-on", "k8s").exit_code == 1  # a pack


def test_hard_fail_on_wins_over_soft_fail_and_soft_fail_on(project: Path) -> None:
    only_warning = ("pod.yaml", "--policy", "k8s/image-tag-pinned", "--hard-fail-on", "k8s/image-tag-pinned")
    assert scan(*only_warning, "--soft-fail").exit_code == 1
    assert scan(*only_warning, "--soft-fail-on", "k8s/image-tag-pinned").exit_code == 1
    assert scan(*only_warning, "--soft-fail-on", "k8s", "--soft-fail").exit_code == 1
    # and only the hard-fail policy fails: the error of another policy stays soft
    code, report = scan_json("pod.yaml", *TWO_POLICIES, "--soft-fail", "--hard-fail-on", "k8s/image-tag-pinned")
    assert code == 1
    assert {f["policy"] for f in report["findings"]} == {"k8s/no-host-network", "k8s/image-tag-pinned"}


def test_soft_fail_on_exempts_one_policy_only(project: Path) -> None:
    assert scan("pod.yaml", *TWO_POLICIES).exit_code == 1
    assert scan("pod.yaml", *TWO_POLICIES, "--soft-fail-on", "k8s/no-host-network").exit_code == 0
    # a warning under --fail-on warning still fails when its policy is not exempt
    args = ("pod.yaml", *TWO_POLICIES, "--fail-on", "warning", "--soft-fail-on", "k8s/no-host-network")
    assert scan(*args).exit_code == 1
    assert scan(*args, "--soft-fail-on", "k8s/image-tag-pinned").exit_code == 0
    # the shop has errors of other policies: exempting one of them is not enough
    assert scan("shop.yaml", "--soft-fail-on", "k8s/no-host-network").exit_code == 1
    assert scan("shop.yaml", "--soft-fail-on", "k8s").exit_code == 0


@pytest.mark.parametrize("flag", ["--hard-fail-on", "--soft-fail-on"])
@pytest.mark.parametrize("selector", ["k8s/nope", "nope", "k8s/no-host-networks"])
def test_unknown_selector_is_a_usage_error(project: Path, flag: str, selector: str) -> None:
    result = scan("pod.yaml", flag, selector)
    assert result.exit_code == 2
    assert f"conformance: error: {flag}: {selector!r} matches no known policy" in result.stderr
    assert result.stdout == ""  # nothing was scanned


def test_selector_of_a_disabled_but_known_policy_is_accepted(project: Path) -> None:
    result = scan("pod.yaml", "--policy", "k8s/image-tag-pinned", "--hard-fail-on", "k8s/no-host-network")
    assert result.exit_code == 0, result.output


def _junit_cases(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text)
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_junit_reflects_the_gate(project: Path) -> None:
    pod = "Pod/web"
    out = project / "soft.xml"
    code = scan("pod.yaml", *TWO_POLICIES, "-f", "junit", "-o", str(out), "--soft-fail-on", "k8s/no-host-network")
    assert code.exit_code == 0
    cases = _junit_cases(out.read_text())
    soft = cases[f"k8s/no-host-network {pod}"]
    assert soft.find("failure") is None and soft.find("error") is None
    assert "hostNetwork" in (soft.findtext("system-out") or "")

    code = scan("pod.yaml", *TWO_POLICIES, "-f", "junit", "-o", str(out), "--hard-fail-on", "k8s/image-tag-pinned")
    assert code.exit_code == 1
    cases = _junit_cases(out.read_text())
    assert cases[f"k8s/no-host-network {pod}"].find("failure") is not None
    hard = cases[f"k8s/image-tag-pinned {pod}"].find("failure")
    assert hard is not None and hard.get("type") == "warning"
    root = ET.fromstring(out.read_text())
    assert root.get("failures") == "2"

    code = scan("pod.yaml", *TWO_POLICIES, "-f", "junit", "-o", str(out), "--soft-fail")
    assert code.exit_code == 0
    assert ET.fromstring(out.read_text()).get("failures") == "0"


def test_markdown_reflects_the_gate(project: Path) -> None:
    soft = scan("pod.yaml", *TWO_POLICIES, "-f", "markdown", "--soft-fail-on", "k8s/no-host-network")
    assert soft.exit_code == 0
    assert "✅ conformance: passed" in soft.stdout
    assert "Failing policies" not in soft.stdout
    assert "`k8s/no-host-network`" in soft.stdout  # listed, but below the gate

    hard = scan("pod.yaml", *TWO_POLICIES, "-f", "markdown", "--soft-fail", "--hard-fail-on", "k8s/image-tag-pinned")
    assert hard.exit_code == 1
    assert "❌ conformance: failed" in hard.stdout
    failing = hard.stdout.split("#### Failing policies", 1)[1].split("<details>", 1)[0]
    assert "`k8s/image-tag-pinned`" in failing
    assert "`k8s/no-host-network`" not in failing
