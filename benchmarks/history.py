"""Time the org-scan history: append runs of N repositories and read the newest two back.

    python benchmarks/history.py                                  # 1,000 repositories x 50 findings, SQLite in /tmp
    python benchmarks/history.py --db postgresql://u:p@host/db    # an empty PostgreSQL database
    python benchmarks/history.py --repositories 200 --runs 5

Prints seconds per step and, for SQLite, the file size. Synthetic records (every repository with the same
shape): what is measured is the database, not a scan.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from conformance.history import append_run, display_url, list_runs, load_runs
from conformance.org.results import FindingRecord, PolicyOutcome, RepositoryResult, RunResult


def synthetic_run(index: int, repositories: int, findings: int, policies: int) -> RunResult:
    failing = min(10, policies)
    records = tuple(
        RepositoryResult(
            id=f"repo-{r:05d}",
            url=f"https://git.example.com/org/repo-{r:05d}.git",
            status="scanned",
            branch="main",
            commit=f"{r:040x}",
            team=f"team-{r % 20}",
            team_source="inventory",
            tags={"tier": str(r % 3)},
            exit_code=1,
            level="bronze",
            duration_seconds=1.0,
            policies=tuple(
                PolicyOutcome(f"k8s/policy-{p:02d}", "error", "fail" if p < failing else "pass", 5,
                              {"fail": findings // failing} if p < failing else {})
                for p in range(policies)
            ),
            findings=tuple(
                FindingRecord(f"{r}-{f}", f"k8s/policy-{f % failing:02d}", "error", "fail", f"message {f}",
                              f"k8s/file-{f}.yaml", f + 1, f"Deployment/default/app-{f}")
                for f in range(findings)
            ),
        )
        for r in range(repositories)
    )  # fmt: skip
    started = f"2026-01-01T{index:02d}:00:00Z"
    return RunResult(f"bench-{index}", started, started, "bench", "digest", repositories=records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="history URL (default: a new SQLite file in a temporary directory)")
    parser.add_argument("--repositories", type=int, default=1000)
    parser.add_argument("--findings", type=int, default=50, help="findings per repository")
    parser.add_argument("--policies", type=int, default=40, help="policy outcomes per repository")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'history.sqlite'}"
        print(f"{display_url(url)}: {args.runs} runs of {args.repositories} repositories, "
              f"{args.findings} findings and {args.policies} policy outcomes each")  # fmt: skip
        for index in range(args.runs):
            run = synthetic_run(index, args.repositories, args.findings, args.policies)
            start = time.perf_counter()
            append_run(url, run)
            print(f"append run {index + 1}: {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        runs = load_runs(url, limit=2)
        print(f"load the newest 2 runs: {time.perf_counter() - start:.2f} s "
              f"({sum(len(r.findings) for run in runs for r in run.repositories)} findings)")  # fmt: skip
        start = time.perf_counter()
        list_runs(url)
        print(f"list runs: {time.perf_counter() - start:.2f} s")
        if url.startswith("sqlite:///"):
            size = os.path.getsize(url.removeprefix("sqlite:///"))
            print(f"database size: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
