"""Two runs of an org scan built by hand, with every case the report shows: levels going up and down, a fixed,
new and existing finding, a waiver expiring in 10 days, an expired one, an inline suppression, a baseline, a
repository that could not be scanned, a new repository, and names and messages written to attack each format."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from conformance.org.results import FindingRecord, PolicyOutcome, RepositoryResult, RunResult

TODAY = date(2026, 12, 2)
LEVELS = ("bronze", "silver", "gold")
SEVERITY = {
    "k8s/no-host-network": "error",
    "k8s/run-as-non-root": "error",
    "repo/codeowners": "warning",
    "repo/readme": "note",
}
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
FORMULA_TEAM = "=cmd|' /C calc'!A0"


def outcomes(**by_policy: str) -> tuple[PolicyOutcome, ...]:
    """``p1=...`` etc. in the order of SEVERITY; counts are filled by ``repository``."""
    names = dict(zip(("p1", "p2", "p3", "p4"), SEVERITY, strict=True))
    return tuple(PolicyOutcome(names[key], SEVERITY[names[key]], outcome, 1) for key, outcome in by_policy.items())


def finding(fingerprint: str, policy_id: str, status: str = "fail", **extra: object) -> FindingRecord:
    return FindingRecord(
        fingerprint=fingerprint,
        policy_id=policy_id,
        severity=SEVERITY.get(policy_id, "warning"),
        status=status,
        message=str(extra.pop("message", f"{policy_id} is not met")),
        file=str(extra.pop("file", "deploy/app.yaml")),
        line=int(extra.pop("line", 3)),  # type: ignore[call-overload]
        resource=str(extra.pop("resource", "Deployment/default/app")),
        **extra,  # type: ignore[arg-type]
    )


def repository(name: str, team: str | None, level: str | None, policies: tuple[PolicyOutcome, ...],
               findings: tuple[FindingRecord, ...] = (), status: str = "scanned", reason: str | None = None,
               ) -> RepositoryResult:
    return RepositoryResult(
        id=name,
        url=f"https://git.example.com/org/{name}.git",
        status=status,
        branch="main",
        commit="0" * 39 + str(len(name)),
        team=team,
        team_source="inventory" if team else None,
        reason=reason,
        exit_code=2 if status == "failed" else 0,
        level=level,
        policies=policies,
        findings=findings,
    )


def run(run_id: str, day: str, repositories: tuple[RepositoryResult, ...], digest: str = "sha256:abc") -> RunResult:
    return RunResult(
        run_id=run_id,
        started=f"{day}T02:00:00Z",
        finished=f"{day}T02:10:00Z",
        tool_version="0.1.0",
        policy_digest=digest,
        levels=LEVELS,
        repositories=tuple(sorted(repositories, key=lambda r: r.id)),
    )


def previous_run() -> RunResult:
    return run("run-1", "2026-11-25", (
        repository("alpha", "payments", "silver", outcomes(p1="pass", p2="fail", p3="pass", p4="not-applicable"),
                   (finding("a1", "k8s/run-as-non-root"),)),
        repository("beta", "payments", "bronze", outcomes(p1="fail", p2="pass", p3="pass", p4="pass"),
                   (finding("b1", "k8s/no-host-network"),)),
        repository("gamma", "platform", "gold", outcomes(p1="pass", p2="pass", p3="pass", p4="pass")),
        repository("epsilon", "platform", "gold", outcomes(p1="pass", p2="pass", p3="pass", p4="pass")),
    ))


def latest_run() -> RunResult:
    return run("run-2", "2026-12-01", (
        repository("alpha", "payments", "gold", outcomes(p1="pass", p2="pass", p3="pass", p4="not-applicable"), (
            finding("a2", "k8s/no-host-network", "waived", suppression_kind="waiver", owner="alice",
                    reason="legacy | host *networking*", expires="2026-12-12"),
        )),
        repository("beta", "payments", None, outcomes(p1="fail", p2="pass", p3="fail", p4="pass"), (
            finding("b1", "k8s/no-host-network"),
            finding("b2", "repo/codeowners", message=f"image tag {IMG} is mutable",
                    resource=f"Deployment/default/{SCRIPT}", file=f"deploy/{SCRIPT}.yaml", line=7),
            finding("b3", "repo/readme", "suppressed", suppression_kind="inline", reason=f"test data {SCRIPT}"),
        )),
        repository("delta", FORMULA_TEAM, "bronze", outcomes(p1="pass", p2="fail", p3="not-applicable", p4="pass"), (
            finding("d1", "k8s/run-as-non-root"),
            finding("d2", "k8s/run-as-non-root", "baselined", suppression_kind="baseline", line=9),
            finding("d3", "conformance/expired-waiver", file=".conformance.yaml", line=4, resource="",
                    message="waiver w1 for repo/readme (owner bob) expired on 2026-11-30: "
                            "the findings it covered fail again"),
        )),
        repository("epsilon", "platform", "silver", outcomes(p1="pass", p2="pass", p3="fail", p4="pass"),
                   (finding("e1", "repo/codeowners", file="CODEOWNERS", line=1, resource=""),)),
        repository("gamma", "platform", None, (), status="failed", reason=f"clone failed: {IMG}"),
    ))


def two_runs() -> list[RunResult]:
    return [previous_run(), latest_run()]


GOLDEN = Path(__file__).parent / "report" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def check_golden(name: str, text: str) -> None:
    """Compare with ``golden/<name>``; ``UPDATE_GOLDEN=1`` rewrites it (never in CI)."""
    golden = GOLDEN / name
    if UPDATE or not golden.exists():
        assert os.environ.get("CI") != "true", f"golden file {name} is missing in CI"
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="")
    assert text == golden.read_bytes().decode("utf-8"), f"output differs from golden/{name}"
