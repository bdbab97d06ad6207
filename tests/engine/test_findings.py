"""Every finding is built by one factory: it carries its origin and raw path, and its fingerprint has no line."""

from __future__ import annotations

import pickle
import subprocess
from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import configure
from conformance.engine import ScanOptions, scan
from conformance.engine.findings import origin_of
from conformance.inputs import InputFile
from conformance.model import ScanResult
from conformance.planning.files import repositories_of
from conformance.suppressor import Suppressor

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
    "spec:\n  hostNetwork: true\n  containers:\n  - name: app\n    image: nginx\n"
)
WORKFLOW = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n    - uses: actions/checkout@v4\n"
DOCKERFILE = "FROM python\nUSER root\n"
CASES = {
    "kubernetes": ("deploy/pod.yaml", POD, "k8s/no-host-network", ("spec", "hostNetwork")),
    "yaml": (".github/workflows/ci.yml", WORKFLOW, "gha/actions-pinned", ("jobs", "build", "steps", 0, "uses")),
    "dockerfile": ("Dockerfile", DOCKERFILE, "docker/base-image-pinned", (0,)),
}


def _scan(root: Path, policy_ids: list[str], suppressor: Suppressor | None = None) -> ScanResult:
    policies = configure(build_catalog(entry_points=False).definitions, enable=policy_ids)
    files = [
        InputFile(str(p), str(p.relative_to(root)), str(p.relative_to(root)))
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    ]
    return scan(files, policies, ScanOptions(jobs=1, suppressor=suppressor))


@pytest.mark.parametrize("target", sorted(CASES))
def test_a_finding_carries_its_origin_and_raw_path_and_keeps_its_fingerprint_when_lines_move(
    tmp_path: Path, monkeypatch, target: str
) -> None:
    name, text, policy_id, raw_path = CASES[target]
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text)
    (before,) = [f for f in _scan(tmp_path, [policy_id]).findings if f.policy_id == policy_id]
    assert before.origin is not None
    assert (before.origin.path, before.origin.display) == (name, name)
    assert before.origin.repository == str(tmp_path)
    assert before.raw_path == raw_path
    comment = "#" if target != "dockerfile" else "# syntax note"
    (tmp_path / name).write_text(
        f"{comment}\n{comment}\n" + text if target != "dockerfile" else text.replace("FROM", "# a\n# b\nFROM", 1)
    )
    (after,) = [f for f in _scan(tmp_path, [policy_id]).findings if f.policy_id == policy_id]
    assert after.location.line == before.location.line + 2
    assert after.fingerprint == before.fingerprint


def test_repository_findings_carry_the_origin_of_the_file_they_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q", "."], check=True)
    (tmp_path / "README.md").write_text("x\n")
    policies = configure(build_catalog(entry_points=False).definitions, enable=["repo/readme"])
    result = scan([], policies, ScanOptions(jobs=1), repositories=repositories_of(["."], policies, str(tmp_path)))
    (finding,) = result.findings
    assert finding.origin is not None and finding.origin.path == finding.location.file == "README.md"


def test_an_invalid_inline_marker_is_fingerprinted_without_its_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    marker = "# conformance:ignore k8s/no-such-policy reason=x\n"
    suppressor = Suppressor(known_ids=frozenset({"k8s/no-host-network"}))
    (tmp_path / "pod.yaml").write_text(marker + POD)
    (first,) = _scan(tmp_path, ["k8s/no-host-network"], suppressor).errors
    (tmp_path / "pod.yaml").write_text("# moved\n" + marker + POD)
    (moved,) = _scan(tmp_path, ["k8s/no-host-network"], suppressor).errors
    assert moved.location.line == first.location.line + 1
    assert moved.fingerprint == first.fingerprint


def test_a_scan_result_is_plain_data_that_survives_pickling(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD)
    result = _scan(tmp_path, ["k8s"])
    copy = pickle.loads(pickle.dumps(result))
    assert [f.to_dict() for f in copy.findings] == [f.to_dict() for f in result.findings]
    assert copy.exit_code == result.exit_code == 1


def test_origins_outside_a_work_tree_are_relative_to_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert origin_of("a/b.yaml").path == "a/b.yaml"
    assert origin_of("<stdin>").path == "<stdin>"
