"""Suppressions end to end: inline comments, annotations and waivers as scans apply and report them.

The parsers have unit tests of their own (tests/test_suppress.py); here the whole run is checked: which findings
are suppressed, what the reports say about them, and which problems of the suppressions themselves are reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  hostNetwork: true # conformance:ignore k8s/no-host-network reason="the node agent reads host traffic"
  # conformance:ignore k8s/no-host-pid reason="it needs to see host processes"
  hostPID: true
  hostIPC: true
  containers:
    - name: main
      image: nginx:1.2.3
"""
"""Line 7: hostNetwork with a trailing marker; line 9: hostPID with a marker above; line 10: hostIPC, active."""

HOST = ("--policy", "k8s/no-host-network", "--policy", "k8s/no-host-pid", "--policy", "k8s/no-host-ipc")

TWO_CONTAINERS = """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: monitoring
  annotations:
    conformance.dev/ignore.k8s.run-as-non-root: "container=side; reason=the sidecar image runs as root"
spec:
  containers:
    - name: main
      image: nginx:1.2.3
    - name: side
      image: nginx:1.2.3
"""
"""k8s/run-as-non-root reports both containers (lines 10 and 12); the annotation covers 'side' only."""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
      annotations:
        conformance.dev/ignore.k8s.no-host-network: "reason=the ingress controller binds host ports"
    spec:
      hostNetwork: true
      hostPID: true
      containers:
        - name: main
          image: nginx:1.2.3
