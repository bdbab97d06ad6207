"""The whole org flow through the CLI: two scheduled scans of a fleet of real git remotes into the history
database (SQLite and PostgreSQL), then the report of both runs — levels, trend, changes, waivers, failures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gitrepos import CLEAN, HOST_NETWORK, push, remote

from conformance.cli import cli

ORG = """\
enable: [k8s/no-host-network, k8s/image-tag-pinned]
levels:
  - name: bronze
    policies: [k8s/no-host-network]
  - name: silver
    policies: [k8s/image-tag-pinned]
org:
  gate: error
"""
WAIVER = """\
waivers:
  - policy: k8s/no-host-network
    reason: moving off the node network
    owner: team-old
    expires: '2026-12-10'
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def make_fleet(tmp_path: Path) -> Path:
    legacy = HOST_NETWORK.replace("name: web", "name: legacy")
    urls = {
        "web": remote(tmp_path, "web", {"pod.yaml": HOST_NETWORK}),
        "api": remote(tmp_path, "api", {"pod.yaml": CLEAN.replace("nginx:1.27", "nginx:latest")}),
        "old": remote(tmp_path, "old", {"pod.yaml": legacy, ".conformance.yaml": WAIVER}),
    }
    lines = ["repositories:"] + [f"  - {{name: {n}, url: '{u}', team: t-{n}}}" for n, u in urls.items()]
    lines.append(f"  - {{name: gone, url: 'file://{tmp_path}/nothing.git', team: t-gone}}")
    (tmp_path / "inventory.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "org.yaml").write_text(ORG)
    return tmp_path


def org_scan(root: Path, run: str, db: str):
    return invoke(
        "org", "scan", str(root / "inventory.yaml"), "--config", str(root / "org.yaml"), "--out", str(root / run),
        "--cache-dir", str(root / "cache"), "--db", db, "-j", "2",
    )  # fmt: skip


def test_two_runs_into_the_history_and_their_report(tmp_path: Path, history_url: str) -> None:
    root = make_fleet(tmp_path)
    first = org_scan(root, "run1", history_url)
    assert first.exit_code == 2, first.output  # "gone" cannot be scanned
    push(root, "web", {"pod.yaml": CLEAN})  # the web team fixes its finding during the week
    second = org_scan(root, "run2", history_url)
    assert second.exit_code == 2, second.output
    assert "4 repositories (1 scanned, 2 reused, 1 failed)" in second.stderr

    listed = invoke("org", "history", "--db", history_url, "-f", "json")
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 2

    out = tmp_path / "report.json"
    written = invoke("org", "report", "--db", history_url, "-f", "json", "-o", str(out), "--today", "2026-12-02")
    assert written.exit_code == 0, written.output
    report = json.loads(out.read_text())
    assert [(p["passed"], p["applicable"], p["rate"]) for p in report["trend"]] == [(4, 6, 0.6667), (5, 6, 0.8333)]
    levels = {r["id"]: (r["status"], r["level"], r["level_change"]) for r in report["repositories"]}
    assert levels == {
        "api": ("reused", "bronze", "same"),
        "gone": ("failed", None, levels["gone"][2]),
        "old": ("reused", "silver", "same"),
        "web": ("scanned", "silver", "up"),
    }
    gone = next(r for r in report["repositories"] if r["id"] == "gone")
    assert gone["reason"].startswith("could not fetch: git fetch failed:")
    findings = {f["id"]: f for f in report["findings"]}
    fixed = [findings[i] for i in report["changes"]["fixed_findings"]]
    assert [(f["repository"], f["policy_id"]) for f in fixed] == [("web", "k8s/no-host-network")]
    assert report["changes"]["level_changes"] == [
        {"repository": "web", "before": None, "after": "silver", "direction": "up"}
    ]
    [waiver] = report["exemptions"]
    assert (waiver["repository"], waiver["owner"], waiver["state"], waiver["days_left"]) == (
        "old",
        "team-old",
        "expiring",
        8,
    )
    assert report["overall"]["waived"] == 1  # shown beside the score, never dropped

    page = tmp_path / "report.html"
    assert invoke("org", "report", "--db", history_url, "-o", str(page)).exit_code == 0
    html = page.read_text()
    for name in ("api", "gone", "old", "web", "team-old", "bronze", "silver"):
        assert name in html
