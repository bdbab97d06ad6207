"""Policy outcomes and finding records of real scans: pass, fail, not-applicable, error, and the counts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conformance.org.outcomes import summarize
from conformance.org.results import PolicyOutcome
from conformance.planning.plan import ScanRequest, execute_scan, prepare_scan

CRASHY = """\
ID = "t/crashy"
TITLE = "crashes on every Deployment"
SEVERITY = "warning"
KINDS = ("Deployment",)
def check(resource, ctx):
    raise RuntimeError("kaput")
"""
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: true  # conformance:ignore k8s/no-host-pid reason="reads host processes"
      containers:
      - name: app
        image: web:1.0
"""
CONFIG = """\
waivers:
  - policy: k8s/no-host-ipc
    reason: the agent needs host IPC
    owner: "@acme/platform"
    expires: 2099-01-31
"""
POLICIES = (
    "docker/non-root-user",  # no Dockerfile: not applicable
    "gha/job-timeout",  # a workflow that sets timeouts: pass
    "repo/readme",  # no README: fail
    "repo/no-private-keys",  # pass on the repository
    "k8s/no-host-network",  # fail
    "k8s/no-host-pid",  # suppressed inline: pass
    "k8s/no-host-ipc",  # waived: pass
    "k8s/no-host-ports",  # nothing to report: pass
    "t/crashy",  # error
)
WORKFLOW = """\
name: ci
on: push
permissions: {contents: read}
jobs:
  test: {runs-on: ubuntu-latest, timeout-minutes: 5, steps: [{run: echo hi}]}
"""


def scan_repository(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yaml").write_text(WORKFLOW)
    (root / "web.yaml").write_text(MANIFEST.replace("hostNetwork: true", "hostNetwork: true\n      hostIPC: true"))
    (root / ".conformance.yaml").write_text(CONFIG)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "crashy.py").write_text(CRASHY)
    old = os.getcwd()
    os.chdir(root)
    try:
        request = ScanRequest(paths=(".",), enable=POLICIES, policy_dirs=(str(policy_dir),))
        return execute_scan(prepare_scan(request, record_evaluations=True))
    finally:
        os.chdir(old)


def test_outcomes_of_a_real_scan(tmp_path: Path) -> None:
    outcomes, records = summarize(scan_repository(tmp_path))
    assert [o.to_dict() for o in outcomes] == [
        PolicyOutcome("docker/non-root-user", "error", "not-applicable").to_dict(),
        PolicyOutcome("gha/job-timeout", "warning", "pass", 1).to_dict(),
        PolicyOutcome("k8s/no-host-ipc", "error", "pass", 1, {"waived": 1}).to_dict(),
        PolicyOutcome("k8s/no-host-network", "error", "fail", 1, {"fail": 1}).to_dict(),
        PolicyOutcome("k8s/no-host-pid", "error", "pass", 1, {"suppressed": 1}).to_dict(),
        PolicyOutcome("k8s/no-host-ports", "error", "pass", 1).to_dict(),
        PolicyOutcome("repo/no-private-keys", "error", "pass", 1).to_dict(),
        PolicyOutcome("repo/readme", "warning", "fail", 1, {"fail": 1}).to_dict(),
        PolicyOutcome("t/crashy", "warning", "error", 1, {"error": 1}).to_dict(),
    ]
    by_policy = {(r.policy_id, r.status): r for r in records}
    assert sorted(by_policy) == [
        ("conformance/policy-error", "error"),
        ("k8s/no-host-ipc", "waived"),
        ("k8s/no-host-network", "fail"),
        ("k8s/no-host-pid", "suppressed"),
        ("repo/readme", "fail"),
    ]
    waived = by_policy[("k8s/no-host-ipc", "waived")]
    assert (waived.suppression_kind, waived.owner, waived.expires, waived.reason) == (
        "waiver",
        "@acme/platform",
        "2099-01-31",
        "the agent needs host IPC",
    )
    suppressed = by_policy[("k8s/no-host-pid", "suppressed")]
    assert (suppressed.suppression_kind, suppressed.reason, suppressed.file, suppressed.line) == (
        "inline",
        "reads host processes",
        "web.yaml",
        10,
    )
    assert by_policy[("k8s/no-host-network", "fail")].resource == "Deployment/web"


def test_outcome_json_round_trip(tmp_path: Path) -> None:
    outcomes, _ = summarize(scan_repository(tmp_path))
    assert tuple(PolicyOutcome.from_dict(o.to_dict()) for o in outcomes) == outcomes
