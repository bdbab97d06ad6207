"""Partial scans and cross-resource policies: ``--context DIR`` and ``--changed-since`` look the rest up.

The compliant payments example is split in three files: the Deployment (3 replicas), its PodDisruptionBudget
and its Service. Scanning the Deployment alone cannot see the budget; with the other files as context it can,
and nothing in the context files is ever reported.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli
from conformance.engine import FileScanner
from conformance.inputs import InputFile
from conftest import FIXTURES, need

DEPLOYMENT, PDB, SERVICE = (FIXTURES / "examples" / "payments-compliant.yaml").read_text().split("\n---\n")
PDB_ID = "k8s/pod-disruption-budget"
MIN_REPLICAS = "k8s/min-replicas"

NOISY_CONTEXT = """\
apiVersion: v1
kind: Pod
metadata:
  name: noisy
  namespace: payments
spec:
  hostNetwork: true
  containers:
    - name: c
      image: nginx:latest
---
apiVersion: v1
kind: Service
metadata:
  name: orphan
  namespace: payments
spec:
  selector:
    app: nobody
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lonely
  namespace: payments
spec:
  replicas: 5
  selector:
    matchLabels: {app: lonely}
  template:
    metadata:
      labels: {app: lonely}
    spec:
      containers:
        - name: c
          image: nginx:latest
"""
"""Context that would give findings of every kind (single-resource and cross-resource) if it were scanned."""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "deployment.yaml").write_text(DEPLOYMENT + "\n")
    (tmp_path / "platform").mkdir()
    (tmp_path / "platform" / "pdb.yaml").write_text(PDB + "\n")
    (tmp_path / "platform" / "service.yaml").write_text(SERVICE)
    (tmp_path / "platform" / "noisy.yaml").write_text(NOISY_CONTEXT)
    (tmp_path / "platform" / "broken.yaml").write_text("kind: [\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--no-color", *args], catch_exceptions=False)


def report(*args: str) -> tuple[int, dict]:
    result = scan("-f", "json", "--fail-on", "note", *args)
    return result.exit_code, json.loads(result.stdout)


def policies_of(document: dict) -> set[str]:
    return {f["policy"] for f in document["findings"]} | {e["policy"] for e in document["errors"]}


def test_the_split_example_is_clean_when_scanned_whole(project: Path) -> None:
    code, document = report("apps", "platform/pdb.yaml", "platform/service.yaml")
    assert (code, document["findings"], document["errors"]) == (0, [], [])


def test_the_deployment_alone_lacks_its_budget(project: Path) -> None:
    code, document = report("apps/deployment.yaml")
    assert code == 1
    [finding] = document["findings"]
    assert finding["policy"] == PDB_ID
    assert finding["location"]["file"] == "apps/deployment.yaml"
    assert finding["resource"]["name"] == "payments"


def test_context_supplies_the_budget_and_is_not_reported(project: Path) -> None:
    code, document = report("apps/deployment.yaml", "--context", "platform")
    assert code == 0, document
    assert document["findings"] == [] and document["errors"] == []
    assert document["stats"]["files"] == 1 and document["stats"]["resources"] == 1
    text = scan("apps/deployment.yaml", "--context", "platform", "--fail-on", "note")
    assert text.exit_code == 0
    assert text.stdout.startswith("0 violations; 1 file, 1 resource scanned")


def test_context_can_hold_the_scanned_file_itself(project: Path) -> None:
    """The pre-commit hook runs ``conformance scan --context . FILES``: the files are in the context too."""
    code, document = report("apps/deployment.yaml", "--context", ".")
    assert code == 0, document
    assert document["findings"] == [] and document["errors"] == []


def test_context_without_the_budget_changes_nothing(project: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, document = report("apps/deployment.yaml", "--context", "empty")
    assert code == 1
    assert policies_of(document) == {PDB_ID}


def test_context_in_another_namespace_does_not_count(project: Path) -> None:
    other = project / "other-ns"
    other.mkdir()
    (other / "pdb.yaml").write_text(PDB.replace("namespace: payments", "namespace: elsewhere"))
    _, document = report("apps/deployment.yaml", "--context", "other-ns")
    assert policies_of(document) == {PDB_ID}


def test_context_serves_a_service_and_an_autoscaler(project: Path) -> None:
    """The other direction (a scanned Service, its workload in the context) and min-replicas' autoscaler."""
    _, alone = report("platform/service.yaml")
    assert policies_of(alone) == {"k8s/service-has-endpoints"}
    code, served = report("platform/service.yaml", "--context", "apps")
    assert (code, served["findings"]) == (0, [])

    single = project / "single"
    single.mkdir()
    (single / "deployment.yaml").write_text(DEPLOYMENT.replace("replicas: 3", "replicas: 1") + "\n")
    hpa = project / "hpa"
    hpa.mkdir()
    (hpa / "hpa.yaml").write_text(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: payments\n"
        "  namespace: payments\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: payments}\n"
        "  minReplicas: 3\n  maxReplicas: 6\n"
    )
    _, without = report("single/deployment.yaml")
    assert policies_of(without) == {MIN_REPLICAS}
    _, with_hpa = report("single/deployment.yaml", "--context", "hpa")
    assert MIN_REPLICAS not in policies_of(with_hpa)


def test_context_must_be_an_existing_directory(project: Path) -> None:
    assert scan("apps/deployment.yaml", "--context", "missing").exit_code == 2
    assert scan("apps/deployment.yaml", "--context", "platform/pdb.yaml").exit_code == 2


