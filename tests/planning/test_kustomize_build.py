"""--render-kustomize: overlays are built with the real kubectl (or kustomize) and findings name source files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conftest import need

BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
"""
OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: prod-
resources:
- ../base
patches:
- path: host-network.yaml
"""
PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: true
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    need(shutil.which("kubectl") is not None or shutil.which("kustomize") is not None, "kubectl or kustomize")
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q", "."], check=True)
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "deployment.yaml").write_text(BASE)
    (tmp_path / "base" / "kustomization.yaml").write_text("resources:\n- deployment.yaml\n")
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "kustomization.yaml").write_text(OVERLAY)
    (tmp_path / "prod" / "host-network.yaml").write_text(PATCH)
    return tmp_path


def _scan(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["scan", "-f", "json", "--target", "kubernetes", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def test_the_overlay_is_built_and_findings_name_the_base_file(tree: Path) -> None:
    code, document = _scan(".", "--render-kustomize")
    assert code == 1 and document["errors"] == []
    where = {(f["policy"], f["location"]["file"], f["location"]["line"]) for f in document["findings"]}
    # a value the patch added: in the file the object comes from, at the nearest parent written there
    assert ("k8s/no-host-network", "base/deployment.yaml", 7) in where
    # a value of the base: exactly where it is written
    assert ("k8s/image-tag-pinned", "base/deployment.yaml", 10) in where
    resources = {f["resource"]["name"] for f in document["findings"]}
    assert resources == {"prod-web"}  # the base is checked through the overlay, not again on its own
    assert not any("annotations" in f["path"] for f in document["findings"])


def test_without_the_flag_the_base_is_checked_as_written(tree: Path) -> None:
    code, document = _scan(".")
    assert code == 1
    assert {f["resource"]["name"] for f in document["findings"]} == {"web"}
    assert not any(f["policy"] == "k8s/no-host-network" for f in document["findings"])


def test_a_remote_base_is_never_fetched_and_fails_the_build(tree: Path) -> None:
    (tree / "prod" / "kustomization.yaml").write_text(
        OVERLAY.replace("- ../base", "- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0")
    )
    code, document = _scan("prod", "--render-kustomize")
    assert code == 2
    (error,) = document["errors"]
    assert error["policy"] == "conformance/kustomize-build-error"
    assert error["location"]["file"] == "prod/kustomization.yaml"