"""
"""A pod-template annotation covers k8s/no-host-network (line 16) but not k8s/no-host-pid (line 17)."""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["scan", "--no-color", *args], input=input, catch_exceptions=False)


def scan_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = scan("-f", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def by_line(document: dict[str, Any], policy: str | None = None) -> dict[int, dict[str, Any]]:
    return {f["location"]["line"]: f for f in document["findings"] if policy is None or f["policy"] == policy}


def statuses(document: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(f["policy"], f["location"]["line"]): f["status"] for f in document["findings"]}


# ---------------------------------------------------------------------------------------------------------------
# Inline comments


def test_inline_markers_on_the_line_and_above_it(project: Path) -> None:
    (project / "pod.yaml").write_text(POD)
    code, document = scan_json("pod.yaml", *HOST)
    assert code == 1  # hostIPC is still active
    assert statuses(document) == {
        ("k8s/no-host-network", 7): "suppressed",
        ("k8s/no-host-pid", 9): "suppressed",
        ("k8s/no-host-ipc", 10): "active",
    }
    found = by_line(document)
    assert found[7]["suppression"] == {
        "kind": "inline",
        "reason": "the node agent reads host traffic",
        "owner": None,
        "expires": None,
        "source": "pod.yaml:7",
    }
    assert found[9]["suppression"]["kind"] == "inline"
    assert found[9]["suppression"]["reason"] == "it needs to see host processes"
    assert found[9]["suppression"]["source"] == "pod.yaml:8"  # where the marker is written
    assert found[10]["suppression"] is None
    assert document["summary"]["suppressed"] == 2
    assert document["summary"]["counts"] == {"error": 1, "warning": 0, "note": 0}


def test_all_suppressed_exits_0(project: Path) -> None:
    (project / "pod.yaml").write_text(POD.replace("  hostIPC: true\n", ""))
    code, document = scan_json("pod.yaml", *HOST)
    assert code == 0
    assert document["summary"]["exit_code"] == 0
    assert {f["status"] for f in document["findings"]} == {"suppressed"}


def test_a_marker_covers_only_the_policies_it_names(project: Path) -> None:
    (project / "pod.yaml").write_text(
        POD.replace("hostIPC: true", 'hostIPC: true # conformance:ignore k8s/no-host-pid reason="wrong id"')
    )
    _, document = scan_json("pod.yaml", *HOST)
    assert statuses(document)[("k8s/no-host-ipc", 10)] == "active"


def test_suppressed_findings_are_counted_but_not_listed_in_text(project: Path) -> None:
    (project / "pod.yaml").write_text(POD)
    result = scan("pod.yaml", *HOST)
    assert result.exit_code == 1
    assert "pod.yaml:10:3 error k8s/no-host-ipc" in result.stdout
    assert "k8s/no-host-network" not in result.stdout
    assert "k8s/no-host-pid" not in result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 violation (1 error), 2 suppressed; 1 file, 1 resource")


def test_markdown_leaves_suppressed_findings_out_without_calling_them_truncated(project: Path) -> None:
    (project / "pod.yaml").write_text(POD)
    result = scan("pod.yaml", *HOST, "-f", "markdown")
    assert result.exit_code == 1
    assert "`k8s/no-host-ipc`" in result.stdout
    assert "`k8s/no-host-network`" not in result.stdout and "`k8s/no-host-pid`" not in result.stdout
    assert "2 suppressed and 0 baselined" in result.stdout
    assert "not listed" not in result.stdout


def test_sarif_records_in_source_suppressions(project: Path) -> None:
    (project / "pod.yaml").write_text(POD)
    result = scan("pod.yaml", *HOST, "-f", "sarif")
    results = {r["ruleId"]: r for r in json.loads(result.stdout)["runs"][0]["results"]}
    [suppression] = results["k8s/no-host-network"]["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["status"] == "accepted"
    assert suppression["justification"] == "the node agent reads host traffic"
    assert suppression["properties"]["kind"] == "inline"
    assert suppression["properties"]["source"] == "pod.yaml:7"
    assert "suppressions" not in results["k8s/no-host-ipc"]


def test_markers_on_standard_input(project: Path) -> None:
    result = scan("-", *HOST, "-f", "json", input=POD)
    document = json.loads(result.stdout)
    assert statuses(document)[("k8s/no-host-network", 7)] == "suppressed"
    assert by_line(document)[7]["suppression"]["source"] == "<stdin>:7"


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ('# conformance:ignore k8s/no-host-networks reason="typo"', "unknown policy id 'k8s/no-host-networks'"),
        ("# conformance:ignore k8s/no-host-network", "a reason is required"),
        ('# conformance:ignore k8s/no-host-network reason=""', "the reason is empty"),
    ],
)
def test_invalid_marker_is_a_scan_error_and_suppresses_nothing(project: Path, marker: str, message: str) -> None:
    (project / "pod.yaml").write_text(
        POD.replace('# conformance:ignore k8s/no-host-network reason="the node agent reads host traffic"', marker)
    )
    code, document = scan_json("pod.yaml", *HOST)
    assert code == 2
    [error] = document["errors"]
    assert error["policy"] == "conformance/invalid-suppression"
    assert error["severity"] == "error"
    assert message in error["message"]
    assert (error["location"]["file"], error["location"]["line"], error["location"]["column"]) == ("pod.yaml", 7, 21)
    assert statuses(document)[("k8s/no-host-network", 7)] == "active"
    text = scan("pod.yaml", *HOST)
    assert text.exit_code == 2
    assert "pod.yaml:7:21 error conformance/invalid-suppression" in text.stdout


def test_a_marker_for_a_known_but_disabled_policy_is_valid(project: Path) -> None:
    (project / "pod.yaml").write_text(POD)
    code, document = scan_json("pod.yaml", "--policy", "k8s/no-host-ipc")
    assert code == 1
    assert document["errors"] == []


# ---------------------------------------------------------------------------------------------------------------
# Annotations


def test_annotation_with_a_container_covers_only_that_container(project: Path) -> None:
    (project / "agent.yaml").write_text(TWO_CONTAINERS)
    code, document = scan_json("agent.yaml", "--policy", "k8s/run-as-non-root")
    assert code == 1
    found = by_line(document)
    assert found[10]["status"] == "active" and "'main'" in found[10]["message"]
    assert found[12]["status"] == "suppressed" and "'side'" in found[12]["message"]
    suppression = found[12]["suppression"]
    assert suppression["kind"] == "annotation"
    assert suppression["reason"] == "the sidecar image runs as root"
    assert suppression["source"].startswith("agent.yaml")


def test_annotation_without_container_covers_every_container(project: Path) -> None:
    (project / "agent.yaml").write_text(TWO_CONTAINERS.replace("container=side; ", ""))
    code, document = scan_json("agent.yaml", "--policy", "k8s/run-as-non-root")
    assert code == 0
    assert {f["status"] for f in document["findings"]} == {"suppressed"} and len(document["findings"]) == 2


def test_annotation_on_a_deployments_pod_template(project: Path) -> None:
    (project / "deploy.yaml").write_text(DEPLOYMENT)
    code, document = scan_json("deploy.yaml", "--policy", "k8s/no-host-network", "--policy", "k8s/no-host-pid")
    assert code == 1
    assert statuses(document) == {("k8s/no-host-network", 16): "suppressed", ("k8s/no-host-pid", 17): "active"}
    assert by_line(document)[16]["suppression"]["kind"] == "annotation"


def test_sarif_records_annotations_in_source(project: Path) -> None:
    (project / "deploy.yaml").write_text(DEPLOYMENT)
    result = scan("deploy.yaml", "--policy", "k8s/no-host-network", "-f", "sarif")
    [entry] = json.loads(result.stdout)["runs"][0]["results"]
    [suppression] = entry["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["justification"] == "the ingress controller binds host ports"


def test_annotation_with_an_unknown_id_is_a_scan_error(project: Path) -> None:
    bad = TWO_CONTAINERS.replace("k8s.run-as-non-root", "k8s.run-as-nonroot")
    (project / "agent.yaml").write_text(bad)
    code, document = scan_json("agent.yaml", "--policy", "k8s/run-as-non-root")
    assert code == 2
    [error] = document["errors"]
    assert error["policy"] == "conformance/invalid-suppression"
    assert "unknown policy id 'k8s/run-as-nonroot'" in error["message"]
    assert error["location"]["line"] == 7
    assert {f["status"] for f in document["findings"]} == {"active"}


def test_annotation_without_a_reason_is_a_scan_error(project: Path) -> None:
    (project / "agent.yaml").write_text(
        TWO_CONTAINERS.replace("container=side; reason=the sidecar image runs as root", "container=side; reason=")
    )
    code, document = scan_json("agent.yaml", "--policy", "k8s/run-as-non-root")
    assert code == 2
    assert [e["policy"] for e in document["errors"]] == ["conformance/invalid-suppression"]
    assert "the reason is empty" in document["errors"][0]["message"]
    assert {f["status"] for f in document["findings"]} == {"active"}


# ---------------------------------------------------------------------------------------------------------------
# Cross-resource findings

SCOPED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: single
  namespace: shop
spec:
  replicas: 1 # conformance:ignore k8s/min-replicas reason="a singleton by design"
  selector:
    matchLabels: {app: single}
  template:
    metadata:
      labels: {app: single}
    spec:
      containers:
        - name: main
          image: nginx:1.2.3
---
apiVersion: apps/v1
kind: Deployment
metadata:
  # conformance:ignore k8s/pod-disruption-budget reason="stateless, drains are fine"
  name: replicated
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: replicated}
  template:
    metadata:
      labels: {app: replicated}
    spec:
      containers:
        - name: main
          image: nginx:1.2.3
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: annotated
  namespace: shop
  annotations:
    conformance.dev/ignore.k8s.pod-disruption-budget: "reason=batch workers"
    conformance.dev/ignore.k8s.min-replicas: "reason=dev only"
spec:
  replicas: 3
  selector:
    matchLabels: {app: annotated}
  template:
    metadata:
      labels: {app: annotated}
    spec:
      containers:
        - name: main
          image: nginx:1.2.3
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: plain
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: plain}
  template:
    metadata:
      labels: {app: plain}
    spec:
      containers:
        - name: main
          image: nginx:1.2.3
"""
SCOPE_POLICIES = ("--policy", "k8s/min-replicas", "--policy", "k8s/pod-disruption-budget")


