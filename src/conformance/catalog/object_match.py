"""Per-policy ``match`` / ``exclude``: which Kubernetes objects a policy applies to, beyond its kinds.

A block names any of ``kinds`` (as ``target.kinds`` takes them), ``names`` and ``namespaces`` (exact, or
globs with ``*`` and ``?``) and ``labels`` (a Kubernetes label selector: ``matchLabels`` plus
``matchExpressions`` with ``In``, ``NotIn``, ``Exists``, ``DoesNotExist``). An object matches a block when it
matches every field the block names (one entry of a list is enough). A policy applies to an object that
matches its ``match`` block (if any) and does not match its ``exclude`` block (if any); objects it does not
apply to are not-applicable, never passed. An object without ``metadata.namespace`` matches no
``namespaces`` entry. Labels are the object's own ``metadata.labels``.

YAML policies write the blocks as ``match:`` / ``exclude:``, Python policies as ``MATCH`` / ``EXCLUDE``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from conformance.errors import PolicyDefinitionError
from conformance.globmatch import ONE_CHAR, STAR, Glob, segment_matches
from conformance.targets import kinds as kinds_module
from conformance.targets import kubernetes as k8s
from conformance.targets.selectors import label_selector_matches, selector_problems

FIELDS = ("kinds", "names", "namespaces", "labels")
MAX_PATTERNS = 256
"""Entries a ``names`` or ``namespaces`` list may have."""


def compile_glob(pattern: str) -> Glob:
    """A name glob: ``*`` any run of characters, ``?`` one character, everything else literal."""
    return tuple(STAR if c == "*" else ONE_CHAR if c == "?" else c for c in pattern)


@dataclass(frozen=True)
class ObjectMatch:
    """One ``match`` or ``exclude`` block, validated; None for a field the block does not name."""

    kinds: tuple[str, ...] | None = None
    names: tuple[Glob, ...] | None = None
    namespaces: tuple[Glob, ...] | None = None
    labels: Mapping[str, Any] | None = None

    @cached_property
    def _kind_selector(self) -> kinds_module.KindSelector:
        return kinds_module.KindSelector(self.kinds or ())

    def matches(self, resource: k8s.Resource) -> bool:
        """Whether the object matches every field this block names."""
        if self.kinds is not None and not self._kind_selector.matches(resource.kind_key, k8s.kind_traits(resource)):
            return False
        if self.names is not None and not any(segment_matches(glob, resource.name) for glob in self.names):
            return False
        if self.namespaces is not None:
            namespace = resource.namespace
            if namespace is None or not any(segment_matches(glob, namespace) for glob in self.namespaces):
                return False
        return self.labels is None or label_selector_matches(self.labels, resource.labels)


@dataclass(frozen=True)
class ObjectFilter:
    """A policy's ``match`` and ``exclude`` blocks."""

    match: ObjectMatch | None = None
    exclude: ObjectMatch | None = None

    def admits(self, target: Any) -> bool:
        """Whether the policy applies to a target (anything but a Kubernetes object is never filtered)."""
        if not isinstance(target, k8s.Resource):
            return True
        if self.match is not None and not self.match.matches(target):
            return False
        return self.exclude is None or not self.exclude.matches(target)


def _patterns(value: Any, where: str) -> tuple[Glob, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise PolicyDefinitionError(f"field {where}: must be a non-empty list of names or globs")
    if len(value) > MAX_PATTERNS:
        raise PolicyDefinitionError(f"field {where}: at most {MAX_PATTERNS} entries")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise PolicyDefinitionError(f"field {where}[{index}]: must be a non-empty string")
    return tuple(compile_glob(item) for item in value)


def _kinds(value: Any, where: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, Sequence) or not names or not all(isinstance(n, str) for n in names):
        raise PolicyDefinitionError(f"field {where}: must be a kind, a kind group or a non-empty list of them")
    if names == ["all"]:
        raise PolicyDefinitionError(f"field {where}: 'all' selects every kind: leave kinds out instead")
    for index, name in enumerate(names):
        problem = kinds_module.kind_name_problem(name)
        if problem is not None:
            raise PolicyDefinitionError(f"field {where}[{index}]: {problem}")
    return tuple(names)


def _labels(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyDefinitionError(f"field {where}: must be a label selector (matchLabels, matchExpressions)")
    unknown = sorted(str(key) for key in value if key not in ("matchLabels", "matchExpressions"))
    if unknown:
        raise PolicyDefinitionError(f"field {where}: unknown key {unknown[0]!r} (matchLabels, matchExpressions)")
    problems = selector_problems(value)
    if problems:
        raise PolicyDefinitionError(f"field {where}.{problems[0]}")
    return dict(value)


def parse_block(block: Any, where: str) -> ObjectMatch:
    """Validate one block; errors name the field (``match.labels.matchExpressions[0] has operator ...``)."""
    if not isinstance(block, Mapping) or not block:
        raise PolicyDefinitionError(f"field {where}: must be a mapping of {', '.join(FIELDS)}")
    unknown = sorted(str(key) for key in block if key not in FIELDS)
    if unknown:
        raise PolicyDefinitionError(f"field {where}: unknown key {unknown[0]!r} (expected {', '.join(FIELDS)})")
    return ObjectMatch(
        kinds=_kinds(block["kinds"], f"{where}.kinds") if "kinds" in block else None,
        names=_patterns(block["names"], f"{where}.names") if "names" in block else None,
        namespaces=_patterns(block["namespaces"], f"{where}.namespaces") if "namespaces" in block else None,
        labels=_labels(block["labels"], f"{where}.labels") if "labels" in block else None,
    )


def parse_filter(
    match: Any, exclude: Any, source: str, names: tuple[str, str] = ("match", "exclude")
) -> ObjectFilter | None:
    """The filter of a policy's blocks (None when it has neither); a bad block is an error naming the file."""
    if match is None and exclude is None:
        return None
    try:
        return ObjectFilter(
            match=None if match is None else parse_block(match, names[0]),
            exclude=None if exclude is None else parse_block(exclude, names[1]),
        )
    except PolicyDefinitionError as exc:
        raise PolicyDefinitionError(f"{source}: {exc}") from None
