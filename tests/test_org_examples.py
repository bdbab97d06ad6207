"""examples/org: the Kubernetes CronJob + Indexed Job and the scheduled GitHub Actions workflow pass
conformance's own policies, and run the org scan as agreed (shards, merge, report)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import yaml
from click.testing import CliRunner

from conformance.cli import cli
from conftest import REPO

EXAMPLES = REPO / "examples" / "org"
WORKFLOW = ".github/workflows/org-scan.yml"
MANIFESTS = "kubernetes/org-scan.yaml"


def platform_repository(tmp_path: Path) -> Path:
    """The examples as a platform team's repository holds them (workflows are checked at the root's
    .github/workflows, as GitHub runs them)."""
    root = tmp_path / "platform"
    shutil.copytree(EXAMPLES, root)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    return root


def test_examples_pass_the_builtin_policies(tmp_path: Path, monkeypatch: Any) -> None:
    root = platform_repository(tmp_path)
    monkeypatch.chdir(root)
    args = ["scan", WORKFLOW, MANIFESTS, "--config", "org-config.yaml", "--fail-on", "note"]
    plain = CliRunner().invoke(cli, args)
    assert plain.exit_code == 0, plain.output
    summary = CliRunner().invoke(cli, [*args, "-f", "summary-json"])
    assert summary.exit_code == 0, summary.output
    data = json.loads(summary.output)
    outcomes = {p["policy_id"]: p["outcome"] for p in data["policies"]}
    # the workflow policies really ran on the workflow (pass, not "not applicable")
    assert {pid: o for pid, o in outcomes.items() if pid.startswith("gha/")} == {
        "gha/actions-pinned": "pass",
        "gha/explicit-permissions": "pass",
        "gha/job-timeout": "pass",
        "gha/no-untrusted-checkout": "pass",
    }
    assert outcomes["k8s/run-as-non-root"] == outcomes["k8s/resource-requests"] == "pass"
    assert set(outcomes.values()) == {"pass", "not-applicable"}
    assert data["level"] == "gold"


def documents() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((EXAMPLES / MANIFESTS).read_text()))


def test_the_cronjob_drives_an_indexed_job_of_four_shards() -> None:
    scan, merge = (d for d in documents() if d["kind"] == "CronJob")
    job = scan["spec"]["jobTemplate"]["spec"]
    assert (job["completionMode"], job["completions"], job["parallelism"]) == ("Indexed", 4, 4)
    [container] = job["template"]["spec"]["containers"]
    args = container["args"]
    assert args[:3] == ["org", "scan", "/config/inventory.yaml"]
    assert args[args.index("--shard") + 1] == "env/4"
    assert args[args.index("--out") + 1] == "/runs/$(RUN_ID)"
    run_id = next(e for e in container["env"] if e["name"] == "RUN_ID")
    assert run_id["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.labels['batch.kubernetes.io/job-name']"
    [merger] = merge["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    script = merger["args"][0]
    assert "conformance org merge" in script and "conformance org report --format html" in script


def test_the_workflow_scans_a_matrix_of_shards_then_merges() -> None:
    workflow = yaml.safe_load((EXAMPLES / WORKFLOW).read_text())
    assert workflow[True]["schedule"] == [{"cron": "0 3 * * 1"}]  # YAML 1.1 reads the key `on` as true
    scan, merge = workflow["jobs"]["scan"], workflow["jobs"]["merge"]
    assert scan["strategy"]["matrix"]["shard"] == [0, 1, 2, 3]
    scan_run = next(s["run"] for s in scan["steps"] if s.get("name") == "Scan")
    assert "--shard ${{ matrix.shard }}/4" in scan_run
    upload = next(s for s in scan["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].endswith("shard-${{ matrix.shard }}-of-4.json")
    assert merge["needs"] == "scan"
    runs = " ".join(s.get("run", "") for s in merge["steps"])
    assert "conformance org merge" in runs and "conformance org report --format html" in runs
    download = next(s for s in merge["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["pattern"] == "shard-*"


def _org_commands() -> list[list[str]]:
    """Every ``conformance org ...`` command line of the examples, as arguments."""
    lines = []
    workflow = yaml.safe_load((EXAMPLES / WORKFLOW).read_text())
    for job in workflow["jobs"].values():
        lines += [s["run"].split("||")[0] for s in job["steps"] if "conformance org" in s.get("run", "")]
    scan, merge = (d for d in documents() if d["kind"] == "CronJob")
    lines.append(
        shlex.join(["conformance", *scan["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]])
    )
    script = merge["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    lines += [part for part in script.split("&&") if "conformance org" in part]
    commands = []
    for line in lines:
        words = shlex.split(line)
        commands.append(words[words.index("conformance") + 1 :])
    return commands


AGREED = {
    "scan": {
        "--out",
        "--config",
        "--cache-dir",
        "--shard",
        "--jobs",
        "--executor",
        "--db",
        "--no-history",
        "--timeout",
        "--repos-dir",
    },
    "merge": {"--out", "--db", "--allow-incomplete"},
    "report": {"--db", "--format", "-o"},
}


def test_the_examples_use_only_the_agreed_options() -> None:
    commands = _org_commands()
    assert sorted(c[1] for c in commands) == ["merge", "merge", "report", "report", "scan", "scan"]
    org = cli.commands.get("org") if isinstance(cli, click.Group) else None
    for command in commands:
        options = {word for word in command if word.startswith("-")}
        assert options <= AGREED[command[1]], command
        if isinstance(org, click.Group):  # the org commands are installed: their real options
            real = org.commands[command[1]]
            known = {name for param in real.params for name in getattr(param, "opts", ())}
            assert options <= known, command


def test_the_org_config_is_what_the_org_scan_reads() -> None:
    from conformance.config import load_config
    from conformance.org.settings import load_settings

    settings = load_settings(str(EXAMPLES / "org-config.yaml"))
    assert [level.name for level in settings.levels] == ["bronze", "silver", "gold"]
    assert (settings.gate, settings.allow_repository_waivers, settings.allow_inline_suppressions) == (
        "error",
        True,
        False,
    )
    assert load_config(EXAMPLES / "org-config.yaml").levels == settings.levels  # the plain scan's summary view
