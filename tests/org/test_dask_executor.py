"""The Dask executor against a real ``distributed.LocalCluster`` (worker processes) started by the test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dask_tasks import Task, scan, task

from conformance.errors import ConformanceError
from conformance.org.dask_executor import DaskExecutor, scheduler_address
from conformance.org.results import FAILED, SCANNED, RepositoryResult


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    import dask
    from distributed import LocalCluster

    # one retry of a task whose worker died, so a lost worker becomes KilledWorker quickly; one task per worker
    # thread at a time, so a dying worker takes no bystander with it
    settings = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
    options = {"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    with dask.config.set(settings), LocalCluster(**options) as local:
        yield local.scheduler_address


def run(address: str, tasks: list[Task]) -> tuple[list[RepositoryResult], int]:
    seen: list[RepositoryResult] = []
    handed = DaskExecutor(address, function=scan).run(tasks, seen.append)
    return seen, handed


def test_every_task_runs_on_the_workers(cluster: str) -> None:
    tasks = [task(f"acme/repo-{i}", f"file:///srv/repo-{i}.git", team="payments") for i in range(12)]
    seen, handed = run(cluster, tasks)
    assert handed == len(seen) == 12
    assert sorted(r.id for r in seen) == sorted(t.entry.id for t in tasks)
    assert {r.status for r in seen} == {SCANNED}
    assert {r.team for r in seen} == {"payments"}
    pids = {r.tags["pid"] for r in seen}
    assert len(pids) >= 1 and str(__import__("os").getpid()) not in pids  # run in the worker processes


def test_an_exception_fails_only_its_repository(cluster: str) -> None:
    tasks = [
        task("a", "file:///a"),
        task("raises", "https://user:s3cret@git.example/x.git", "web"),
        task("b", "file:///b"),
    ]
    seen, _ = run(cluster, tasks)
    by_id = {r.id: r for r in seen}
    assert (by_id["a"].status, by_id["b"].status) == (SCANNED, SCANNED)
    failed = by_id["raises"]
    assert failed.status == FAILED
    assert failed.url == "https://***@git.example/x.git"
    assert failed.reason == "the scan raised on the Dask worker: RuntimeError: boom at https://***@git.example/x.git"
    assert (failed.branch, failed.team, failed.team_source, failed.tags, failed.exit_code) == (
        "main",
        "web",
        "inventory",
        {"tier": "1"},
        2,
    )


def test_a_result_that_is_not_one_is_a_failure(cluster: str) -> None:
    [result] = run(cluster, [task("garbage", "file:///g")])[0]
    assert (result.status, result.reason) == (FAILED, "the scan returned str, not a repository result")


def test_a_lost_worker_fails_only_its_repository(cluster: str) -> None:
    tasks = [task("dies", "file:///d"), *(task(f"ok-{i}", f"file:///ok-{i}") for i in range(4))]
    seen, _ = run(cluster, tasks)
    by_id = {r.id: r for r in seen}
    assert len(seen) == 5
    assert by_id["dies"].status == FAILED
    assert by_id["dies"].reason == "the Dask worker running this repository's scan died (out of memory or crashed)"
    assert [by_id[f"ok-{i}"].status for i in range(4)] == [SCANNED] * 4
    # the cluster recovered: the next run completes
    assert {r.status for r in run(cluster, [task("after", "file:///after")])[0]} == {SCANNED}


def test_no_tasks_no_connection() -> None:
    assert DaskExecutor("tcp://127.0.0.1:1", function=scan).run([], print) == 0


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import conformance.org.dask_executor as module

    monkeypatch.setattr(module, "CONNECT_TIMEOUT", 2.0)
    with pytest.raises(ConformanceError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        DaskExecutor("dask://127.0.0.1:9", function=scan).run([task("a", "file:///a")], print)


def test_a_flat_task_names_its_repository_too() -> None:
    from dataclasses import dataclass

    from conformance.org.dask_executor import failed_result

    @dataclass(frozen=True)
    class Flat:
        id: str
        url: str

    result = failed_result(Flat("acme/x", "https://u:p@h/x.git"), "lost")
    assert (result.id, result.url, result.status, result.reason) == ("acme/x", "https://***@h/x.git", FAILED, "lost")


def test_addresses() -> None:
    assert scheduler_address("dask://scheduler:8786") == "tcp://scheduler:8786"
    assert scheduler_address("tls://scheduler:8786") == "tls://scheduler:8786"


def _bare_repository(root: Path, name: str, manifest: str) -> str:
    import subprocess

    work = root / "work" / name
    work.mkdir(parents=True)
    (work / "deploy.yaml").write_text(manifest)
    (work / "README.md").write_text(f"# {name}\n\nWhat {name} does.\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(work), "commit", "-qm", "init"], check=True, env={**os.environ, **env})
    bare = root / "bare" / f"{name}.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    return bare.as_uri()


def test_org_scan_on_the_cluster(cluster: str, tmp_path: Path) -> None:
    """``conformance org scan --executor dask://HOST:PORT``: the runner's task on the cluster's workers."""
    from click.testing import CliRunner

    from conformance.cli import cli
    from conformance.org.results import RunResult

    clean = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n"
    host = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n  hostNetwork: true\n"
    host += "  containers: [{name: c, image: c:1}]\n"
    urls = [_bare_repository(tmp_path, "clean", clean), _bare_repository(tmp_path, "host", host)]
    missing = (tmp_path / "nowhere.git").as_uri()
    inventory = tmp_path / "inventory.yaml"
    lines = ["repositories:"]
    for name, url in (("acme/clean", urls[0]), ("acme/host", urls[1]), ("acme/missing", missing)):
        lines += [f"  - name: {name}", f"    url: {url}", "    team: payments"]
    inventory.write_text("\n".join(lines) + "\n")
    address = "dask://" + cluster.removeprefix("tcp://")
    args = ["org", "scan", str(inventory), "--out", str(tmp_path / "run"), "--cache-dir", str(tmp_path / "cache")]
    result = CliRunner().invoke(cli, [*args, "--executor", address, "--no-history"])
    assert result.exit_code == 2, result.output  # one repository could not be fetched
    run = RunResult.from_dict(json.loads((tmp_path / "run" / "shard-0-of-1.json").read_text()))
    by_id = {r.id: r for r in run.repositories}
    assert {i: r.status for i, r in by_id.items()} == {
        "acme/clean": "scanned",
        "acme/host": "scanned",
        "acme/missing": "failed",
    }
    outcome = {p.policy_id: p.outcome for p in by_id["acme/host"].policies}
    assert outcome["k8s/no-host-network"] == "fail"
    assert {p.policy_id: p.outcome for p in by_id["acme/clean"].policies}["k8s/no-host-network"] == "not-applicable"
