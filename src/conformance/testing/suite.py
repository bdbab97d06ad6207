"""A policy directory under test: its policies, where each one's fixtures are, and their outcomes.

Two layouts, tried in this order for a policy ``<pack>/<slug>``:

- a fixture root given explicitly (``--fixtures ROOT``): ``ROOT/<pack>/<slug>/``, the layout of the built-in
  packs (``fixtures/policies/k8s/no-host-network/``);
- beside the policy: ``<directory of the policy file>/tests/<slug>/`` (``policies/acme/tests/team-label/``
  for ``policies/acme/team-label.yaml``), the layout ``conformance policies new`` writes. Discovery never
  reads a ``tests/`` directory as policies.

Each policy file is loaded on its own, so one broken policy is reported (and makes the run exit 2) without
hiding the results of the others. ``conformance policies test`` and the project's own test suite both go
through :func:`collect` and :func:`run_policy`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.catalog.discovery import FIXTURE_DIRECTORY, FoundPolicy, find_in_directories, load
from conformance.catalog.policy import PolicyDefinition
from conformance.errors import PolicyDefinitionError
from conformance.testing.fixtures import FixtureResult, run_fixture

FIXTURE_PREFIXES = ("pass", "fail")


@dataclass(frozen=True)
class PolicyUnderTest:
    """A policy file, what loading it gave, and its fixtures."""

    policy_id: str
    source: Path
    definition: PolicyDefinition | None
    error: str | None = None
    """Why the policy could not be loaded (then it has no definition)."""
    fixture_dir: Path | None = None
    fixtures: tuple[Path, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        """``pass`` and/or ``fail`` when the policy has no fixture of that kind."""
        names = [path.name for path in self.fixtures]
        return tuple(kind for kind in FIXTURE_PREFIXES if not any(n.startswith(kind) for n in names))


@dataclass(frozen=True)
class PolicyReport:
    """One policy's outcome: load error, fixture results, and which fixture kinds it lacks."""

    policy: PolicyUnderTest
    results: tuple[FixtureResult, ...]

    @property
    def broken(self) -> bool:
        return self.policy.error is not None

    @property
    def ok(self) -> bool:
        """Loaded, every fixture holds, and both kinds exist (``allow_missing`` is the caller's business)."""
        return not self.broken and all(result.ok for result in self.results)


def fixture_directory(source: Path, policy_id: str, fixtures_root: Path | None = None) -> Path | None:
    """Where a policy's fixtures are (see the module docstring), or None when there are none."""
    pack, _, slug = policy_id.partition("/")
    candidates = [fixtures_root / pack / slug] if fixtures_root is not None else []
    candidates.append(source.parent / FIXTURE_DIRECTORY / slug)
    return next((candidate for candidate in candidates if candidate.is_dir()), None)


def fixtures_in(directory: Path | None) -> tuple[Path, ...]:
    """The ``pass*`` and ``fail*`` files and directories of a fixture directory, sorted."""
    if directory is None:
        return ()
    return tuple(sorted(p for p in directory.iterdir() if p.name.startswith(FIXTURE_PREFIXES)))


def _load(found: FoundPolicy, trust_local: bool) -> tuple[PolicyDefinition | None, str | None]:
    if found.is_python and not (found.trusted or trust_local):
        return None, (
            f"{found.path}: a Python policy named by the configuration runs only with --trust-local-policies"
        )
    try:
        return load(found), None
    except PolicyDefinitionError as exc:
        return None, str(exc)


def collect(
    directories: Sequence[tuple[Path, bool]],
    fixtures_root: Path | None = None,
    *,
    trust_local: bool = False,
    pack: str = "",
) -> list[PolicyUnderTest]:
    """Every policy of the directories (``(directory, trusted)``), loaded one by one, with its fixtures;
    sorted by id. A missing directory raises PolicyDefinitionError; a duplicate id makes the later one broken.
    ``pack``: the directories are a pip pack's ``policies/`` (ids ``<pack>/<slug>``, as installed)."""
    found = list(find_in_directories(directories))
    if pack:
        from dataclasses import replace

        found = [replace(item, pack=pack) for item in found]
    collected: dict[str, PolicyUnderTest] = {}
    for item in found:
        definition, error = _load(item, trust_local)
        policy_id = definition.id if definition is not None else item.default_id
        if policy_id in collected:
            first = collected[policy_id].source
            policy_id, definition = f"{policy_id} ({item.path})", None
            error = f"duplicate policy id: {first} and {item.path}"
        directory = fixture_directory(item.path, policy_id, fixtures_root) if definition else None
        collected[policy_id] = PolicyUnderTest(
            policy_id, item.path, definition, error, directory, fixtures_in(directory)
        )
    return [collected[key] for key in sorted(collected)]


def orphan_fixtures(fixtures_root: Path, known_ids: Iterable[str]) -> list[str]:
    """``<pack>/<slug>`` directories under a fixture root that no policy of the run has."""
    known = set(known_ids)
    found = (f"{d.parent.name}/{d.name}" for d in fixtures_root.glob("*/*") if d.is_dir())
    return sorted(pid for pid in found if pid not in known)


def run_policy(policy: PolicyUnderTest, workdir: Path | None = None) -> PolicyReport:
    """Run every fixture of a loaded policy (repository fixtures are copied below ``workdir``, by default a
    temporary directory removed afterwards)."""
    if policy.definition is None:
        return PolicyReport(policy, ())
    definitions = {policy.policy_id: policy.definition}
    with tempfile.TemporaryDirectory(prefix="conformance-policies-test-", dir=workdir) as temporary:
        results = []
        for index, fixture in enumerate(policy.fixtures):
            place = Path(temporary) / str(index)
            place.mkdir()
            results.append(run_fixture(definitions, policy.policy_id, fixture, place))
    return PolicyReport(policy, tuple(results))
