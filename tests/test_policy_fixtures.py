"""One generic test: every built-in policy against its pass-* and fail-* fixtures, with exact lines.

It goes through the code of ``conformance policies test policies --fixtures fixtures/policies``:
:func:`conformance.testing.suite.collect` loads each policy file and finds its fixtures, and
:func:`conformance.testing.fixtures.run_fixture` runs each one (this is a parametrized view of the same loop).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog, builtin_root
from conformance.catalog.select import BUILTIN_PROFILES
from conformance.testing.fixtures import run_fixture
from conformance.testing.suite import PolicyUnderTest, collect, orphan_fixtures
from conftest import FIXTURES

POLICY_FIXTURES = FIXTURES / "policies"
DEFINITIONS = {d.id: d for d in build_catalog(entry_points=False).definitions}
UNDER_TEST = collect([(builtin_root(), True)], POLICY_FIXTURES)
CASES = [(policy, path) for policy in UNDER_TEST for path in policy.fixtures]


def test_the_command_loads_every_builtin_policy() -> None:
    assert [policy.error for policy in UNDER_TEST if policy.error] == []
    assert [policy.policy_id for policy in UNDER_TEST] == sorted(DEFINITIONS)


def test_no_fixtures_for_unknown_policies() -> None:
    assert orphan_fixtures(POLICY_FIXTURES, DEFINITIONS) == []


@pytest.mark.parametrize(
    ("policy", "path"),
    CASES,
    ids=lambda v: v.name if isinstance(v, Path) else v.policy_id if isinstance(v, PolicyUnderTest) else v,
)
def test_fixture(policy: PolicyUnderTest, path: Path, tmp_path: Path) -> None:
    assert policy.definition is not None
    result = run_fixture({policy.policy_id: policy.definition}, policy.policy_id, path, tmp_path)
    assert result.errors == (), result.errors
    if result.passing:
        assert result.actual == (), f"{path.name} must pass"
    else:
        assert result.expected, f"{path.name} marks no expected finding"
        assert result.actual == result.expected
    assert result.differences() == ((), ())
    assert result.ok


@pytest.mark.parametrize("policy", UNDER_TEST, ids=lambda p: p.policy_id)
def test_every_policy_has_pass_and_fail_fixtures(policy: PolicyUnderTest) -> None:
    assert "pass" not in policy.missing, f"{policy.policy_id} has no pass fixture"
    assert "fail" not in policy.missing, f"{policy.policy_id} has no fail fixture"


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
