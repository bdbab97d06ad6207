from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "org"))
from gitrepos import CLEAN, HOST_NETWORK, remote, work_tree

from conformance.cli import cli
from conformance.org.results import RunResult

ORG = "enable: [k8s/no-host-network, k8s/image-tag-pinned]\norg:\n  gate: {gate}\n"
LATEST = CLEAN.replace("nginx:1.27", "nginx:latest")  # k8s/image-tag-pinned: a warning


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def fleet(tmp_path: Path, repositories: dict[str, dict[str, str]], gate: str = "error") -> tuple[str, str]:
    lines = ["repositories:"]
    for name, files in repositories.items():
        url = remote(tmp_path, name, files) if files else f"file://{tmp_path}/missing/{name}.git"
        lines.append(f"  - {{name: {name}, url: '{url}', team: t-{name}}}")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text("\n".join(lines) + "\n")
    org = tmp_path / "org.yaml"
    org.write_text(ORG.format(gate=gate))
    return str(inventory), str(org)


def scan(tmp_path: Path, inventory: str, org: str, *extra: str, env: dict[str, str] | None = None):
    return invoke(
        "org", "scan", inventory, "--config", org, "--out", str(tmp_path / "run"),
        "--cache-dir", str(tmp_path / "cache"), "--no-history", "-j", "2", *extra, env=env,
    )  # fmt: skip


def read_run(path: Path) -> RunResult:
    return RunResult.from_dict(json.loads(path.read_text()))


def test_exit_codes_clean_violations_and_unscannable(tmp_path: Path) -> None:
    inventory, org = fleet(tmp_path, {"web": {"pod.yaml": CLEAN}, "tagged": {"pod.yaml": LATEST}})
    result = scan(tmp_path, inventory, org)
    assert result.exit_code == 0, result.output
    run = read_run(tmp_path / "run" / "shard-0-of-1.json")
    assert [(r.id, r.status, r.team) for r in run.repositories] == [
        ("tagged", "scanned", "t-tagged"),
        ("web", "scanned", "t-web"),
    ]
    assert (run.shard_index, run.shard_count, run.gate) == (0, 1, "error")
    assert "[2/2]" in result.stderr and "2 repositories (2 scanned, 0 reused, 0 failed)" in result.stderr

    (tmp_path / "org.yaml").write_text(ORG.format(gate="warning"))
    assert scan(tmp_path, inventory, org).exit_code == 1  # the warning is at the gate now

    inventory, org = fleet(tmp_path / "second", {"host": {"pod.yaml": HOST_NETWORK}, "gone": {}})
    result = scan(tmp_path / "second", inventory, org)
    assert result.exit_code == 2
    run = read_run(tmp_path / "second" / "run" / "shard-0-of-1.json")
    assert [(r.id, r.status) for r in run.repositories] == [("gone", "failed"), ("host", "scanned")]
    assert "gone failed: could not fetch: git fetch failed:" in result.stderr


def test_shards_then_merge_give_the_whole_run_and_a_missing_shard_is_refused(tmp_path: Path) -> None:
    repositories = {f"svc-{i}": {"pod.yaml": HOST_NETWORK if i % 2 else CLEAN} for i in range(5)}
    inventory, org = fleet(tmp_path, repositories)
    for index in range(3):
        env = {"JOB_COMPLETION_INDEX": str(index), "CONFORMANCE_RUN_ID": "week-48"}
        scan(tmp_path, inventory, org, "--shard", "env/3", env=env)
    shards = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert shards == ["shard-0-of-3.json", "shard-1-of-3.json", "shard-2-of-3.json"]
    merged = invoke("org", "merge", str(tmp_path / "run"), "--out", str(tmp_path / "merged"), "--no-history")
    assert merged.exit_code == 1, merged.output
    run = read_run(tmp_path / "merged" / "run.json")
    assert (run.run_id, [r.id for r in run.repositories]) == ("week-48", sorted(repositories))
    (tmp_path / "run" / "shard-1-of-3.json").unlink()
    refused = invoke("org", "merge", str(tmp_path / "run"), "--out", str(tmp_path / "merged"), "--no-history")
    assert refused.exit_code == 2
    assert "missing 1 of 3 shards: shard-1-of-3.json" in refused.stderr
    allowed = invoke(
        "org", "merge", str(tmp_path / "run"), "--out", str(tmp_path / "m2"), "--no-history", "--allow-incomplete"
    )
    assert allowed.exit_code in (0, 1) and len(read_run(tmp_path / "m2" / "run.json").repositories) < 5


def test_repos_dir_and_usage_errors(tmp_path: Path) -> None:
    work_tree(tmp_path / "fleet" / "api", {"pod.yaml": CLEAN})
    org = tmp_path / "org.yaml"
    org.write_text(ORG.format(gate="error"))
    args = ("--config", str(org), "--out", str(tmp_path / "run"), "--cache-dir", str(tmp_path / "c"), "--no-history")
    result = invoke("org", "scan", "--repos-dir", str(tmp_path / "fleet"), *args)
    assert result.exit_code == 0, result.output
    assert [r.id for r in read_run(tmp_path / "run" / "shard-0-of-1.json").repositories] == ["api"]
    missing = invoke("org", "scan", *args)
    assert (missing.exit_code, missing.stderr) == (
        2,
        "conformance: error: org scan: give an INVENTORY file, --repos-dir DIR, or both\n",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("repositories:\n  - url: 'ext::sh -c id'\n")
    refused = invoke("org", "scan", str(bad), *args)
    assert refused.exit_code == 2
    assert f"{bad}:2: key repositories[0].url: ext::sh -c id: transport::address URLs" in refused.stderr
    org.write_text("org:\n  gate: fatal\n")
    assert (
        "key org.gate: 'fatal' is not one of ['error', 'warning', 'note']"
        in invoke("org", "scan", str(bad), *args).stderr
    )
    org.write_text("enable: [k8s/nope]\n")
    assert "enable: 'k8s/nope' matches no known policy" in invoke("org", "scan", str(bad), *args).stderr


@pytest.mark.parametrize("shard", ["2/2", "x/2"])
def test_a_bad_shard_is_a_usage_error(tmp_path: Path, shard: str) -> None:
    inventory, org = fleet(tmp_path, {})
    result = scan(tmp_path, inventory, org, "--shard", shard)
    assert result.exit_code == 2 and "--shard" in result.stderr


def test_a_level_over_an_unknown_policy_stops_the_run_before_any_repository(tmp_path: Path) -> None:
    inventory, org = fleet(tmp_path, {"web": {"pod.yaml": CLEAN}})
    Path(org).write_text(ORG.format(gate="error") + "levels:\n  - name: bronze\n    policies: [k8s/no-host-netwrk]\n")
    result = scan(tmp_path, inventory, org)
    assert result.exit_code == 2
    assert f"{org}:6: key levels[0].policies[0]:" in result.stderr and "k8s/no-host-netwrk" in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_wrong_history_url_is_said_before_any_repository_is_fetched(tmp_path: Path) -> None:
    inventory, org = fleet(tmp_path, {"web": {"pod.yaml": CLEAN}})
    result = invoke(
        "org", "scan", inventory, "--config", org, "--out", str(tmp_path / "run"),
        "--cache-dir", str(tmp_path / "cache"), "--db", "postgresql://u:hunter2@db:port/x",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "conformance: error: postgresql://***@db:port/x: not a database URL (sqlite:///FILE or postgresql://...)\n"
    )
    assert not (tmp_path / "cache").exists() and not (tmp_path / "run").exists()
