"""The fixture runner reports each fixture's expected and actual lines, and why it fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.testing.fixtures import expected_findings, fixture_options, run_fixture, run_fixtures

DEFINITIONS = {d.id: d for d in build_catalog(entry_points=False).definitions}
HOST_NETWORK = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
{mark}  hostNetwork: true
  containers:
    - name: c
      image: nginx:1.27
"""


def write(root: Path, name: str, text: str) -> Path:
    directory = root / "k8s" / "no-host-network"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory / name


def test_markers_and_options() -> None:
    assert expected_findings("a: 1\n# expect: x/y, x/z\nb: 2\n") == [(3, "x/y"), (3, "x/z")]
    assert fixture_options('# options: {"n": 2}\na: 1\n') == {"n": 2}
    assert fixture_options("a: 1\n") == {}


def test_results_of_good_and_bad_fixtures(tmp_path: Path) -> None:
    write(tmp_path, "fail-good.yaml", HOST_NETWORK.format(mark="  # expect: k8s/no-host-network\n"))
    write(tmp_path, "fail-unmarked.yaml", HOST_NETWORK.format(mark=""))
    write(tmp_path, "pass-bad.yaml", HOST_NETWORK.format(mark=""))
    results = {r.fixture.name: r for r in run_fixtures(DEFINITIONS, tmp_path)}
    good = results["fail-good.yaml"]
    assert good.ok and good.expected == good.actual == (("fail-good.yaml", 7, "k8s/no-host-network"),)
    assert results["fail-unmarked.yaml"].problem == "fail-unmarked.yaml marks no expected finding"
    assert results["pass-bad.yaml"].problem == "pass-bad.yaml must pass"
    assert results["pass-bad.yaml"].actual == (("pass-bad.yaml", 6, "k8s/no-host-network"),)


def test_a_wrong_mark_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "fail-1.yaml", "# expect: k8s/no-host-network\n" + HOST_NETWORK.format(mark=""))
    result = run_fixture(DEFINITIONS, "k8s/no-host-network", path)
    assert result.expected == (("fail-1.yaml", 2, "k8s/no-host-network"),)
    assert result.actual == (("fail-1.yaml", 7, "k8s/no-host-network"),)
    assert result.problem == "fail-1.yaml: findings differ from the marks"


def test_unknown_policy(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        run_fixture(DEFINITIONS, "acme/nothing", tmp_path / "fail-1.yaml")


def test_repository_fixtures_run_in_a_temporary_directory() -> None:
    from conftest import FIXTURES

    results = run_fixtures(DEFINITIONS, FIXTURES / "policies", policy_ids=["repo/readme"])
    assert results and all(r.ok for r in results), [r.problem for r in results if not r.ok]
    assert any(r.fixture.is_dir() for r in results)


def test_column_marks() -> None:
    from conformance.testing.fixtures import expected_marks

    text = "a: 1\n# expect: x/y@3, x/z\nb: 2\n"
    assert expected_marks(text) == [(3, "x/y", 3), (3, "x/z", None)]
    assert expected_findings(text) == [(3, "x/y"), (3, "x/z")]
    for bad in ("# expect: x/y@0\n", "# expect: x/y@\n", "# expect: x/y@two\n"):
        with pytest.raises(ValueError, match="the column must be a number from 1"):
            expected_marks(bad)


def test_a_column_mark_must_match_the_finding_column(tmp_path: Path) -> None:
    right = write(tmp_path, "fail-right.yaml", HOST_NETWORK.format(mark="  # expect: k8s/no-host-network@3\n"))
    result = run_fixture(DEFINITIONS, "k8s/no-host-network", right)
    assert result.ok and result.expected_columns == (("fail-right.yaml", 7, "k8s/no-host-network", 3),)
    assert result.actual_columns == (("fail-right.yaml", 7, "k8s/no-host-network", 3),)
    wrong = write(tmp_path, "fail-wrong.yaml", HOST_NETWORK.format(mark="  # expect: k8s/no-host-network@2\n"))
    result = run_fixture(DEFINITIONS, "k8s/no-host-network", wrong)
    assert result.actual == result.expected and not result.ok
    assert result.differences() == (
        ("fail-wrong.yaml:7:2 k8s/no-host-network",),
        ("fail-wrong.yaml:7:3 k8s/no-host-network",),
    )


def test_expected_file_with_columns_and_malformed_lines(tmp_path: Path) -> None:
    root = tmp_path / "repo" / "license"
    fixture = root / "fail-missing"
    fixture.mkdir(parents=True)
    (fixture / "README.md").write_text("# x\n")
    (fixture / "EXPECTED").write_text("# a comment\nrepo/license .:1:1\n")
    result = run_fixture(DEFINITIONS, "repo/license", fixture, tmp_path / "work")
    assert result.ok, result.problem
    assert result.expected_columns == ((".", 1, "repo/license", 1),)
    (fixture / "EXPECTED").write_text("repo/license nowhere\n")
    broken = run_fixture(DEFINITIONS, "repo/license", fixture, tmp_path / "work2")
    assert broken.errors == ("fail-missing: EXPECTED:1: expected '<policy-id> <file>:<line>[:<column>]'",)
    assert not broken.ok
