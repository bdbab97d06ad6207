"""The hooks in .pre-commit-hooks.yaml, run for real by pre-commit against this checkout (``try-repo``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, need

pytestmark = pytest.mark.slow

COMPLIANT = (FIXTURES / "examples" / "payments-compliant.yaml").read_text("utf-8")
DEPLOYMENT, PDB, SERVICE = COMPLIANT.split("\n---\n")


def test_hooks_file_declares_both_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"conformance", "conformance-repo", "conformance-validate-policies"}
    assert hooks["conformance"]["types_or"] == ["yaml", "json", "dockerfile"]
    assert hooks["conformance-repo"]["pass_filenames"] is False
    assert hooks["conformance-repo"]["always_run"] is True
    assert hooks["conformance-validate-policies"]["entry"].endswith(" --")


def _pre_commit() -> list[str]:
    executable = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    need(executable is not None and shutil.which("git") is not None, "pre-commit and git are installed")
    assert executable is not None
    return [executable]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "Dev")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "app.yaml").write_text(DEPLOYMENT + "\n")
    (repo / "deploy" / "pdb.yaml").write_text(PDB + "\n---\n" + SERVICE)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "start")
    return repo


def _try_repo(repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [*_pre_commit(), "try-repo", str(REPO), hook, "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_manifest_hook_fails_on_a_staged_violation_and_passes_once_fixed(
    project: Path, pre_commit_home: Path
) -> None:
    manifest = project / "deploy" / "app.yaml"
    token = "      automountServiceAccountToken: false"
    manifest.write_text(DEPLOYMENT.replace(token, "      hostNetwork: true\n" + token) + "\n")
    _git(project, "add", "deploy/app.yaml")

    failed = _try_repo(project, pre_commit_home, "conformance")
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0, output
    assert "deploy/app.yaml:" in output and "k8s/no-host-network" in output, output
    # The PodDisruptionBudget lives in a file that was not passed: --context . lets the policy see it.
    assert "k8s/pod-disruption-budget" not in output, output

    manifest.write_text(DEPLOYMENT + "\n")
    _git(project, "add", "deploy/app.yaml")
    passed = _try_repo(project, pre_commit_home, "conformance")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_repository_hook_checks_repository_standards(project: Path, pre_commit_home: Path) -> None:
    (project / ".env").write_text("DATABASE_PASSWORD=hunter2\n")  # repo/no-private-keys: an error
    failed = _try_repo(project, pre_commit_home, "conformance-repo")
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0, output
    assert ".env:1:1" in output and "repo/no-private-keys" in output, output
    assert "repo/readme" in output, output  # warnings are reported too
    assert "k8s/" not in output, output  # repository policies only

    (project / ".env").unlink()
    passed = _try_repo(project, pre_commit_home, "conformance-repo")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_validate_policies_hook_checks_staged_policy_files(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = tmp_path / "standards"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "Dev")
    subprocess.run(
        [str(Path(sys.executable).with_name("conformance")), "policies", "new", "acme/team-label", "--kind", "yaml"],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    policy = repo / "policies" / "acme" / "team-label.yaml"
    policy.write_text(policy.read_text().replace("severity: warning", "severity: fatal"))
    _git(repo, "add", ".")
    failed = _try_repo(repo, pre_commit_home, "conformance-validate-policies")
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0, output
    line = next(n for n, text in enumerate(policy.read_text().splitlines(), 1) if text.startswith("severity:"))
    assert f"policies/acme/team-label.yaml:{line}:1: error: field severity:" in output, output
    assert "1 policy checked: 0 valid, 1 invalid" in output, output  # the fixtures under tests/ are not passed

    policy.write_text(policy.read_text().replace("severity: fatal", "severity: warning"))
    _git(repo, "add", ".")
    passed = _try_repo(repo, pre_commit_home, "conformance-validate-policies")
    assert passed.returncode == 0, passed.stdout + passed.stderr
