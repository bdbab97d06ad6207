"""The fixture runner: every policy against its ``pass-*`` and ``fail-*`` fixtures, with exact lines.

Fixtures live in ``<root>/<pack>/<slug>/`` (``fixtures/policies/k8s/no-host-network/fail-1.yaml``):

- a **single-file** fixture (``pass-1.yaml``, ``fail-2.dockerfile``) is scanned as it is, by its name;
- a **repository** fixture (a directory ``fail-1/``) is copied outside any git work tree and scanned as a
  repository root, the way the command line scans one.

In a fail fixture, ``# expect: <id>[, <id>]`` stands on the line *before* each line where a finding of that
policy is expected; ``# expect: <id>@<column>`` also requires the finding's (1-based) column. Findings that
cannot be marked with a comment (a missing file, a line of a Markdown file) are listed in an ``EXPECTED`` file
at a repository fixture's root, one ``<policy-id> <file>:<line>[:<column>]`` per line (``.`` is the root). A
fixture may start with ``# options: {"name": value}`` (JSON, in its first five lines) to set the policy's
options. A pass fixture must give no finding of the policy; a fail fixture must mark at least one and give
exactly the marked ones; neither may give a scan error.

:func:`run_fixtures` returns one :class:`FixtureResult` per fixture (expected and actual lines), so a test, or
``conformance policies test``, decides how to report them.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.catalog.policy import Policy, PolicyDefinition
from conformance.catalog.select import configure

# The engine's entry points: ScanOptions and scan (conformance.engine), file_selector and repositories_of
# (conformance.planning.files), used by _file_fixture and _repository_fixture only.
from conformance.engine import ScanOptions, scan
from conformance.inputs import Excludes, InputFile, collect
from conformance.model import ScanResult
from conformance.planning.files import file_selector, repositories_of

EXPECT = re.compile(r"#\s*expect:\s*(.+?)\s*$")
OPTIONS = re.compile(r"^#\s*options:\s*(\{.*\})\s*$")
EXPECTED_FILE = "EXPECTED"
"""In a repository fixture: lines ``<policy-id> <file>:<line>`` (``.`` is the repository root) for findings
that cannot be marked with a comment (a missing file, a Markdown file). Not copied into the scanned tree."""

Line = tuple[str, int, str]
"""(file, line, policy id): a file relative to the fixture (its name, or its path inside the tree)."""
Column = tuple[str, int, str, int]
"""(file, line, policy id, column): a mark that names the column, or a finding with its column."""


@dataclass(frozen=True)
class FixtureResult:
    """One fixture's outcome: what was expected and what the scan found."""

    policy_id: str
    fixture: Path
    expected: tuple[Line, ...]
    """Sorted; empty for a pass fixture."""
    actual: tuple[Line, ...]
    """The policy's findings, sorted (findings of other policies are ignored)."""
    errors: tuple[str, ...] = ()
    """Scan errors (and, for a repository fixture, problems collecting its files)."""
    expected_columns: tuple[Column, ...] = ()
    """The marks that also name a column (``# expect: <id>@<column>``), sorted."""
    actual_columns: tuple[Column, ...] = ()
    """The policy's findings with their columns, sorted."""

    def differences(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(missing, unexpected) as ``file:line[:column] id`` text: marks no finding matched, findings no mark
        expected. A column is shown, and compared, only where a mark names one for that file, line and id."""
        from collections import Counter

        def text(file: str, line: int, pid: str, column: int | None = None) -> str:
            return f"{file}:{line}{'' if column is None else f':{column}'} {pid}"

        with_column = {column[:3] for column in self.expected_columns}
        expected = Counter(text(*line) for line in self.expected)
        expected.subtract(text(*column[:3]) for column in self.expected_columns)
        expected.update(text(*column) for column in self.expected_columns)
        actual = Counter(
            text(*column) if column[:3] in with_column else text(*column[:3]) for column in self.actual_columns
        )
        missing = sorted((expected - actual).elements())
        unexpected = sorted((actual - expected).elements())
        return tuple(missing), tuple(unexpected)

    @property
    def passing(self) -> bool:
        """Whether it is a pass fixture (its name starts with ``pass``)."""
        return self.fixture.name.startswith("pass")

    @property
    def problem(self) -> str | None:
        """Why the fixture fails, or None when it holds."""
        if self.errors:
            return f"{self.fixture.name}: scan errors: {'; '.join(self.errors)}"
        if self.passing:
            return None if not self.actual else f"{self.fixture.name} must pass"
        if not self.expected:
            return f"{self.fixture.name} marks no expected finding"
        if self.actual != self.expected or (self.expected_columns and any(self.differences())):
            return f"{self.fixture.name}: findings differ from the marks"
        return None

    @property
    def ok(self) -> bool:
        return self.problem is None


def expected_marks(text: str) -> list[tuple[int, str, int | None]]:
    """(line, policy id, column or None) for every ``# expect:`` mark: the finding is on the line after the
    comment; ``<id>@<column>`` names its column too. A column that is not a positive number is a ValueError."""
    marks: list[tuple[int, str, int | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if not match:
            continue
        for part in match.group(1).split(","):
            pid, at, column = part.strip().partition("@")
            if at and not (column.isdigit() and int(column) > 0):
                raise ValueError(f"line {number}: '# expect: {part.strip()}': the column must be a number from 1")
            marks.append((number + 1, pid.strip(), int(column) if at else None))
    return sorted(marks, key=lambda mark: (mark[0], mark[1], mark[2] or 0))


def expected_findings(text: str) -> list[tuple[int, str]]:
    """(line, policy id) for every ``# expect:`` mark (see :func:`expected_marks`)."""
    return sorted((line, pid) for line, pid, _ in expected_marks(text))


def fixture_options(text: str) -> dict[str, Any]:
    """The ``# options: {...}`` of a fixture (in its first five lines), or none."""
    for line in text.splitlines()[:5]:
        match = OPTIONS.match(line)
        if match:
            return dict(json.loads(match.group(1)))
    return {}


def fixture_cases(root: Path) -> list[tuple[str, Path]]:
    """(policy id, fixture) for every single-file and repository fixture under ``root``, sorted."""
    cases = []
    for directory in sorted(root.glob("*/*")):
        policy_id = f"{directory.parent.name}/{directory.name}"
        for path in sorted(directory.iterdir()):
            if path.name.startswith(("pass", "fail")):
                cases.append((policy_id, path))
    return cases


def configured(
    definitions: Mapping[str, PolicyDefinition], policy_id: str, options: dict[str, Any]
) -> tuple[Policy, ...]:
    """The one policy of a fixture, built with the fixture's options."""
    policies = configure(list(definitions.values()), enable=[policy_id], options={policy_id: options})
    return tuple(p for p in policies if p.id == policy_id)


Mark = tuple[str, int, str, "int | None"]
"""(file, line, policy id, column or None): one expected finding."""


def _file_fixture(
    definitions: Mapping[str, PolicyDefinition], policy_id: str, path: Path
) -> tuple[list[Mark], ScanResult, list[str]]:
    text = path.read_text("utf-8")
    policies = configured(definitions, policy_id, fixture_options(text))
    result = scan([InputFile(str(path), path.name)], policies, ScanOptions(jobs=1))
    return [(path.name, line, pid, column) for line, pid, column in expected_marks(text)], result, []


_PLACE = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<column>\d+))?$")


