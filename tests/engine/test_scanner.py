"""Which policies applied where (``record_evaluations``): every subject, not only Kubernetes objects."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conformance.model import ResourceId
from conformance.planning.plan import ScanRequest, execute_scan, prepare_scan

DOCKERFILE = "FROM python:3.12-slim@sha256:" + "0" * 64 + "\nUSER 1000\n"
WORKFLOW = """\
name: ci
on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: echo hi
"""
MANIFEST = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: web:1.0
"""
POLICIES = ("docker/non-root-user", "gha/job-timeout", "repo/readme", "k8s/no-host-network")


def git_repository(root: Path) -> Path:
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / "k8s").mkdir()
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / ".github" / "workflows" / "ci.yaml").write_text(WORKFLOW)
    (root / "k8s" / "web.yaml").write_text(MANIFEST)
    (root / "notes.yaml").write_text("just: data\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@x"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "init"], check=True, env=env)
    return root


def evaluations_of(path: Path, record: bool = True, stdin: bytes | None = None) -> list[tuple[object, ...]]:
    old = os.getcwd()
    os.chdir(path)
    try:
        request = ScanRequest(paths=("-",) if stdin is not None else (".",), enable=POLICIES)
        result = execute_scan(prepare_scan(request, record_evaluations=record), stdin)
    finally:
        os.chdir(old)
    return [(e.file, str(e.resource) if e.resource else None, e.target, e.policies) for e in result.evaluations]


def test_every_subject_records_the_policies_that_applied(tmp_path: Path) -> None:
    repository = git_repository(tmp_path / "repo")
    assert evaluations_of(repository) == [
        (".", None, "repository", ("repo/readme",)),
        (".github/workflows/ci.yaml", None, "yaml", ("gha/job-timeout",)),
        ("Dockerfile", None, "dockerfile", ("docker/non-root-user",)),
        # every object, even one no policy applies to (JUnit lists it as skipped)
        ("k8s/web.yaml", "Service/web", "kubernetes", ()),
        ("k8s/web.yaml", "Deployment/web", "kubernetes", ("k8s/no-host-network",)),
    ]


def test_nothing_is_recorded_unless_asked(tmp_path: Path) -> None:
    assert evaluations_of(git_repository(tmp_path / "repo"), record=False) == []


def test_rendered_objects_are_recorded_in_their_template(tmp_path: Path) -> None:
    rendered = b"---\n# Source: web/templates/deploy.yaml\n" + MANIFEST.split("---\n")[1].encode()
    assert evaluations_of(tmp_path, stdin=rendered) == [
        ("web/templates/deploy.yaml", "Deployment/web", "kubernetes", ("k8s/no-host-network",)),
    ]


def test_evaluation_keeps_its_old_shape() -> None:
    from conformance.model import Evaluation

    evaluation = Evaluation("a.yaml", ResourceId("Pod", "p"), ("k8s/x",))
    assert evaluation.target == "kubernetes"
    with pytest.raises(AttributeError):
        evaluation.file = "b.yaml"  # type: ignore[misc]
