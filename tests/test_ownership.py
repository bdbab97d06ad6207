"""Findings carry the owners of their file, from the repository's CODEOWNERS (JSON and SARIF)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conformance.ownership import OwnerIndex

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: true, containers: [{name: a, image: x}]}\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text(
        "* @acme/platform\n/k8s/ @acme/payments\n/k8s/legacy/ @acme/legacy @alice\n"
    )
    for path in ("k8s/app.yaml", "k8s/legacy/old.yaml", "other/x.yaml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(POD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _owners_by_file(args: list[str]) -> dict[str, list[str]]:
    result = CliRunner().invoke(cli, ["scan", *args, "--policy", "k8s/no-host-network", "-f", "json"])
    return {f["location"]["file"]: f["owners"] for f in json.loads(result.output)["findings"]}


def test_json_findings_carry_the_owners_of_the_last_matching_rule(repo: Path) -> None:
    assert _owners_by_file(["."]) == {
        "k8s/app.yaml": ["@acme/payments"],
        "k8s/legacy/old.yaml": ["@acme/legacy", "@alice"],
        "other/x.yaml": ["@acme/platform"],
    }


def test_owners_are_found_from_a_subdirectory_scan_too(repo: Path) -> None:
    assert _owners_by_file(["k8s/legacy"]) == {"k8s/legacy/old.yaml": ["@acme/legacy", "@alice"]}


def test_sarif_results_carry_owners_in_their_properties(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", ".", "--policy", "k8s/no-host-network", "-f", "sarif"])
    results = json.loads(result.output)["runs"][0]["results"]
    uri = "artifactLocation"
    owners = {r["locations"][0]["physicalLocation"][uri]["uri"]: r["properties"]["owners"] for r in results}
    assert owners["k8s/app.yaml"] == ["@acme/payments"]


def test_no_codeowners_means_no_owners(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(POD)
    index = OwnerIndex([str(tmp_path)])
    assert index(str(tmp_path / "a.yaml")) == ()
    assert index("<stdin>") == ()


def test_a_codeowners_link_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("* @mallory\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "CODEOWNERS").symlink_to(outside)
    (repo / "a.yaml").write_text(POD)
    assert OwnerIndex([str(repo)])(str(repo / "a.yaml")) == ()