def test_cross_resource_findings_can_be_suppressed(project: Path) -> None:
    (project / "deploy.yaml").write_text(SCOPED)
    code, document = scan_json("deploy.yaml", *SCOPE_POLICIES, "--fail-on", "warning")
    assert code == 1
    found = {(f["policy"], f["resource"]["name"]): f for f in document["findings"]}
    assert set(found) == {
        ("k8s/min-replicas", "single"),
        ("k8s/pod-disruption-budget", "replicated"),
        ("k8s/pod-disruption-budget", "annotated"),
        ("k8s/pod-disruption-budget", "plain"),
    }
    single = found[("k8s/min-replicas", "single")]
    assert (single["status"], single["location"]["line"]) == ("suppressed", 7)
    assert single["suppression"]["kind"] == "inline" and single["suppression"]["source"] == "deploy.yaml:7"
    replicated = found[("k8s/pod-disruption-budget", "replicated")]
    assert (replicated["status"], replicated["location"]["line"]) == ("suppressed", 22)
    assert replicated["suppression"]["reason"] == "stateless, drains are fine"
    annotated = found[("k8s/pod-disruption-budget", "annotated")]
    assert annotated["status"] == "suppressed"
    assert annotated["suppression"]["kind"] == "annotation" and annotated["suppression"]["reason"] == "batch workers"
    assert found[("k8s/pod-disruption-budget", "plain")]["status"] == "active"
    assert document["summary"]["counts"]["warning"] == 1


