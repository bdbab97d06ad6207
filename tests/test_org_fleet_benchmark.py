"""The fleet generator of benchmarks/org_fleet.py: valid bare repositories with the expected files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

from conftest import CORPUS, REPO, need


def fleet_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("org_fleet", REPO / "benchmarks" / "org_fleet.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["org_fleet"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def test_five_repositories(tmp_path: Path) -> None:
    need(CORPUS.is_dir(), "the shared corpus next to the checkout")
    fleet = fleet_module()
    repositories = fleet.generate(5, tmp_path / "fleet", CORPUS, seed=14)
    assert sorted(r.kind for r in repositories) == sorted(fleet.KINDS)  # one of each kind at N=5
    inventory = yaml.safe_load((tmp_path / "fleet" / "inventory.yaml").read_text())
    entries = inventory["repositories"]
    assert [e["name"] for e in entries] == [f"fleet/service-{i:04d}" for i in range(5)]
    assert [e["url"] for e in entries] == [r.url for r in repositories]
    assert all(e["url"].startswith("file:///") and e["branch"] == "main" for e in entries)
    assert [e.get("team") for e in entries] == ["team-payments", None, None, "team-search", None]
    for repository in repositories:
        bare = Path(repository.url.removeprefix("file://"))
        if repository.kind == fleet.UNREACHABLE:
            assert not bare.exists()
            continue
        assert git("--git-dir", str(bare), "rev-parse", "--is-bare-repository").strip() == "true"
        if repository.kind == fleet.EMPTY:
            assert git("--git-dir", str(bare), "for-each-ref").strip() == ""
            continue
        listed = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", "main").split()
        assert listed == list(repository.files)
        assert {"README.md", "CODEOWNERS", ".gitignore"} <= set(listed)
        corpus_files = [name for name in listed if name.startswith("k8s/") and name != "k8s/broken.yaml"]
        assert 4 <= len(corpus_files) <= 12
        first = corpus_files[0]
        original = CORPUS / first.removeprefix("k8s/")
        assert git("--git-dir", str(bare), "show", f"main:{first}") == original.read_text()
        owners = git("--git-dir", str(bare), "show", "main:CODEOWNERS")
        assert owners == f"* @acme/{repository.team}\n"
        if "catalog-info.yaml" in listed:
            catalog = yaml.safe_load(git("--git-dir", str(bare), "show", "main:catalog-info.yaml"))
            assert catalog["spec"]["owner"] == f"group:{repository.team}"
        assert ("charts/app/Chart.yaml" in listed) == (repository.kind == fleet.HELM)
        assert ("k8s/broken.yaml" in listed) == (repository.kind == fleet.BROKEN_YAML)
        # reachable by its file:// URL, as the org scan clones it
        clone = tmp_path / "clones" / bare.name
        subprocess.run(["git", "clone", "-q", "--depth", "1", repository.url, str(clone)], check=True)
        assert (clone / "README.md").is_file()


def test_kinds_and_teams_spread_over_a_larger_fleet() -> None:
    import random

    fleet = fleet_module()
    kinds = fleet.assign_kinds(200, random.Random(1))
    counts = {kind: kinds.count(kind) for kind in fleet.KINDS}
    assert counts == {"ok": 172, "helm": 20, "broken-yaml": 4, "empty": 2, "unreachable": 2}
    assert len(fleet.TEAMS) == 10


def test_normalized_results_ignore_times_and_reuse() -> None:
    fleet = fleet_module()
    one = {"run_id": "a", "repositories": [{"id": "x", "status": "reused", "duration_seconds": 1.5}]}
    two = {"run_id": "b", "repositories": [{"id": "x", "status": "scanned", "duration_seconds": 0.2}]}
    assert fleet.normalized(one) == fleet.normalized(two)
    assert fleet.normalized(one) != fleet.normalized({"repositories": [{"id": "x", "status": "failed"}]})
