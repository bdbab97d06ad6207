from __future__ import annotations

from pathlib import Path

from conformance.catalog.discovery import build_catalog
from conformance.org.results import RepositoryResult
from conformance.org.reuse import lookup, policy_digest, store

POLICY = """\
id: acme/team-label
title: Workloads carry a team label
description: Every workload names its team.
severity: warning
target: {kinds: [Deployment]}
message: no team label
schema:
  type: object
  required: [metadata]
"""


def test_the_digest_covers_policy_sources_and_the_org_config(tmp_path: Path) -> None:
    pack = tmp_path / "policies" / "acme"
    pack.mkdir(parents=True)
    (pack / "team-label.yaml").write_text(POLICY)
    definitions = build_catalog([(tmp_path / "policies", True)], entry_points=False).definitions
    first = policy_digest(definitions, "org-1")
    assert first == policy_digest(definitions, "org-1") and len(first) == 64
    assert policy_digest(definitions, "org-2") != first
    (pack / "team-label.yaml").write_text(POLICY.replace("severity: warning", "severity: error"))
    assert policy_digest(definitions, "org-1") != first  # the same id with other source bytes
    assert policy_digest(definitions[:-1], "org-1") != first


def test_a_stored_result_is_found_only_for_its_commit_and_digest(tmp_path: Path) -> None:
    result = RepositoryResult("acme/api", "https://h/acme/api", "scanned", commit="a" * 40, level="gold")
    store(str(tmp_path), result, "d1")
    assert [p.parent.name for p in tmp_path.rglob("*.json")] == ["results"]
    assert lookup(str(tmp_path), "acme/api", "a" * 40, "d1") == result
    assert lookup(str(tmp_path), "acme/api", "b" * 40, "d1") is None
    assert lookup(str(tmp_path), "acme/api", "a" * 40, "d2") is None
    assert lookup(str(tmp_path), "acme/web", "a" * 40, "d1") is None
    next(tmp_path.rglob("*.json")).write_text("{not json")
    assert lookup(str(tmp_path), "acme/api", "a" * 40, "d1") is None