# ---------------------------------------------------------------------------------------------------------------
# --changed-since: the unchanged rest of the scanned tree is the context


# (--target kubernetes: "." is now a repository root, and repository policies would check it as a whole)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)


def test_changed_since_looks_up_unchanged_files(project: Path) -> None:
    need(shutil.which("git") is not None, "git is not installed")
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.email", "test@example.com")
    git(project, "config", "user.name", "Test")
    git(project, "config", "commit.gpgsign", "false")
    (project / "platform" / "broken.yaml").unlink()
    (project / "platform" / "noisy.yaml").unlink()
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "feature")
    deployment = project / "apps" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("cpu: 250m", "cpu: 500m"))
    git(project, "commit", "-q", "-am", "more cpu")

    code, document = report(".", "--changed-since", "main", "--target", "kubernetes")
    assert code == 0, document
    assert document["findings"] == [] and document["stats"]["files"] == 1
    # the control: without the unchanged files, the budget is missing
    _, alone = report("apps/deployment.yaml")
    assert policies_of(alone) == {PDB_ID}


def test_changed_since_does_not_report_unchanged_files(project: Path) -> None:
    need(shutil.which("git") is not None, "git is not installed")
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.email", "test@example.com")
    git(project, "config", "user.name", "Test")
    git(project, "config", "commit.gpgsign", "false")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "feature")
    deployment = project / "apps" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + "# touched\n")
    code, document = report(".", "--changed-since", "main", "--target", "kubernetes")
    assert code == 0, document  # noisy.yaml and broken.yaml are unchanged: neither findings nor errors
    assert document["findings"] == [] and document["errors"] == []


# ---------------------------------------------------------------------------------------------------------------
# Context files are read only when needed


@pytest.fixture
def context_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every call of FileScanner.scan_context, as the display paths of the files it was given."""
    calls: list[list[str]] = []
    original = FileScanner.scan_context

    def spy(self: FileScanner, files: Sequence[InputFile]):  # type: ignore[no-untyped-def]
        calls.append(sorted(item.display for item in files))
        return original(self, files)

    monkeypatch.setattr(FileScanner, "scan_context", spy)
    return calls


def test_context_is_read_when_a_scanned_object_is_a_subject(project: Path, context_reads: list[list[str]]) -> None:
    code, _ = report("apps/deployment.yaml", "--context", ".")
    assert code == 0
    [files] = context_reads
    assert "platform/pdb.yaml" in files
    assert "apps/deployment.yaml" not in files  # the scanned file is not read twice


def test_context_is_not_read_without_a_cross_resource_subject(project: Path, context_reads: list[list[str]]) -> None:
    (project / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: x\n")
    (project / "pod.yaml").write_text(NOISY_CONTEXT.split("\n---\n")[0] + "\n")
    code, _ = report("cm.yaml", "--context", "platform")
    assert code == 0
    code, document = report("pod.yaml", "--context", "platform")  # a Pod is a fact for others, not a subject
    assert code == 1 and PDB_ID not in policies_of(document)
    assert context_reads == []


def test_context_is_not_read_without_cross_resource_policies(
    project: Path, context_reads: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import conformance.inputs

    walked: list[list[str]] = []
    original = conformance.inputs.collect

    def spy(paths, *args, **kwargs):  # type: ignore[no-untyped-def]
        walked.append(list(paths))
        return original(paths, *args, **kwargs)

    monkeypatch.setattr(conformance.inputs, "collect", spy)
    code, _ = report("apps/deployment.yaml", "--context", "platform", "--policy", "k8s/no-host-network")
    assert code == 0
    assert context_reads == []
    assert walked == [["apps/deployment.yaml"]]  # the context directory is not even walked


CRASHY_SCOPE_POLICY = """\
ID = "acme/crashy-scope"
TITLE = "A cross-resource policy whose facts() fails on objects named boom"
SEVERITY = "warning"
KINDS = ("ConfigMap",)
SCOPE = True


def facts(resource):
    if resource.name == "boom":
        raise RuntimeError("boom")
    return {}


def check(subject, ctx):
    yield from ()
"""


def test_faults_on_context_files_are_not_scan_errors(project: Path, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    (policies / "acme").mkdir(parents=True)
    (policies / "acme" / "crashy_scope.py").write_text(CRASHY_SCOPE_POLICY)
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n  namespace: x\n"
    (project / "subject.yaml").write_text(config_map.format("subject"))
    (project / "boom").mkdir()
    (project / "boom" / "boom.yaml").write_text(config_map.format("boom"))
    args = ("--policy-dir", str(policies), "--trust-local-policies", "--policy", "acme/crashy-scope")
    code, document = report("boom/boom.yaml", *args)  # the control: scanned, the fault is an error
    assert code == 2 and [e["policy"] for e in document["errors"]] == ["conformance/policy-error"]
    code, document = report("subject.yaml", "--context", "boom", *args)
    assert code == 0, document["errors"]
    assert document["errors"] == []


def test_a_large_context_is_read_by_the_worker_pool_with_the_same_result(project: Path) -> None:
    filler = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d, namespace: payments}\ndata: {a: b}\n"
    for number in range(80):  # past the pool's threshold
        (project / "platform" / f"filler-{number:02}.yaml").write_text(filler % number)
    for jobs in ("1", "2"):
        code, document = report("apps/deployment.yaml", "--context", "platform", "-j", jobs)
        assert code == 0, document
        assert document["findings"] == [] and document["errors"] == []
        assert document["stats"]["files"] == 1
