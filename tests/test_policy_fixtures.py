"""One generic test: every built-in policy against its pass-* and fail-* fixtures, with exact lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import configure
from conformance.engine import ScanOptions, scan
from conformance.inputs import InputFile
from conftest import FIXTURES

POLICY_FIXTURES = FIXTURES / "policies"
EXPECT = re.compile(r"#\s*expect:\s*(.+?)\s*$")
OPTIONS = re.compile(r"^#\s*options:\s*(\{.*\})\s*$")
DEFINITIONS = {d.id: d for d in build_catalog(entry_points=False).definitions}


def expected_findings(text: str) -> list[tuple[int, str]]:
    """(line, policy id) for every `# expect:` marker: the finding is on the line after the comment."""
    expected = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            expected.extend((number + 1, pid.strip()) for pid in match.group(1).split(","))
    return sorted(expected)


def fixture_options(text: str) -> dict:
    for line in text.splitlines()[:5]:
        match = OPTIONS.match(line)
        if match:
            return json.loads(match.group(1))
    return {}


def fixture_files() -> list[tuple[str, Path]]:
    cases = []
    for directory in sorted(POLICY_FIXTURES.glob("*/*")):
        policy_id = f"{directory.parent.name}/{directory.name}"
        for path in sorted(directory.glob("*.y*ml")) + sorted(directory.glob("*.json")):
            cases.append((policy_id, path))
    return cases


def run_policy(policy_id: str, path: Path):
    text = path.read_text("utf-8")
    policies = configure(
        list(DEFINITIONS.values()), enable=[policy_id], options={policy_id: fixture_options(text)}
    )
    policies = tuple(p for p in policies if p.id == policy_id)
    result = scan([InputFile(str(path), path.name)], policies, ScanOptions(jobs=1))
    return text, result


@pytest.mark.parametrize(
    ("policy_id", "path"), fixture_files(), ids=lambda v: v.name if isinstance(v, Path) else v
)
def test_fixture(policy_id: str, path: Path) -> None:
    assert policy_id in DEFINITIONS, f"fixtures for unknown policy {policy_id}"
    text, result = run_policy(policy_id, path)
    assert result.errors == (), [e.message for e in result.errors]
    actual = sorted((f.location.line, f.policy_id) for f in result.findings if f.policy_id == policy_id)
    if path.name.startswith("pass"):
        assert actual == [], f"{path.name} must pass"
    else:
        assert path.name.startswith("fail"), f"fixture names start with pass or fail: {path.name}"
        expected = expected_findings(text)
        assert expected, f"{path.name} marks no expected finding"
        assert actual == expected


@pytest.mark.parametrize("policy_id", sorted(DEFINITIONS))
def test_every_policy_has_pass_and_fail_fixtures(policy_id: str) -> None:
    pack, slug = policy_id.split("/")
    directory = POLICY_FIXTURES / pack / slug
    names = [p.name for p in directory.glob("*")] if directory.is_dir() else []
    assert any(n.startswith("pass") for n in names), f"{policy_id} has no pass fixture"
    assert any(n.startswith("fail") for n in names), f"{policy_id} has no fail fixture"


@pytest.mark.parametrize("policy_id", sorted(DEFINITIONS))
def test_builtin_policy_metadata(policy_id: str) -> None:
    info = DEFINITIONS[policy_id].info
    assert re.fullmatch(r"[a-z0-9]+/[a-z0-9-]+", policy_id)
    assert Path(info.source).stem.replace("_", "-") == policy_id.split("/")[1]
    assert info.profiles, "every built-in policy belongs to a profile"
    assert set(info.profiles) <= {"baseline", "restricted", "reliability", "hygiene"}
    assert info.fix, "built-in policies carry fix advice"
    assert len(info.description) > 80


def test_readme_lists_every_builtin_policy() -> None:
    readme = (FIXTURES.parent / "README.md").read_text()
    missing = [pid for pid in DEFINITIONS if f"`{pid}`" not in readme]
    assert missing == []