def test_cross_resource_suppressions_in_a_parallel_scan(project: Path) -> None:
    for i in range(70):
        (project / f"deploy-{i:02d}.yaml").write_text(SCOPED.replace("namespace: shop", f"namespace: ns{i}"))
    code, document = scan_json(".", *SCOPE_POLICIES, "-j", "2")
    assert code == 0
    counts = {"active": 0, "suppressed": 0}
    for finding in document["findings"]:
        counts[finding["status"]] += 1
    assert counts == {"active": 70, "suppressed": 210}


def test_cross_resource_findings_on_standard_input_can_be_suppressed(project: Path) -> None:
    result = scan("-", *SCOPE_POLICIES, "-f", "json", input=SCOPED)
    found = {(f["policy"], f["resource"]["name"]): f["status"] for f in json.loads(result.stdout)["findings"]}
    assert found[("k8s/min-replicas", "single")] == "suppressed"
    assert found[("k8s/pod-disruption-budget", "replicated")] == "suppressed"


# ---------------------------------------------------------------------------------------------------------------
# Waivers

AGENT = """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: monitoring
spec:
  hostNetwork: true
  hostPID: true
  containers:
    - name: main
      image: nginx:1.2.3
    - name: side
      image: nginx:1.2.3
"""
"""hostNetwork at line 7, hostPID at line 8, containers 'main' (line 10) and 'side' (line 12)."""

WAIVERS = """\
waivers:
  - policy: k8s/no-host-network
    reason: the node exporter reads host network statistics
    owner: team-observability
    expires: 2999-12-31
    match:
      paths: ["k8s/**"]
      kind: Pod
      namespace: monitor*
      name: agent
  - policy: k8s/run-as-non-root
    reason: the sidecar is being rebuilt
    owner: team-legacy
    expires: 2020-01-01
    match:
      container: side
  - policy: k8s/no-host-pid
    reason: nothing runs there any more
    owner: team-gone
    match:
      paths: ["legacy/**"]
"""
"""waivers[0] (line 2) in force; waivers[1] (line 11) expired; waivers[2] (line 17) matches nothing."""

WAIVED = ("--policy", "k8s/no-host-network", "--policy", "k8s/run-as-non-root", "--policy", "k8s/no-host-pid")


@pytest.fixture
def waived(project: Path) -> Path:
    (project / "k8s").mkdir()
    (project / "k8s" / "agent.yaml").write_text(AGENT)
    (project / "apps").mkdir()
    (project / "apps" / "agent.yaml").write_text(AGENT)  # the same object outside the waiver's paths
    (project / ".conformance.yaml").write_text(WAIVERS)
    return project


def test_waiver_in_force_suppresses_with_owner_and_expiry(waived: Path) -> None:
    _, document = scan_json("k8s", "apps", *WAIVED)
    host = {f["location"]["file"]: f for f in document["findings"] if f["policy"] == "k8s/no-host-network"}
    assert host["k8s/agent.yaml"]["status"] == "suppressed"
    assert host["k8s/agent.yaml"]["suppression"] == {
        "kind": "waiver",
        "reason": "the node exporter reads host network statistics",
        "owner": "team-observability",
        "expires": "2999-12-31",
        "source": ".conformance.yaml:2",
    }
    assert host["apps/agent.yaml"]["status"] == "active"  # paths: k8s/** only


