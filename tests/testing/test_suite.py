"""A policy directory under test: where each policy's fixtures are, broken and duplicate policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import PolicyDefinitionError
from conformance.testing.suite import collect, fixture_directory, orphan_fixtures, run_policy

POLICY = """\
title: No host network
description: d
severity: error
message: m
target: {kinds: [Pod]}
schema: {properties: {spec: {properties: {hostNetwork: {not: {const: true}}}}}}
"""


def test_fixtures_beside_the_policy_and_under_a_root(tmp_path: Path) -> None:
    source = tmp_path / "policies" / "acme" / "no-host.yaml"
    beside = tmp_path / "policies" / "acme" / "tests" / "no-host"
    root = tmp_path / "fixtures"
    assert fixture_directory(source, "acme/no-host") is None
    beside.mkdir(parents=True)
    assert fixture_directory(source, "acme/no-host") == beside
    assert fixture_directory(source, "acme/no-host", root) == beside  # the root has none: beside it
    (root / "acme" / "no-host").mkdir(parents=True)
    assert fixture_directory(source, "acme/no-host", root) == root / "acme" / "no-host"


def test_collect_loads_each_file_on_its_own(tmp_path: Path) -> None:
    pack = tmp_path / "policies" / "acme"
    (pack / "tests" / "no-host").mkdir(parents=True)
    (pack / "no-host.yaml").write_text(POLICY)
    (pack / "broken.yaml").write_text("title: t\n")
    (pack / "tests" / "no-host" / "pass-1.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
    (pack / "tests" / "no-host" / "notes.txt").write_text("not a fixture\n")
    other = tmp_path / "more" / "acme"
    other.mkdir(parents=True)
    (other / "no-host.yaml").write_text(POLICY)
    policies = collect([(tmp_path / "policies", True), (tmp_path / "more", True)])
    by_id = {p.policy_id: p for p in policies}
    assert sorted(by_id) == ["acme/broken", "acme/no-host", f"acme/no-host ({other / 'no-host.yaml'})"]
    assert by_id["acme/broken"].definition is None and "field" in str(by_id["acme/broken"].error)
    assert "duplicate policy id" in str(by_id[f"acme/no-host ({other / 'no-host.yaml'})"].error)
    loaded = by_id["acme/no-host"]
    assert [f.name for f in loaded.fixtures] == ["pass-1.yaml"] and loaded.missing == ("fail",)
    report = run_policy(loaded)
    assert [r.ok for r in report.results] == [True] and report.ok
    assert run_policy(by_id["acme/broken"]).broken


def test_untrusted_python_is_not_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "local.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (policy,) = collect([(tmp_path, False)])
    assert "--trust-local-policies" in str(policy.error) and not marker.exists()
    (policy,) = collect([(tmp_path, False)], trust_local=True)
    assert marker.exists() and "field ID: missing" in str(policy.error)


def test_orphans_and_a_missing_directory(tmp_path: Path) -> None:
    (tmp_path / "acme" / "kept").mkdir(parents=True)
    (tmp_path / "acme" / "gone").mkdir()
    assert orphan_fixtures(tmp_path, ["acme/kept"]) == ["acme/gone"]
    with pytest.raises(PolicyDefinitionError, match="does not exist"):
        collect([(tmp_path / "nowhere", True)])
