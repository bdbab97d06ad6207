"""Finding policies: the built-in packs, installed packs (entry points) and policy directories.

Stages: found (a file and where it came from) -> loaded (a validated definition) -> configured
(:func:`conformance.catalog.select.configure`). Nothing is registered globally; every call returns new values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path as FsPath

from conformance.catalog.packs import ENTRY_POINT_GROUP as ENTRY_POINT_GROUP
from conformance.catalog.policy import PolicyDefinition
from conformance.errors import PolicyDefinitionError

BUILTIN_PACKS = ("k8s", "repo", "docker", "gha")
"""The built-in packs, each a directory of policy files under the built-in policy root."""
BUILTIN_PACK_TARGETS = {"k8s": "kubernetes", "repo": "repository", "docker": "dockerfile", "gha": "yaml"}
"""What each built-in pack checks: a run that cannot meet a target leaves its pack unloaded (dormant)."""

_PACKAGE_DIR = FsPath(__file__).resolve().parent.parent


def builtin_root() -> FsPath:
    """Where the built-in policies live: inside the wheel, or the checkout's ``policies/`` when editable."""
    for candidate in (_PACKAGE_DIR / "builtin_policies", _PACKAGE_DIR.parent.parent / "policies"):
        if candidate.is_dir():
            return candidate
    raise PolicyDefinitionError("the built-in policies are missing from this installation")


def is_builtin_source(source: str) -> bool:
    """Whether a policy's source (the file it was loaded from) is one of the built-in packs."""
    try:
        return FsPath(source).resolve().is_relative_to(builtin_root().resolve())
    except (OSError, ValueError, PolicyDefinitionError):
        return False


@dataclass(frozen=True)
class FoundPolicy:
    """A policy file and where it came from."""

    path: FsPath
    origin: str
    trusted: bool
    """Python files run only when trusted: built-ins, installed packs, explicit --policy-dir, opt-in."""
    pack: str = ""
    """For an installed pack: its name, which is the first part of its policies' ids (``acme/<slug>``)."""

    @property
    def is_python(self) -> bool:
        return self.path.suffix == ".py"

    @property
    def default_id(self) -> str:
        return f"{self.pack or self.path.parent.name}/{self.path.stem.replace('_', '-')}"


FIXTURE_DIRECTORY = "tests"
"""In a policy directory, ``<pack>/tests/<slug>/`` holds a policy's fixtures: nothing under a directory of
this name is a policy (see ``conformance policies test``)."""


def _policy_files(directory: FsPath) -> Iterator[FsPath]:
    for path in sorted(directory.rglob("*")):
        if path.name.startswith(("_", ".")) or not path.is_file():
            continue
        if FIXTURE_DIRECTORY in path.relative_to(directory).parts[:-1]:
            continue
        if path.suffix in (".yaml", ".yml", ".py"):
            yield path


def find_builtin(packs: Iterable[str] = BUILTIN_PACKS) -> Iterator[FoundPolicy]:
    root = builtin_root()
    for pack in packs:
        if not (root / pack).is_dir():
            continue
        for path in _policy_files(root / pack):
            yield FoundPolicy(path, "built-in", True)


def find_entry_points() -> Iterator[FoundPolicy]:
    """Policies of the packs installed with pip (see :mod:`conformance.catalog.packs` for a pack's layout)."""
    from conformance.catalog.packs import installed_packs

    for pack in installed_packs():
        for path in _policy_files(pack.policies_dir):
            if not pack.skips(path):
                yield FoundPolicy(path, f"package {pack.name}", True, pack.name)


def policy_files(directory: FsPath) -> list[FsPath]:
    """The policy files of a directory, sorted (as ``--policy-dir`` reads them)."""
    return list(_policy_files(directory))


def find_in_directories(directories: Iterable[tuple[FsPath, bool]]) -> Iterator[FoundPolicy]:
    for directory, trusted in directories:
        if not directory.is_dir():
            raise PolicyDefinitionError(f"policy directory {directory} does not exist")
        for path in _policy_files(directory):
            yield FoundPolicy(path, f"directory {directory}", trusted)


def load(found: FoundPolicy, validate: bool = True) -> PolicyDefinition:
    """Load one found policy file (callers filter out untrusted Python files first)."""
    if found.is_python:
        from conformance.catalog.python_policy import load_python_policy

        return load_python_policy(found.path)
    from conformance.catalog.yaml_policy import load_yaml_policy

    return load_yaml_policy(found.path, found.default_id, validate=validate)


@dataclass(frozen=True)
class Catalog:
    definitions: tuple[PolicyDefinition, ...]
    untrusted: tuple[FoundPolicy, ...]
    """Python policies that were found but not run (inside a scanned tree, no --trust-local-policies)."""
    dormant_ids: tuple[str, ...] = ()
    """Ids of built-in policies left unloaded because the run cannot meet their target (no Dockerfile, no
    repository root among the inputs): configuration may still name them."""

    @property
    def known_ids(self) -> frozenset[str]:
        return frozenset([*(d.id for d in self.definitions), *self.dormant_ids])


def build_catalog(
    policy_dirs: Iterable[tuple[FsPath, bool]] = (),
    *,
    trust_local: bool = False,
    entry_points: bool = True,
    targets: Iterable[str] | None = None,
) -> Catalog:
    """Find and load every policy; duplicate ids are an error naming both sources.

    With ``targets``, built-in packs of other targets are not loaded (importing them costs a pre-commit hook
    tens of milliseconds); their ids are kept as dormant.
    """
    wanted = set(targets) if targets is not None else None
    packs = [p for p in BUILTIN_PACKS if wanted is None or BUILTIN_PACK_TARGETS.get(p) in wanted]
    dormant = [found.default_id for found in find_builtin([p for p in BUILTIN_PACKS if p not in packs])]
    found: list[FoundPolicy] = list(find_builtin(packs))
    if entry_points:
        found.extend(find_entry_points())
    found.extend(find_in_directories(policy_dirs))
    definitions: dict[str, PolicyDefinition] = {}
    untrusted: list[FoundPolicy] = []
    for item in found:
        if item.is_python and not (item.trusted or trust_local):
            untrusted.append(item)
            continue
        definition = load(item, validate=item.origin != "built-in")
        previous = definitions.get(definition.id)
        if previous is not None:
            raise PolicyDefinitionError(
                f"duplicate policy id {definition.id!r}: {previous.info.source} and {definition.info.source}"
            )
        definitions[definition.id] = definition
    ordered = tuple(sorted(definitions.values(), key=lambda d: d.id))
    return Catalog(ordered, tuple(untrusted), tuple(sorted(set(dormant) - set(definitions))))
