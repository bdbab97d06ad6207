"""Cross-resource policies join objects of one project only: two work trees scanned together stay apart."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from conformance.cli import cli

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: shop/web:1.0
"""


def _endpoints_findings(*paths: str) -> list[str]:
    result = CliRunner().invoke(
        cli, ["scan", "-f", "json", "--policy", "k8s/service-has-endpoints", *paths], catch_exceptions=False
    )
    return [f["location"]["file"] for f in json.loads(result.stdout)["findings"]]


def test_a_service_is_not_served_by_pods_of_another_repository(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in (("shop", SERVICE), ("other", DEPLOYMENT)):
        (tmp_path / name).mkdir()
        subprocess.run(["git", "init", "-q", name], check=True)
        (tmp_path / name / "app.yaml").write_text(text)
    assert _endpoints_findings("shop", "other") == ["shop/app.yaml"]
    (tmp_path / "shop" / "deploy.yaml").write_text(DEPLOYMENT)
    assert _endpoints_findings("shop", "other") == []


def test_outside_any_work_tree_what_one_run_scans_is_one_project(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "service.yaml").write_text(SERVICE)
    (tmp_path / "b" / "deploy.yaml").write_text(DEPLOYMENT)
    assert _endpoints_findings("a", "b") == []
    assert _endpoints_findings("a") == ["a/service.yaml"]