def _expected_file(marker: Path) -> list[Mark]:
    """The lines of a repository fixture's EXPECTED file: ``<policy-id> <file>:<line>[:<column>]``."""
    marks: list[Mark] = []
    for number, line in enumerate(marker.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        place = _PLACE.match(parts[1]) if len(parts) == 2 else None
        if place is None:
            raise ValueError(f"{EXPECTED_FILE}:{number}: expected '<policy-id> <file>:<line>[:<column>]'")
        column = place["column"]
        marks.append((place["file"], int(place["line"]), parts[0], int(column) if column else None))
    return marks


def _repository_fixture(
    definitions: Mapping[str, PolicyDefinition], policy_id: str, source: Path, workdir: Path
) -> tuple[list[Mark], ScanResult, list[str]]:
    """Copy the tree (outside any git work tree) and scan it as a repository, the way the CLI does."""
    root = workdir / "repo"
    shutil.copytree(source, root, symlinks=True, ignore=shutil.ignore_patterns(EXPECTED_FILE))
    expected: list[Mark] = []
    options: dict[str, Any] = {}
    for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        text = file.read_text("utf-8", errors="replace")
        relative = file.relative_to(root).as_posix()
        expected.extend((relative, line, pid, column) for line, pid, column in expected_marks(text))
        options = options or fixture_options(text)
    marker = source / EXPECTED_FILE
    if marker.is_file():
        expected.extend(_expected_file(marker))
    policies = configured(definitions, policy_id, options)
    files, problems = collect([str(root)], Excludes([], str(root)), base=str(root), include=file_selector(policies))
    repositories = repositories_of([str(root)], policies, str(root), plain_directories=True)
    result = scan(files, policies, ScanOptions(jobs=1), repositories=repositories)
    return expected, result, [f"{problem.display}: {problem.message}" for problem in problems]


def _scan_fixture(
    definitions: Mapping[str, PolicyDefinition], policy_id: str, path: Path, workdir: Path | None
) -> tuple[list[Mark], ScanResult, list[str]]:
    if not path.is_dir():
        return _file_fixture(definitions, policy_id, path)
    if workdir is not None:
        return _repository_fixture(definitions, policy_id, path, workdir)
    with tempfile.TemporaryDirectory(prefix="conformance-fixture-") as temporary:
        return _repository_fixture(definitions, policy_id, path, Path(temporary))


def run_fixture(
    definitions: Mapping[str, PolicyDefinition], policy_id: str, path: Path, workdir: Path | None = None
) -> FixtureResult:
    """Scan one fixture with its policy; a repository fixture is copied into ``workdir`` (default: a temporary
    directory, removed afterwards). An unknown policy id raises KeyError; a malformed mark is a fixture error."""
    if policy_id not in definitions:
        raise KeyError(f"fixtures for unknown policy {policy_id}")
    try:
        expected, result, problems = _scan_fixture(definitions, policy_id, path, workdir)
    except (ValueError, OSError) as exc:  # a malformed mark or EXPECTED line, an unreadable fixture
        return FixtureResult(policy_id, path, (), (), (f"{path.name}: {exc}",))
    found = sorted(
        (f.location.file, f.location.line, f.policy_id, f.location.column)
        for f in result.findings
        if f.policy_id == policy_id
    )
    errors = (*problems, *(error.message for error in result.errors))
    return FixtureResult(
        policy_id,
        path,
        tuple(sorted((file, line, pid) for file, line, pid, _ in expected)),
        tuple((file, line, pid) for file, line, pid, _ in found),
        tuple(errors),
        expected_columns=tuple(sorted((f, n, p, c) for f, n, p, c in expected if c is not None)),
        actual_columns=tuple(found),
    )


def run_fixtures(
    definitions: Mapping[str, PolicyDefinition] | Sequence[PolicyDefinition],
    root: Path,
    policy_ids: Iterable[str] | None = None,
) -> list[FixtureResult]:
    """Every fixture under ``root`` (of the given policies, else of all), in order."""
    by_id = definitions if isinstance(definitions, Mapping) else {d.id: d for d in definitions}
    wanted = None if policy_ids is None else set(policy_ids)
    return [
        run_fixture(by_id, policy_id, path)
        for policy_id, path in fixture_cases(root)
        if wanted is None or policy_id in wanted
    ]


def missing_fixtures(definitions: Iterable[PolicyDefinition], root: Path) -> dict[str, list[str]]:
    """Policies without a pass or a fail fixture: ``{policy id: ["pass", "fail"]}`` (what is missing)."""
    missing: dict[str, list[str]] = {}
    for definition in definitions:
        pack, slug = definition.id.split("/")
        directory = root / pack / slug
        names = [p.name for p in directory.glob("*")] if directory.is_dir() else []
        lacking = [kind for kind in ("pass", "fail") if not any(n.startswith(kind) for n in names)]
        if lacking:
            missing[definition.id] = lacking
    return missing
