"""Target adapters: one per kind of thing a policy checks, behind one small protocol, listed in one registry.

An adapter says, for its target:

- which file format it reads (``yaml``, ``dockerfile``, or the ``repository`` as a whole) and the comment
  syntax inline suppressions use there;
- what a policy of the target must declare (``FILES`` globs, default globs, whether cross-resource
  policies exist for it) and whether a run over given paths can meet it at all;
- the *subjects* a loaded file holds (each Kubernetes object, each YAML document, the Dockerfile, the
  repository), and for each which policies select it;
- how a path a policy reports inside a subject becomes a place: a line and column, a readable label, and the
  origin of the file it is in.

The engine loops over :data:`ADAPTERS` and holds no branch per target. Adding a target (a Helm chart, a
kustomization) is adding an adapter here. Editing (autofix) goes by file format, not by adapter (the Kubernetes
and YAML-document fixes of one file are one edit of its text): see :mod:`conformance.fix.apply`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.model import Location, Origin, Path, ResourceId
from conformance.yamlio import Problem

if TYPE_CHECKING:
    from typing import Protocol

    from conformance.catalog.policy import Policy
    from conformance.engine.findings import Place

YAML_FORMAT = "yaml"
DOCKERFILE_FORMAT = "dockerfile"
REPOSITORY_FORMAT = "repository"


@dataclass(frozen=True)
class ParsedFile:
    """A file read in its format: its documents (what adapters take subjects from) and its problems."""

    documents: tuple[Any, ...]
    problems: tuple[Problem, ...]
    """Fatal ones are parse errors, others warnings (duplicate keys)."""


@dataclass(frozen=True)
class Subject:
    """One thing policies are run on: what ``check()`` receives, where it sits, and how it is named."""

    target: Any
    """What a policy's ``check()`` is given (a Resource, a YamlDocument, a Dockerfile, a Repository)."""
    origin: Origin
    source: Any
    """What positions are resolved in: the loaded YAML document, the parsed Dockerfile, the repository."""
    name: str
    """How fault messages name it: ``Deployment/web``, a file, a repository."""
    data: Any = None
    """The mapping labels are read from (the object, the document), when there is one."""
    base_path: Path = ()
    """Where the subject sits in its document (``("items", 3)`` for an item of a List)."""
    resource: ResourceId | None = None
    """Set for Kubernetes objects: their identity in findings, annotations and cross-resource scopes."""
    kind: str = ""
    problems: tuple[tuple[Path, str], ...] = ()
    """Why the subject is invalid (each an ``invalid-object`` error); no policy runs on an invalid subject."""


if TYPE_CHECKING:

    class TargetAdapter(Protocol):
        """The protocol every adapter implements (plain objects with these attributes; no base class). It is
        known to type checkers only: nothing at run time depends on it."""

        @property
        def name(self) -> str:
            """The target's name: a policy's ``TARGET`` (Python) or ``target.type`` (YAML)."""
            ...

        @property
        def reads(self) -> str:
            """The format of the files it takes subjects from: :data:`YAML_FORMAT`, :data:`DOCKERFILE_FORMAT` or
            :data:`REPOSITORY_FORMAT`."""
            ...

        @property
        def syntax(self) -> str:
            """Comment syntax of inline suppressions in its files (``yaml`` or ``dockerfile``)."""
            ...

        @property
        def default_files(self) -> tuple[str, ...]:
            """``FILES`` globs a policy of this target gets when it names none."""
            ...

        @property
        def needs_files(self) -> bool:
            """Whether a policy of this target must select files with ``FILES`` globs."""
            ...

        @property
        def cross_resource(self) -> bool:
            """Whether cross-resource (``SCOPE``) policies exist for this target."""
            ...

        @property
        def walks_manifests(self) -> bool:
            """Whether a directory walk must take every YAML and JSON file for it (not only files ``FILES`` select)."""
            ...

        def meets(self, path: str, is_directory: bool, diff_aware: bool) -> bool:
            """Whether a run over ``path`` can meet this target (built-in packs it cannot meet stay dormant)."""

        def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
            """The subjects of one document of a parsed file (or of a repository view); ``relative`` is the file's
            path as ``FILES`` globs see it."""

        def selection_key(self, subject: Subject, relative: str) -> Hashable:
            """What :meth:`selects` depends on, so the engine can remember the selection."""

        def selects(self, policy: Policy, subject: Subject, relative: str) -> bool:
            """Whether a policy of this target runs on a subject of the file at ``relative``."""

        def place(self, subject: Subject, path: Path) -> Place:
            """Position, label and origin of a path a policy reported inside a subject."""

        def fault_location(self, subject: Subject) -> Location:
            """Where a fault of a policy on the subject (an exception, a timeout) is reported."""

        def exact_location(self, subject: Subject, path: Path) -> Location | None:
            """The position of a path that exists in the subject (None if it does not): cross-resource positions."""

        def container(self, subject: Subject, path: Path, key: str) -> str | None:
            """The container a violation is about, for annotations and waivers that name containers."""


def path_label(data: Any, path: Path) -> str:
    """A readable, index-independent rendering: ``spec.containers[app].image``."""
    parts: list[str] = []
    node = data
    for step in path:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            parts.append(f"[{name}]" if isinstance(name, str) else f"[{step}]")
            node = item
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, Mapping) else None
    return "".join(parts)


def read_format(reads: str, text: str, display: str) -> ParsedFile:
    """Parse a file's text in a format: YAML documents, or one Dockerfile."""
    if reads == DOCKERFILE_FORMAT:
        from conformance.targets import dockerfile

        parsed = dockerfile.parse(text, display)
        problems = tuple(Problem(f"Dockerfile: {p.message}", p.line, p.column) for p in parsed.problems)
        return ParsedFile((parsed,), problems)
    from conformance import yamlio

    loaded = yamlio.load(text)
    return ParsedFile(loaded.documents, loaded.problems)


def _registry() -> tuple[TargetAdapter, ...]:
    from conformance.targets.adapters.files import DOCKERFILE, YAML_DOCUMENTS
    from conformance.targets.adapters.kubernetes import KUBERNETES
    from conformance.targets.adapters.repository import REPOSITORY

    return (KUBERNETES, YAML_DOCUMENTS, DOCKERFILE, REPOSITORY)


ADAPTERS: tuple[TargetAdapter, ...] = _registry()
"""Every target, in the order the engine visits a file's subjects."""
TARGETS: tuple[str, ...] = tuple(adapter.name for adapter in ADAPTERS)
BY_NAME: Mapping[str, TargetAdapter] = {adapter.name: adapter for adapter in ADAPTERS}
FORMATS: tuple[str, ...] = (YAML_FORMAT, DOCKERFILE_FORMAT)
"""File formats, the default first: a file is read in another format only when a policy of it selects it."""


def adapter_for(target: str) -> TargetAdapter:
    """The adapter of a target name (a policy's ``TARGET``)."""
    return BY_NAME[target]
