"""conformance follows the repository, Dockerfile and workflow standards it ships (issue: self-scan in CI)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, need


def test_this_repository_passes_its_own_repo_docker_and_gha_packs() -> None:
    need(shutil.which("git") is not None and (REPO / ".git").exists(), "a git checkout of this project")
    executable = Path(sys.executable).with_name("conformance")
    completed = subprocess.run(
        [str(executable), "scan", ".", "--policy", "repo", "--policy", "docker", "--policy", "gha", "-f", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(completed.stdout)
    problems = [
        f"{f['location']['file']}:{f['location']['line']} {f['policy']} {f['message']}" for f in report["findings"]
    ]
    problems += [f"{e['location']['file']} {e['policy']} {e['message']}" for e in report["errors"]]
    assert completed.returncode == 0, "\n".join(problems) or completed.stderr
    ran = {policy["id"] for policy in report["policies"]}
    # every default repository policy ran (license and security-policy are opt-in, open-source only)
    assert {"repo/readme", "repo/codeowners", "repo/ci-config", "repo/pre-commit-config", "repo/gitignore"} <= ran
    assert {"repo/catalog-info", "repo/slo-defined", "repo/no-private-keys", "repo/no-large-files"} <= ran
    assert any(pid.startswith("gha/") for pid in ran) and any(pid.startswith("docker/") for pid in ran)
