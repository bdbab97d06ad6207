"""``scan --framework``: exactly the mapped policies run, and each control is counted on real manifests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli import cli
from conformance.frameworks import Control, Framework
from conformance.frameworks.report import ControlResult, FrameworkReport, markdown_section

GOOD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "good", "namespace": "shop"},
    "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "app",
                "image": "app:1",
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            }
        ],
    },
}


def _variant(change: str) -> dict[str, Any]:
    pod = copy.deepcopy(GOOD)
    pod["metadata"]["name"] = change.lower().replace(" ", "-")
    spec, container = pod["spec"], pod["spec"]["containers"][0]
    if change == "hostPID":
        spec["hostPID"] = True
    elif change == "privileged":
        container["securityContext"]["privileged"] = True
    elif change == "add SYS_ADMIN":
        container["securityContext"]["capabilities"]["add"] = ["SYS_ADMIN"]
    elif change == "hostPath":
        spec["volumes"] = [{"name": "data", "hostPath": {"path": "/data"}}]
    elif change == "hostPort":
        container["ports"] = [{"containerPort": 80, "hostPort": 80}]
    elif change == "Unconfined":
        spec["securityContext"]["seccompProfile"]["type"] = "Unconfined"
    elif change == "escalation":
        container["securityContext"]["allowPrivilegeEscalation"] = True
    elif change == "runAsNonRoot false":
        spec["securityContext"]["runAsNonRoot"] = False
    elif change == "runAsUser 0":
        container["securityContext"]["runAsUser"] = 0
    elif change == "drop NET_RAW only":
        container["securityContext"]["capabilities"]["drop"] = ["NET_RAW"]
    return pod


def _scan(tmp_path: Path, documents: list[dict[str, Any]], *args: str) -> tuple[int, dict[str, Any]]:
    (tmp_path / "pods.yaml").write_text(yaml.safe_dump_all(documents, sort_keys=False))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "pods.yaml"), "-f", "json", *args])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ("hostPID", {"pss-baseline:host-namespaces"}),
        ("privileged", {"pss-baseline:privileged"}),
        ("add SYS_ADMIN", {"pss-baseline:capabilities"}),
        ("hostPath", {"pss-baseline:host-path-volumes", "pss-restricted:volume-types"}),
        ("hostPort", {"pss-baseline:host-ports"}),
        ("Unconfined", {"pss-baseline:seccomp", "pss-restricted:seccomp"}),
        ("escalation", {"pss-restricted:privilege-escalation"}),
        ("runAsNonRoot false", {"pss-restricted:running-as-non-root", "pss-restricted:running-as-non-root-user"}),
        ("runAsUser 0", {"pss-restricted:running-as-non-root", "pss-restricted:running-as-non-root-user"}),
        ("drop NET_RAW only", {"pss-restricted:capabilities"}),
    ],
)
def test_each_pss_control_fails_on_its_own_violation(tmp_path: Path, change: str, failing: set[str]) -> None:
    code, report = _scan(tmp_path, [_variant(change)], "--framework", "pss-restricted")
    assert code == 1
    (pss,) = report["frameworks"]
    assert {c["id"] for c in pss["controls"] if c["status"] == "fail"} == failing


def test_counts_per_control_and_the_controls_not_covered(tmp_path: Path) -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "shop"}, "spec": {}}
    code, report = _scan(tmp_path, [GOOD, _variant("hostPID"), service], "--framework", "pss-baseline")
    assert code == 1
    (pss,) = report["frameworks"]
    assert (pss["id"], pss["summary"]) == ("pss-baseline", {"pass": 5, "fail": 1, "not_applicable": 0})
    counts = {c["id"]: (c["status"], c["pass"], c["fail"], c["not_applicable"]) for c in pss["controls"]}
    assert counts == {
        "pss-baseline:host-namespaces": ("fail", 1, 1, 1),
        "pss-baseline:privileged": ("pass", 2, 0, 1),
        "pss-baseline:capabilities": ("pass", 2, 0, 1),
        "pss-baseline:host-path-volumes": ("pass", 2, 0, 1),
        "pss-baseline:host-ports": ("pass", 2, 0, 1),
        "pss-baseline:seccomp": ("pass", 2, 0, 1),
    }
    assert [c["id"] for c in pss["not_covered"]] == [
        "pss-baseline:host-process",
        "pss-baseline:apparmor",
        "pss-baseline:selinux",
        "pss-baseline:proc-mount",
        "pss-baseline:sysctls",
    ]
    # exactly the mapped policies ran: restricted and reliability policies did not
    assert sorted(p["id"] for p in report["policies"]) == [
        "k8s/no-container-runtime-socket",
        "k8s/no-dangerous-capabilities",
        "k8s/no-host-ipc",
        "k8s/no-host-network",
        "k8s/no-host-path-volumes",
        "k8s/no-host-pid",
        "k8s/no-host-ports",
        "k8s/no-privileged-containers",
        "k8s/no-unconfined-seccomp",
    ]


def test_the_json_report_with_frameworks_matches_its_schema(tmp_path: Path) -> None:
    from conformance.validation import compile_schema

    _, report = _scan(tmp_path, [GOOD], "--framework", "pss-restricted", "--framework", "cis-kubernetes-5")
    import conformance

    schema = json.loads((Path(conformance.__file__).parent / "schemas" / "report.schema.json").read_text())
    assert compile_schema(schema).first_error(report) is None
    assert [f["id"] for f in report["frameworks"]] == ["pss-restricted", "cis-kubernetes-5"]


def test_a_suppressed_finding_does_not_fail_its_control(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".conformance.yaml").write_text(
        "waivers:\n  - {policy: k8s/no-host-pid, reason: node agent, owner: platform}\n"
    )
    code, report = _scan(tmp_path, [_variant("hostPID")], "--framework", "pss-baseline")
    assert code == 0
    status = {c["id"]: c["status"] for c in report["frameworks"][0]["controls"]}
    assert status["pss-baseline:host-namespaces"] == "pass"


def test_text_report(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(yaml.safe_dump_all([_variant("hostPID")], sort_keys=False))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "pods.yaml"), "--framework", "pss-baseline"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    start = lines.index(
        "pss-baseline: Kubernetes Pod Security Standards, baseline level (Kubernetes v1.30): 1 failing, 5 passing, "
        "0 not applicable, 5 not covered"
    )
    assert lines[start + 3].split() == [
        "pss-baseline:host-namespaces",
        "fail",
        "0",
        "1",
        "0",
        "k8s/no-host-network,",
        "k8s/no-host-pid,",
        "k8s/no-host-ipc",
    ]
    assert "  pss-baseline:sysctls: Sysctls: no policy reads spec.securityContext.sysctls." in lines


def test_markdown_report(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(yaml.safe_dump_all([GOOD], sort_keys=False))
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "pods.yaml"), "-f", "markdown", "--framework", "pss-baseline"]
    )
    assert result.exit_code == 0
    assert "#### Kubernetes Pod Security Standards, baseline level (`pss-baseline`)" in result.stdout
    assert "0 failing, 6 passing, 0 not applicable and 5 not covered of 11 controls." in result.stdout
    assert "| `pss-baseline:host-ports` Host ports | pass | 1 | 0 | 0 | `k8s/no-host-ports` |" in result.stdout
    assert "- `pss-baseline:selinux` SELinux: no policy reads seLinuxOptions." in result.stdout


def test_markdown_escapes_the_data_files_text() -> None:
    control = Control("evil", "c1", "a | b <img src=x>", ("k8s/no-host-pid",), "partial", note="x")
    uncovered = Control("evil", "c2", "[link](http://x)", coverage="not-covered", note="*bold*")
    report = FrameworkReport(Framework("evil", "T | <b>", (control,)), (ControlResult(control, 1, 0, 0),), (uncovered,))
    text = markdown_section([report])
    assert "<img" not in text and "<b>" not in text
    assert "a \\| b &lt;img src=x&gt;" in text and "T \\| &lt;b&gt;" in text
    assert "\\[link\\](http://x): \\*bold\\*" in text