@pytest.mark.parametrize(
    ("match", "suppressed"),
    [
        ("kind: Pod", True),
        ("kind: Deployment", False),
        ("namespace: monitor*", True),
        ("namespace: kube-*", False),
        ("name: ag?nt", True),
        ("name: exporter", False),
    ],
)
def test_waiver_match_criteria(project: Path, match: str, suppressed: bool) -> None:
    (project / "agent.yaml").write_text(AGENT)
    (project / ".conformance.yaml").write_text(
        f"waivers:\n  - policy: k8s/no-host-network\n    reason: r\n    owner: o\n    match:\n      {match}\n"
    )
    _, document = scan_json(".", "--policy", "k8s/no-host-network")
    [finding] = [f for f in document["findings"] if f["policy"] == "k8s/no-host-network"]
    assert finding["status"] == ("suppressed" if suppressed else "active")
    stale = [f for f in document["findings"] if f["policy"] == "conformance/stale-waiver"]
    assert len(stale) == (0 if suppressed else 1)


def test_sarif_records_waivers_as_external(waived: Path) -> None:
    result = scan("k8s", *WAIVED, "-f", "sarif")
    results = [r for r in json.loads(result.stdout)["runs"][0]["results"] if r["ruleId"] == "k8s/no-host-network"]
    [suppression] = results[0]["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["justification"] == "the node exporter reads host network statistics"
    assert suppression["properties"]["owner"] == "team-observability"
    assert suppression["properties"]["expires"] == "2999-12-31"


def test_expired_waiver_suppresses_nothing_and_is_reported_at_its_line(waived: Path) -> None:
    code, document = scan_json("k8s", *WAIVED)
    assert code == 1
    non_root = {f["location"]["line"]: f for f in document["findings"] if f["policy"] == "k8s/run-as-non-root"}
    assert {line: f["status"] for line, f in non_root.items()} == {10: "active", 12: "active"}
    [expired] = [f for f in document["findings"] if f["policy"] == "conformance/expired-waiver"]
    assert expired["severity"] == "warning"
    assert (expired["location"]["file"], expired["location"]["line"]) == (".conformance.yaml", 11)
    assert "waivers[1]" in expired["message"] and "team-legacy" in expired["message"]
    assert "expired on 2020-01-01" in expired["message"]
    text = scan("k8s", *WAIVED)
    assert ".conformance.yaml:11:1 warning conformance/expired-waiver" in text.stdout


def test_waiver_on_its_last_day_is_in_force(waived: Path) -> None:
    import datetime

    today = datetime.date.today().isoformat()
    (waived / ".conformance.yaml").write_text(WAIVERS.replace("2020-01-01", today))
    _, document = scan_json("k8s", *WAIVED)
    statuses_by_line = {
        f["location"]["line"]: f["status"] for f in document["findings"] if f["policy"] == "k8s/run-as-non-root"
    }
    assert statuses_by_line == {10: "active", 12: "suppressed"}
    assert "conformance/expired-waiver" not in {f["policy"] for f in document["findings"]}


def test_stale_waiver_in_a_complete_scan(waived: Path) -> None:
    code, document = scan_json(".", *WAIVED)
    assert code == 1
    [stale] = [f for f in document["findings"] if f["policy"] == "conformance/stale-waiver"]
    assert (stale["location"]["file"], stale["location"]["line"]) == (".conformance.yaml", 17)
    assert "waivers[2]" in stale["message"] and "matched no finding" in stale["message"]
    # the waiver in force matched, so it is not stale
    assert sum(f["policy"] == "conformance/stale-waiver" for f in document["findings"]) == 1


def test_no_stale_waiver_in_a_partial_scan(waived: Path) -> None:
    _, document = scan_json("k8s/agent.yaml", *WAIVED)
    assert "conformance/stale-waiver" not in {f["policy"] for f in document["findings"]}
    # ...unless the waiver's paths match a scanned file
    (waived / "legacy").mkdir()
    (waived / "legacy" / "clean.yaml").write_text(AGENT.replace("  hostPID: true\n", ""))
    _, document = scan_json("k8s/agent.yaml", "legacy/clean.yaml", *WAIVED)
    [stale] = [f for f in document["findings"] if f["policy"] == "conformance/stale-waiver"]
    assert "waivers[2]" in stale["message"]


def test_waiver_without_paths_is_not_stale_in_a_partial_scan(project: Path) -> None:
    (project / "agent.yaml").write_text(AGENT)
    (project / ".conformance.yaml").write_text("waivers:\n  - policy: k8s/no-host-ipc\n    reason: r\n    owner: o\n")
    _, partial = scan_json("agent.yaml", "--policy", "k8s/no-host-ipc")
    assert partial["findings"] == []
    _, complete = scan_json(".", "--policy", "k8s/no-host-ipc")
    assert [f["policy"] for f in complete["findings"]] == ["conformance/stale-waiver"]


def test_a_subdirectory_scan_does_not_call_other_directories_waivers_stale(waived: Path) -> None:
    (waived / "legacy").mkdir()
    (waived / "legacy" / "agent.yaml").write_text(AGENT)  # waivers[2] (paths: legacy/**) matches it
    _, whole = scan_json(".", *WAIVED)
    assert "conformance/stale-waiver" not in {f["policy"] for f in whole["findings"]}
    _, document = scan_json("k8s", *WAIVED)  # legacy/ is not scanned: waivers[2] cannot be judged
    assert "conformance/stale-waiver" not in {f["policy"] for f in document["findings"]}


def test_waivers_matched_in_workers_are_not_stale(project: Path) -> None:
    (project / "k8s").mkdir()
    for i in range(70):
        (project / "k8s" / f"agent-{i:02d}.yaml").write_text(AGENT)
    (project / ".conformance.yaml").write_text(WAIVERS)
    code, document = scan_json(".", "-j", "2", *WAIVED)
    assert code == 1
    host = [f for f in document["findings"] if f["policy"] == "k8s/no-host-network"]
    assert len(host) == 70 and {f["status"] for f in host} == {"suppressed"}
    assert [f["policy"] for f in document["findings"] if f["policy"].startswith("conformance/")] == [
        "conformance/expired-waiver",
        "conformance/stale-waiver",
    ]


def test_unknown_waiver_policy_is_a_configuration_error(project: Path) -> None:
    (project / "agent.yaml").write_text(AGENT)
    (project / ".conformance.yaml").write_text(
        "waivers:\n  - policy: k8s/no-host-network\n    reason: r\n    owner: o\n"
        "  - policy: k8s/no-host-networks\n    reason: r\n    owner: o\n"
    )
    result = scan(".")
    assert result.exit_code == 2
    assert "key waivers[1].policy: unknown policy id 'k8s/no-host-networks'" in result.stderr
    assert ".conformance.yaml:5" in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------------------------------------------------------
# Turning inline suppressions off


def _inline_and_waiver(project: Path, config_extra: str = "") -> None:
    (project / "pod.yaml").write_text(POD)
    (project / "agent.yaml").write_text(TWO_CONTAINERS)
    (project / ".conformance.yaml").write_text(
        config_extra + "waivers:\n  - policy: k8s/no-host-ipc\n    reason: reviewed\n    owner: security\n"
    )


def _check_only_waivers_apply(document: dict[str, Any]) -> None:
    found = {(f["location"]["file"], f["policy"], f["location"]["line"]): f for f in document["findings"]}
    assert found[("pod.yaml", "k8s/no-host-network", 7)]["status"] == "active"
    assert found[("pod.yaml", "k8s/no-host-pid", 9)]["status"] == "active"
    assert found[("agent.yaml", "k8s/run-as-non-root", 12)]["status"] == "active"
    waived = found[("pod.yaml", "k8s/no-host-ipc", 10)]
    assert waived["status"] == "suppressed" and waived["suppression"]["kind"] == "waiver"


def test_config_turns_inline_suppressions_off(project: Path) -> None:
    _inline_and_waiver(project, "inline-suppressions: false\n")
    code, document = scan_json(".", *HOST, "--policy", "k8s/run-as-non-root")
    assert code == 1
    _check_only_waivers_apply(document)


def test_no_inline_suppressions_option(project: Path) -> None:
    _inline_and_waiver(project)
    _, honoured = scan_json(".", *HOST, "--policy", "k8s/run-as-non-root")
    assert honoured["summary"]["suppressed"] == 4  # the control: two comments, one annotation, one waiver
    code, document = scan_json(".", *HOST, "--policy", "k8s/run-as-non-root", "--no-inline-suppressions")
    assert code == 1
    _check_only_waivers_apply(document)
    assert document["summary"]["suppressed"] == 1


def test_no_inline_suppressions_ignores_invalid_markers_too(project: Path) -> None:
    (project / "pod.yaml").write_text(POD.replace('reason="the node agent reads host traffic"', ""))
    assert scan("pod.yaml", *HOST).exit_code == 2
    assert scan("pod.yaml", *HOST, "--no-inline-suppressions").exit_code == 1


def test_the_config_setting_cannot_be_overridden(project: Path) -> None:
    _inline_and_waiver(project, "inline-suppressions: false\n")
    result = scan(".", "--inline-suppressions")
    assert result.exit_code == 2
    assert "inline-suppressions is false: --inline-suppressions cannot override it" in result.stderr


# ---------------------------------------------------------------------------------------------------------------
# Precedence and the summary


def test_inline_comment_wins_over_annotation_and_waiver(project: Path) -> None:
    both = TWO_CONTAINERS.replace(
        "    - name: side\n", '    - name: side # conformance:ignore k8s/run-as-non-root reason="inline"\n'
    )
    (project / "agent.yaml").write_text(both)
    (project / ".conformance.yaml").write_text(
        "waivers:\n  - policy: k8s/run-as-non-root\n    reason: waived\n    owner: o\n"
    )
    _, document = scan_json("agent.yaml", "--policy", "k8s/run-as-non-root")
    found = by_line(document)
    assert found[12]["suppression"]["kind"] == "inline"  # comment, annotation and waiver all cover it
    assert found[10]["suppression"]["kind"] == "waiver"  # only the waiver covers 'main'


def test_summary_counts_violations_suppressed_and_baselined(project: Path) -> None:
    (project / "old.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db\n  namespace: shop\nspec:\n"
        "  hostNetwork: true\n  hostPID: true\n  hostIPC: true\n  containers:\n    - name: c\n      image: db:1\n"
    )
    created = CliRunner().invoke(cli, ["baseline", "create", "old.yaml", *HOST, "-o", "baseline.json"])
    assert created.exit_code == 0, created.output
    (project / "pod.yaml").write_text(POD)
    result = scan("pod.yaml", "old.yaml", *HOST, "--baseline", "baseline.json")
    assert result.exit_code == 1
    assert "old.yaml" not in result.stdout
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("1 violation (1 error), 2 suppressed, 3 baselined; 2 files, 2 resources scanned")
    _, document = scan_json("pod.yaml", "old.yaml", *HOST, "--baseline", "baseline.json")
    assert (document["summary"]["suppressed"], document["summary"]["baselined"]) == (2, 3)


def test_a_waiver_shadowed_by_an_inline_comment_is_not_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A waiver and an inline comment cover the same finding: the comment wins, the waiver still counts as used."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        '  hostNetwork: true  # conformance:ignore k8s/no-host-network reason="exporter"\n'
        "  containers: [{name: a, image: x}]\n"
    )
    (tmp_path / ".conformance.yaml").write_text(
        "waivers:\n  - {policy: k8s/no-host-network, reason: r, owner: o, match: {paths: [pod.yaml]}}\n"
    )
    result = CliRunner().invoke(cli, ["scan", ".", "--policy", "k8s/no-host-network", "-f", "json"])
    findings = json.loads(result.output)["findings"]
    assert [(f["policy"], f["suppression"]["kind"]) for f in findings] == [("k8s/no-host-network", "inline")]


def test_a_selector_naming_an_existing_id_selects_only_that_policy(tmp_path: Path) -> None:
    from conformance.model import Gate

    gate = Gate(hard_fail_on=("acme/slow",), known_ids=frozenset({"acme/slow", "acme/slow-scope"}))
    assert gate.fails("acme/slow", "note")
    assert not gate.fails("acme/slow-scope", "note")
    assert Gate(hard_fail_on=("acme/slow",)).fails("acme/slow-scope", "note")  # a prefix when no such id exists


def test_an_annotation_suppression_names_the_line_of_the_annotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
        '    conformance.dev/ignore.k8s.no-host-network: "reason=exporter"\n'
        "spec:\n  hostNetwork: true\n  containers: [{name: a, image: x}]\n"
    )
    result = CliRunner().invoke(cli, ["scan", "pod.yaml", "--policy", "k8s/no-host-network", "-f", "json"])
    [finding] = json.loads(result.output)["findings"]
    assert finding["suppression"] == {
        "kind": "annotation", "reason": "exporter", "owner": None, "expires": None, "source": "pod.yaml:6"
    }  # fmt: skip
