"""One generic test: every built-in policy against its pass-* and fail-* fixtures, with exact lines.

The runner is :mod:`conformance.testing.fixtures`; this is a thin parametrized wrapper over it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import BUILTIN_PROFILES
from conformance.testing.fixtures import fixture_cases, missing_fixtures, run_fixture
from conftest import FIXTURES

POLICY_FIXTURES = FIXTURES / "policies"
DEFINITIONS = {d.id: d for d in build_catalog(entry_points=False).definitions}


@pytest.mark.parametrize(
    ("policy_id", "path"), fixture_cases(POLICY_FIXTURES), ids=lambda v: v.name if isinstance(v, Path) else v
)
def test_fixture(policy_id: str, path: Path, tmp_path: Path) -> None:
    assert policy_id in DEFINITIONS, f"fixtures for unknown policy {policy_id}"
    result = run_fixture(DEFINITIONS, policy_id, path, tmp_path)
    assert result.errors == (), result.errors
    if result.passing:
        assert result.actual == (), f"{path.name} must pass"
    else:
        assert result.expected, f"{path.name} marks no expected finding"
        assert result.actual == result.expected
    assert result.ok


@pytest.mark.parametrize("policy_id", sorted(DEFINITIONS))
def test_every_policy_has_pass_and_fail_fixtures(policy_id: str) -> None:
    missing = missing_fixtures([DEFINITIONS[policy_id]], POLICY_FIXTURES).get(policy_id, [])
    assert "pass" not in missing, f"{policy_id} has no pass fixture"
    assert "fail" not in missing, f"{policy_id} has no fail fixture"


@pytest.mark.parametrize("policy_id", sorted(DEFINITIONS))
def test_builtin_policy_metadata(policy_id: str) -> None:
    info = DEFINITIONS[policy_id].info
    assert re.fullmatch(r"[a-z0-9]+/[a-z0-9-]+", policy_id)
    assert Path(info.source).stem.replace("_", "-") == policy_id.split("/")[1]
    assert info.profiles, "every built-in policy belongs to a profile"
    assert set(info.profiles) <= BUILTIN_PROFILES
    assert info.fix, "built-in policies carry fix advice"
    assert len(info.description) > 80


def test_readme_lists_every_builtin_policy() -> None:
    readme = (FIXTURES.parent / "README.md").read_text()
    missing = [pid for pid in DEFINITIONS if f"`{pid}`" not in readme]
    assert missing == []
