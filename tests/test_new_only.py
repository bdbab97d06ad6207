"""``--changed-since REF --new-only``: findings already present at the merge base are baselined."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conftest import need

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{extra}  hostNetwork: true\n"
    "  containers: [{{name: a, image: x}}]\n"
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    need(shutil.which("git") is not None, "git is installed")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "dev@example.com")
    _git(tmp_path, "config", "user.name", "Dev")
    (tmp_path / "old.yaml").write_text(POD.format(extra=""))
    (tmp_path / "untouched.yaml").write_text(POD.format(extra="  hostIPC: true\n"))
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "start")
    _git(tmp_path, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _scan(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["scan", ".", "--policy", "k8s/no-host", "-f", "json", *args])
    return result.exit_code, json.loads(result.output)


def test_old_findings_are_baselined_and_new_ones_fail_even_across_a_rename(repo: Path) -> None:
    (repo / "old.yaml").write_text(POD.format(extra="  hostPID: true\n"))
    _git(repo, "mv", "old.yaml", "renamed.yaml")
    code, report = _scan("--changed-since", "main", "--new-only")
    statuses = {(f["location"]["file"], f["policy"]): f["status"] for f in report["findings"]}
    assert statuses == {
        ("renamed.yaml", "k8s/no-host-network"): "baselined",
        ("renamed.yaml", "k8s/no-host-pid"): "active",
    }
    assert code == 1
    baselined = next(f for f in report["findings"] if f["status"] == "baselined")
    assert baselined["suppression"]["reason"].startswith("present before the change")
    assert "fixed_baseline_entries" not in report


def test_a_change_that_only_keeps_old_findings_passes(repo: Path) -> None:
    (repo / "old.yaml").write_text("# a comment\n" + POD.format(extra=""))
    code, report = _scan("--changed-since", "main", "--new-only")
    assert code == 0
    assert [f["status"] for f in report["findings"]] == ["baselined"]


def test_new_only_needs_changed_since_and_excludes_a_baseline(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", ".", "--new-only"])
    assert result.exit_code == 2 and "--new-only needs --changed-since" in result.output
