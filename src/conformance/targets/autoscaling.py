"""HorizontalPodAutoscalers as cross-resource policies see them: which workload each one scales, and how low."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from conformance.catalog.policy import ScopeEntry
from conformance.scope import Scope
from conformance.targets.kubernetes import Resource, get_path

HPA = "HorizontalPodAutoscaler"


def as_integer(value: Any) -> int | None:
    """The value if it is a real integer (YAML booleans are not), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def hpa_facts(resource: Resource) -> dict[str, Any] | None:
    """For an HPA: the kind and name it scales and its minReplicas (default 1); None otherwise."""
    if resource.kind_key != HPA:
        return None
    target = get_path(resource.data, ("spec", "scaleTargetRef"))
    if not isinstance(target, Mapping):
        return None
    minimum = as_integer(get_path(resource.data, ("spec", "minReplicas")))
    return {
        "kind": str(target.get("kind", "")),
        "name": str(target.get("name", "")),
        "min": 1 if minimum is None else minimum,
    }


def _target(entry: ScopeEntry) -> Iterable[Hashable]:
    if entry.kind == HPA and isinstance(entry.facts, Mapping):
        yield (entry.facts["kind"], entry.facts["name"])


def autoscalers_of(subject: ScopeEntry, scope: Scope) -> list[ScopeEntry]:
    """The HPAs in scope (same namespace) whose scaleTargetRef names the subject."""
    return list(scope.lookup("hpa-target", _target, (subject.kind, subject.name), subject.namespace))
