"""Kustomize patches are partial objects: never checked on their own, whichever way the scan meets them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conformance.planning.kustomize import patch_paths

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""
ARGS_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        args: ["--verbose"]
"""
KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../base
patches:
- path: args.yaml
- patch: |-
    - op: replace
      path: /spec/replicas
      value: 3
  target: {kind: Deployment}
patchesStrategicMerge:
- legacy.yaml
patchesJson6902:
- path: json6902.yaml
  target: {group: apps, version: v1, kind: Deployment, name: web}
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q", "."], check=True)
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "deployment.yaml").write_text(DEPLOYMENT)
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(KUSTOMIZATION)
    for name in ("args.yaml", "legacy.yaml", "json6902.yaml", "not-a-patch.yaml"):
        (overlay / name).write_text(ARGS_PATCH)
    return tmp_path


def _files_with_findings(*paths: str) -> set[str]:
    result = CliRunner().invoke(cli, ["scan", "-f", "json", "--target", "kubernetes", *paths], catch_exceptions=False)
    document = json.loads(result.stdout)
    assert document["errors"] == []
    return {f["location"]["file"] for f in document["findings"]}


def test_patches_are_not_checked_as_objects_but_everything_else_is(tree: Path) -> None:
    assert _files_with_findings(".") == {"base/deployment.yaml", "overlay/not-a-patch.yaml"}


def test_a_patch_given_alone_is_known_as_one(tree: Path) -> None:
    assert _files_with_findings("overlay/args.yaml", "overlay/legacy.yaml") == set()
    assert _files_with_findings("overlay/not-a-patch.yaml") == {"overlay/not-a-patch.yaml"}


def test_patch_entries_name_files_but_inline_patches_are_skipped() -> None:
    import yaml

    assert patch_paths(yaml.safe_load(KUSTOMIZATION)) == ["args.yaml", "legacy.yaml", "json6902.yaml"]
    assert patch_paths({"patches": "args.yaml", "patchesStrategicMerge": [{"path": 3}, "a\nb: 1"]}) == []
