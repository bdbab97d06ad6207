"""``--format summary`` and ``summary-json``: golden files, the same numbers as the org outcomes, the CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from reporter_samples import FRONTEND, HOST_NETWORK, LABELS, PROBES, WORKER, check_golden, error, finding

from conformance.cli import cli
from conformance.levels import Level
from conformance.model import POLICY_ERROR, Evaluation, Location, PolicyInfo, ScanResult, ScanStats, Suppression
from conformance.org.outcomes import summarize
from conformance.reporters import ReportOptions, summary, summary_json
from conformance.store import store_of

DOCKER_USER = PolicyInfo(
    "docker/non-root-user", "Images run as a non-root user", "error", "security", ("baseline",), "", "", ""
)
README = PolicyInfo("repo/readme", "A README", "warning", "hygiene", ("hygiene",), "", "", "")
LEVELS = (
    Level("bronze", ("k8s/no-host-network", "docker")),
    Level("silver", (), ("reliability",)),
    Level("gold", ("repo/readme", "repo/codeowners")),
)


def result() -> ScanResult:
    """Two objects and the repository: host-network fails once and is waived once, the probe policy is
    suppressed and then crashes, labels pass, no Dockerfile, README passes."""
    waived = replace(
        finding(HOST_NETWORK, "worker shares the node's network", Location("k8s/worker.yaml", 7, 5), WORKER, "h"),
        suppression=Suppression("waiver", "metrics agent", "@acme/platform", "2099-01-01", ".conformance.yaml:3"),
    )
    suppressed = replace(
        finding(PROBES, "no readinessProbe", Location("k8s/worker.yaml", 9, 9), WORKER, "c"),
        suppression=Suppression("inline", "batch job", source="k8s/worker.yaml:8"),
    )
    findings = [
        finding(HOST_NETWORK, "frontend shares the node's network", Location("k8s/shop.yaml", 17, 7), FRONTEND, "h"),
        waived,
        suppressed,
    ]
    crash = replace(
        error(POLICY_ERROR, "policy k8s/readiness-probe failed", Location("k8s/shop.yaml", 1, 1), FRONTEND),
        path="k8s/readiness-probe",
    )
    evaluations = (
        Evaluation(".", None, ("repo/readme",), "repository"),
        Evaluation("k8s/shop.yaml", FRONTEND, ("k8s/no-host-network", "k8s/readiness-probe", "k8s/required-labels")),
        Evaluation("k8s/worker.yaml", WORKER, ("k8s/no-host-network", "k8s/readiness-probe", "k8s/required-labels")),
    )
    return ScanResult(
        (HOST_NETWORK, PROBES, LABELS, DOCKER_USER, README),
        store_of(findings),
        (crash,),
        ScanStats(files=2, documents=2, resources=2, duration_seconds=0.1),
        evaluations=evaluations,
    )


def render(module, levels=LEVELS) -> str:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    module.render(result(), stream, False, ReportOptions(levels=levels))
    return stream.getvalue()


def test_golden_text() -> None:
    check_golden("sample.summary.txt", render(summary))


def test_golden_json() -> None:
    check_golden("sample.summary.json", render(summary_json))


def test_numbers_are_the_org_outcomes() -> None:
    data = json.loads(render(summary_json))
    outcomes, _ = summarize(result())
    assert data["policies"] == [o.to_dict() for o in outcomes]
    assert {p["policy_id"]: p["outcome"] for p in data["policies"]} == {
        "docker/non-root-user": "not-applicable",
        "k8s/no-host-network": "fail",
        "k8s/readiness-probe": "error",
        "k8s/required-labels": "pass",
        "repo/readme": "pass",
    }
    assert data["total"] == {
        "policies": 5,
        "pass": 2,
        "fail": 1,
        "not-applicable": 1,
        "error": 1,
        "suppressed": 1,
        "waived": 1,
        "baselined": 0,
    }
    assert data["profiles"][0] == {
        "profile": "baseline",
        "policies": 2,
        "pass": 0,
        "fail": 1,
        "not-applicable": 1,
        "error": 0,
        "suppressed": 0,
        "waived": 1,
        "baselined": 0,
    }
    # bronze fails on host-network; gold names repo/codeowners, which did not run
    assert data["level"] is None
    assert data["levels"] == [
        {"name": "bronze", "reached": False, "blockers": ["k8s/no-host-network"]},
        {"name": "silver", "reached": False, "blockers": ["k8s/readiness-probe"]},
        {"name": "gold", "reached": False, "blockers": ["repo/codeowners"]},
    ]


def test_without_levels_the_view_says_so() -> None:
    text = render(summary, levels=())
    assert text.endswith(
        "5 policies: 2 pass, 1 fail, 1 not applicable, 1 error (1 suppressed, 1 waived, 0 baselined)\n"
        "Level: no levels configured (a `levels:` list in the configuration defines them)\n"
    )
    assert "blocked by" not in text


def _repository(root: Path) -> Path:
    (root / "k8s").mkdir(parents=True)
    (root / "k8s" / "app.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  hostNetwork: true\n"
        "  containers: [{name: app, image: app:1}]\n"
    )
    (root / "README.md").write_text("# app\n\nWhat it does.\n")
    (root / "org.yaml").write_text(
        "levels:\n  - name: bronze\n    policies: [repo/readme]\n"
        "  - name: silver\n    policies: [k8s/no-host-network]\n"
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    return root


def test_cli_summary_of_a_repository(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    old = os.getcwd()
    os.chdir(root)
    try:
        args = ["scan", ".", "--config", "org.yaml", "--policy", "k8s/no-host-network", "--policy", "repo/readme"]
        text = CliRunner().invoke(cli, [*args, "-f", "summary"])
        data = CliRunner().invoke(cli, [*args, "-f", "summary-json"])
    finally:
        os.chdir(old)
    assert text.exit_code == 1, text.output  # the exit code is the scan's
    assert text.output.endswith(
        "2 policies: 1 pass, 1 fail, 0 not applicable, 0 error (0 suppressed, 0 waived, 0 baselined)\n"
        "Level: bronze\nNext: silver, blocked by k8s/no-host-network\n"
    )
    summary_data = json.loads(data.output)
    assert [(p["policy_id"], p["outcome"], p["applicable"]) for p in summary_data["policies"]] == [
        ("k8s/no-host-network", "fail", 1),
        ("repo/readme", "pass", 1),
    ]
    assert summary_data["level"] == "bronze"


def test_summary_as_an_extra_report(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    out = tmp_path / "summary.json"
    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(
            cli, ["scan", ".", "--config", "org.yaml", "--policy", "repo/readme", "--report", f"summary-json={out}"]
        )
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["level"] == "bronze"  # silver's policy is not selected: it did not run


def test_hostile_ids_are_inert() -> None:
    evil = PolicyInfo("x/\x1b[31mred\n::error::pwned\u202e", "t", "error", "c", ("p\x1b]8;;x",), "", "", "")
    hostile = ScanResult((evil,), store_of([]), (), evaluations=(Evaluation(".", None, (evil.id,), "repository"),))
    stream = io.StringIO()
    summary.render(hostile, stream, False, ReportOptions(levels=(Level("a", (evil.id,)),)))
    text = stream.getvalue()
    assert "pwned" in text
    for character in ("\x1b", "\u202e"):
        assert character not in text
    assert not any(line.startswith("::error::") for line in text.splitlines())
    data = io.StringIO()
    summary_json.render(replace(hostile, policies=(replace(evil, id="x/<script>"),)), data, False, ReportOptions())
    assert "<script" not in data.getvalue()
