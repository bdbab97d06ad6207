"""Run records for the history tests: every field set at least once, every status present."""

from __future__ import annotations

from conformance.org.results import FindingRecord, PolicyOutcome, RepositoryResult, RunResult


def sample_run(run_id: str = "run-1", started: str = "2026-03-02T06:00:00Z", repositories: int = 3) -> RunResult:
    """A run of ``repositories`` repositories (the last one could not be scanned) with findings of every status."""
    records = []
    for index in range(repositories - 1):
        name = f"svc-{index}"
        findings = (
            FindingRecord(
                "fp-fail-" + name,
                "k8s/run-as-non-root",
                "error",
                "fail",
                "runs as root",
                "k8s/a.yaml",
                7,
                "Deployment/prod/api",
            ),
            FindingRecord(
                "fp-waived-" + name,
                "k8s/no-latest-tag",
                "warning",
                "waived",
                "image uses :latest",
                "k8s/b.yaml",
                12,
                "Deployment/prod/<script>x</script>",
                "waiver",
                "migration ticket OPS-1",
                "team-a@example.com",
                "2026-04-01",
            ),
            FindingRecord(
                "fp-suppressed-" + name,
                "k8s/no-latest-tag",
                "warning",
                "suppressed",
                "ünïcode ✓ message",
                "k8s/c.yaml",
                3,
                "",
                "inline",
                "dev only",
            ),
            FindingRecord(
                "fp-baselined-" + name, "repo/codeowners", "note", "baselined", "no CODEOWNERS", "", 0, "", "baseline"
            ),
            FindingRecord(
                "fp-error-" + name, "conformance/parse-error", "error", "error", "could not parse", "k8s/broken.yaml", 1
            ),
        )
        policies = (
            PolicyOutcome("conformance/parse-error", "error", "error", 1, {"error": 1}),
            PolicyOutcome("k8s/no-latest-tag", "warning", "pass", 4, {"waived": 1, "suppressed": 1}),
            PolicyOutcome("k8s/run-as-non-root", "error", "fail", 4, {"fail": 1}),
            PolicyOutcome("repo/codeowners", "note", "pass", 1, {"baselined": 1}),
            PolicyOutcome("repo/readme", "warning", "not-applicable", 0, {}),
        )
        records.append(
            RepositoryResult(
                id=name,
                url=f"https://git.example.com/org/{name}.git",
                status="scanned" if index % 2 == 0 else "reused",
                branch="main",
                commit=f"{index:040x}",
                team="team-a" if index % 2 == 0 else None,
                team_source="inventory" if index % 2 == 0 else None,
                tags={"tier": str(index), "language": "go"},
                exit_code=2,
                level="bronze" if index == 0 else None,
                policies=policies,
                findings=findings,
                duration_seconds=1.5 + index,
            )
        )
    records.append(
        RepositoryResult(
            id="zz-broken",
            url="ssh://git@git.example.com/org/broken.git",
            status="failed",
            reason="clone timed out after 60 s",
            duration_seconds=60.0,
        )
    )
    return RunResult(
        run_id=run_id,
        started=started,
        finished=started.replace("06:00:00", "06:05:30"),
        tool_version="0.1.0",
        policy_digest="sha256:" + "ab" * 32,
        shard_index=0,
        shard_count=4,
        levels=("bronze", "silver", "gold"),
        gate="warning",
        repositories=tuple(records),
    )
