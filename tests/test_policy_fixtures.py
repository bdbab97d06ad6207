"""One generic test: every built-in policy against its pass-* and fail-* fixtures, with exact lines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import BUILTIN_PROFILES, configure
from conformance.engine import ScanOptions, scan
from conformance.inputs import Excludes, InputFile, collect
from conformance.planning.files import file_selector, repositories_of
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


EXPECTED_FILE = "EXPECTED"
"""In a repository fixture: lines ``<policy-id> <file>:<line>`` (``.`` is the repository root) for findings
that cannot be marked with a comment (a missing file, a Markdown file). Not copied into the scanned tree."""


def fixture_files() -> list[tuple[str, Path]]:
    """Single-file fixtures (``pass-1.yaml``, ``fail-2.dockerfile``) and repository fixtures (directories)."""
    cases = []
    for directory in sorted(POLICY_FIXTURES.glob("*/*")):
        policy_id = f"{directory.parent.name}/{directory.name}"
        for path in sorted(directory.iterdir()):
            if path.name.startswith(("pass", "fail")):
                cases.append((policy_id, path))
    return cases


def configured(policy_id: str, options: dict) -> tuple:
    policies = configure(list(DEFINITIONS.values()), enable=[policy_id], options={policy_id: options})
    return tuple(p for p in policies if p.id == policy_id)


def run_file_fixture(policy_id: str, path: Path):
    text = path.read_text("utf-8")
    policies = configured(policy_id, fixture_options(text))
    result = scan([InputFile(str(path), path.name)], policies, ScanOptions(jobs=1))
    expected = sorted((path.name, line, pid) for line, pid in expected_findings(text))
    return expected, result


def run_repository_fixture(policy_id: str, source: Path, tmp_path: Path):
    """Copy the tree (outside any git work tree) and scan it as a repository, the way the CLI does."""
    root = tmp_path / "repo"
    shutil.copytree(source, root, symlinks=True, ignore=shutil.ignore_patterns(EXPECTED_FILE))
    expected: list[tuple[str, int, str]] = []
    options: dict = {}
    for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        text = file.read_text("utf-8", errors="replace")
        relative = file.relative_to(root).as_posix()
        expected.extend((relative, line, pid) for line, pid in expected_findings(text))
        options = options or fixture_options(text)
    marker = source / EXPECTED_FILE
    if marker.is_file():
        for line in marker.read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                pid, where = line.split()
                file, _, number = where.rpartition(":")
                expected.append((file, int(number), pid))
    policies = configured(policy_id, options)
    files, problems = collect([str(root)], Excludes([], str(root)), base=str(root), include=file_selector(policies))
    assert problems == []
    repositories = repositories_of([str(root)], policies, str(root), plain_directories=True)
    result = scan(files, policies, ScanOptions(jobs=1), repositories=repositories)
    return sorted(expected), result


@pytest.mark.parametrize(
    ("policy_id", "path"), fixture_files(), ids=lambda v: v.name if isinstance(v, Path) else v
)
def test_fixture(policy_id: str, path: Path, tmp_path: Path) -> None:
    assert policy_id in DEFINITIONS, f"fixtures for unknown policy {policy_id}"
    if path.is_dir():
        expected, result = run_repository_fixture(policy_id, path, tmp_path)
    else:
        expected, result = run_file_fixture(policy_id, path)
    assert result.errors == (), [e.message for e in result.errors]
    actual = sorted(
        (f.location.file, f.location.line, f.policy_id) for f in result.findings if f.policy_id == policy_id
    )
    if path.name.startswith("pass"):
        assert actual == [], f"{path.name} must pass"
    else:
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
    assert set(info.profiles) <= BUILTIN_PROFILES
    assert info.fix, "built-in policies carry fix advice"
    assert len(info.description) > 80


def test_readme_lists_every_builtin_policy() -> None:
    readme = (FIXTURES.parent / "README.md").read_text()
    missing = [pid for pid in DEFINITIONS if f"`{pid}`" not in readme]
    assert missing == []
