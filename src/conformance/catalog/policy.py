"""The contract between the engine and a policy, whatever it is written in.

A policy author writes either a YAML file (metadata plus a JSON Schema, see :mod:`.yaml_policy`) or a Python
module (see :class:`PythonPolicyModule`). Both become a :class:`Policy` the engine runs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from conformance.model import Location, Path, PolicyInfo, ResourceId, Violation
from conformance.targets.adapters import ADAPTERS
from conformance.targets.adapters import TARGETS as ADAPTER_TARGETS
from conformance.targets.kubernetes import Resource

if TYPE_CHECKING:
    from conformance.catalog.object_match import ObjectFilter
    from conformance.scope import Scope


KUBERNETES = "kubernetes"
YAML_FILE = "yaml"
DOCKERFILE = "dockerfile"
REPOSITORY = "repository"
TARGETS = ADAPTER_TARGETS
"""What a policy checks (one adapter each, see :mod:`conformance.targets.adapters`): each Kubernetes object;
each document of YAML files its ``FILES`` globs select; each Dockerfile; or the scanned repository."""
DEFAULT_FILES = {adapter.name: adapter.default_files for adapter in ADAPTERS if adapter.default_files}
"""Default ``FILES`` globs of file targets (gitignore-style, relative to the repository root)."""


@dataclass(frozen=True)
class ScopeEntry:
    """What a cross-resource policy knows about one resource of the scan: identity, facts, positions."""

    resource: ResourceId
    file: str
    document_index: int
    facts: Any
    """What the policy's ``facts()`` extracted from the resource (small, picklable)."""
    locations: Mapping[Path, Location] = field(default_factory=dict, repr=False)
    """For a subject (a resource of the policy's ``KINDS``): positions of its ``LOCATE`` paths that exist, plus
    ``()`` for the resource itself. Other entries carry none: they are only looked up, never reported."""
    annotations: Any = field(default=None, repr=False)
    """For a subject: its ignore annotations (:class:`conformance.suppress.AnnotationMarkers`), if any."""
    project: str = field(default="", compare=False)
    """The project the resource belongs to (a git work tree, a rendered chart, else the scanned directory):
    cross-resource policies only ever join entries of one project."""

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def kind_key(self) -> str:
        """The kind with its API group, as policies' ``KINDS`` name it (see :mod:`conformance.targets.kinds`)."""
        from conformance.targets.kinds import kind_key

        return kind_key(self.resource.api_version or "", self.resource.kind)

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def namespace(self) -> str | None:
        return self.resource.namespace

    def locate(self, path: Path) -> Location:
        """The position of a path, or of its nearest recorded parent."""
        for end in range(len(path), -1, -1):
            location = self.locations.get(tuple(path[:end]))
            if location is not None:
                return location
        return Location(self.file)


@dataclass(frozen=True)
class CheckContext:
    """What a policy gets beside its target: its effective options and, for cross-resource policies, the scope."""

    options: Mapping[str, Any]
    scope: Scope | None = None
    """For cross-resource policies: every entry the policy recorded (see :mod:`conformance.scope`)."""


class PythonPolicyModule(Protocol):
    """The contract of a Python policy module (module-level names; see ``docs`` in the README).

    Required: ``ID``, ``TITLE``, ``SEVERITY``, ``check``. The module docstring is the description.
    Optional: ``CATEGORY``, ``PROFILES``, ``FIX``, ``KINDS`` (None = all kinds), ``OPTIONS``
    (``{name: {"default": v, "description": s, "schema": {...}}}``), ``TARGET`` (one of :data:`TARGETS`,
    default ``kubernetes``) and, for file targets, ``FILES`` (gitignore-style globs). Autofix: an optional
    ``fix(violation, target, ctx)`` returning operations (see :mod:`conformance.fix`), or ``NO_FIX`` (a string)
    saying why the policy cannot fix.

    ``TARGET = "yaml"``: ``check(document: YamlDocument, ctx)``, paths into ``document.data``.
    ``TARGET = "dockerfile"``: ``check(dockerfile: Dockerfile, ctx)``, paths ``(instruction_index,)``.
    ``TARGET = "repository"``: ``check(repository: Repository, ctx)``, paths ``()`` (the repository),
    ``(file,)``, ``(file, line)`` or ``(file, line, column)``.

    A single-resource policy's ``check(resource: Resource, ctx: CheckContext)`` yields :class:`Violation`
    with a path relative to the resource. A cross-resource policy sets ``SCOPE = True``, defines
    ``facts(resource) -> object | None`` (called on every resource in the scan; None leaves it out of the
    scope) and ``LOCATE`` (paths whose positions it may report), and its
    ``check(subject: ScopeEntry, ctx: CheckContext)`` sees every entry through ``ctx.scope``.
    """

    ID: str
    TITLE: str
    SEVERITY: str

    def check(self, target: Any, ctx: CheckContext) -> Iterable[Violation]: ...


