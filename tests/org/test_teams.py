from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitrepos import write

from conformance.org.teams import Team, owner_name, resolve_team

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shop}
spec: {owner: group:other}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: api}
spec:
  type: service
  owner: {owner}
"""


@pytest.mark.parametrize(
    ("reference", "shown"),
    [
        ("team-a", "team-a"),
        ("group:team-a", "team-a"),
        ("Group:default/team-a", "team-a"),
        ("group:platform/sre", "platform/sre"),
        ("user:jdoe", "user:jdoe"),
        ("user:default/jdoe", "user:jdoe"),
        ("ops/sre", "ops/sre"),
    ],
)
def test_backstage_owner_references(reference: str, shown: str) -> None:
    assert owner_name(reference) == shown


def test_the_inventory_wins_then_catalog_info_then_codeowners(tmp_path: Path) -> None:
    write(tmp_path, {"catalog-info.yaml": CATALOG.replace("{owner}", "group:default/payments")})
    write(tmp_path, {".github/CODEOWNERS": "* @acme/everyone\n/docs/ @acme/docs\n"})
    assert resolve_team("checkout", str(tmp_path)) == Team("checkout", "inventory")
    assert resolve_team(None, str(tmp_path)) == Team("payments", "catalog-info")
    (tmp_path / "catalog-info.yaml").write_text(CATALOG.replace("kind: Component", "kind: API"))
    assert resolve_team(None, str(tmp_path)) == Team("@acme/everyone", "codeowners")
    (tmp_path / ".github" / "CODEOWNERS").write_text("*.go @acme/go\n")
    assert resolve_team(None, str(tmp_path)) == Team(None, None)
    assert resolve_team(None, None) == Team(None, None)


def test_the_last_catch_all_rule_counts_and_all_its_owners(tmp_path: Path) -> None:
    write(tmp_path, {"CODEOWNERS": "* @acme/old\n** @acme/api @acme/sre\n/x/ @acme/x\n"})
    assert resolve_team(None, str(tmp_path)) == Team("@acme/api @acme/sre", "codeowners")


def test_files_behind_links_out_of_the_repository_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"catalog-info.yaml": CATALOG.replace("{owner}", "intruder"), "CODEOWNERS": "* @evil\n"})
    repository = tmp_path / "repository"
    repository.mkdir()
    os.symlink(outside / "catalog-info.yaml", repository / "catalog-info.yaml")
    os.symlink(outside, repository / ".github")
    assert resolve_team(None, str(repository)) == Team(None, None)