@dataclass(frozen=True)
class Policy:
    """A policy ready to run: metadata, targeting, effective options and its check function."""

    info: PolicyInfo
    kinds: frozenset[str] | None
    check: Callable[[Any, CheckContext], Iterable[Violation]] = field(repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    scope: bool = False
    facts: Callable[[Resource], Any] | None = field(default=None, repr=False)
    locate_paths: tuple[Path, ...] = ()
    python: bool = False
    target: str = KUBERNETES
    files: tuple[str, ...] = ()
    """For file targets: gitignore-style globs over repository-relative paths."""
    fixer: Callable[[Violation, Any, CheckContext], Iterable[Any]] | None = field(default=None, repr=False)
    """Autofix: ``fixer(violation, target, ctx)`` gives the operations (:class:`conformance.fix.operations.Operation`)
    that remove the violation, relative to the target, or raises ``NotApplicable`` (see :mod:`conformance.fix`)."""
    filter: ObjectFilter | None = None
    """The policy's ``match`` / ``exclude`` blocks (see :mod:`.object_match`), applied before the check."""

    @property
    def id(self) -> str:
        return self.info.id

    @cached_property
    def _file_matcher(self) -> Any:
        from conformance.targets.repo import compile_globs

        return compile_globs(self.files)

    def applies_to_file(self, relative: str) -> bool:
        """Whether a file target policy selects a file (by its repository-relative path)."""
        return bool(self.files) and bool(self._file_matcher.match_file(relative))

    def admits(self, target: Any) -> bool:
        """Whether the policy's ``match`` / ``exclude`` let it check this target (its kind already selected)."""
        return self.filter is None or self.filter.admits(target)

    @cached_property
    def _kind_selector(self) -> Any:
        from conformance.targets.kinds import KindSelector

        return KindSelector(self.kinds or ())

    def applies_to(self, kind: str, traits: Collection[str] | None = None) -> bool:
        """Whether the policy selects objects of a kind key (``Deployment``, ``argoproj.io/Rollout``) that
        belong to the kind groups ``traits`` (``pod-bearing``, ``long-running``; by default those of the
        shipped table for that key)."""
        if self.kinds is None:
            return True
        if traits is None:
            from conformance.targets.kinds import traits_of_key

            traits = traits_of_key(kind)
        return bool(self._kind_selector.matches(kind, traits))


@dataclass(frozen=True)
class PolicyDefinition:
    """A loaded, validated policy before configuration: builds a :class:`Policy` for given options."""

    info: PolicyInfo
    option_specs: Mapping[str, Mapping[str, Any]]
    build: Callable[[Mapping[str, Any], str], Policy] = field(repr=False)
    """build(options, severity) -> Policy; options already merged with defaults and validated."""
    example: str = ""
    fixes: bool = False
    """Whether the policy declares an autofix (``conformance fix``)."""
    no_fix_reason: str = ""
    """Why it declares none, when it says so (``policies explain`` shows it)."""

    @property
    def id(self) -> str:
        return self.info.id

    def defaults(self) -> dict[str, Any]:
        return {name: spec.get("default") for name, spec in self.option_specs.items()}


def format_message(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` fields of a message template; unknown fields are left as written."""

    class _Lenient(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return template.format_map(_Lenient(values))
    except (ValueError, IndexError, KeyError, AttributeError):
        return template
