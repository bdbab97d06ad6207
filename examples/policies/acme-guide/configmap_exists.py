"""A workload must not mount a ConfigMap that no manifest defines.

A pod whose volume names a missing ConfigMap never starts: it waits in `ContainerCreating` until someone
creates the ConfigMap. Checked: every Deployment, StatefulSet and DaemonSet; each `configMap` volume of its
pod template (not marked `optional: true`) must name a ConfigMap defined in the same scan, in the same
namespace (an object without a namespace may be applied to any, so it counts for every namespace).

Workloads labelled `acme.example/config: external` take their configuration from outside the repository
(a ConfigMap created by another pipeline) and are exempt. The finding points at the pod template's
`volumes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from conformance.api import CheckContext, Resource, ScopeEntry, Violation, pod_spec

ID = "acme-guide/configmap-exists"
TITLE = "Mounted ConfigMaps must be defined"
SEVERITY = "error"
CATEGORY = "reliability"
PROFILES = ("acme-production",)
FIX = "Add the ConfigMap to the manifests (or mark the volume `optional: true`), or fix the name."
KINDS = ("Deployment", "StatefulSet", "DaemonSet")
EXCLUDE = {"labels": {"matchLabels": {"acme.example/config": "external"}}}
SCOPE = True
VOLUMES = ("spec", "template", "spec", "volumes")
LOCATE = (VOLUMES,)


def _mounted(resource: Resource) -> list[str]:
    names = set()
    for volume in (pod_spec(resource) or {}).get("volumes") or ():
        source = volume.get("configMap") if isinstance(volume, Mapping) else None
        if isinstance(source, Mapping) and isinstance(source.get("name"), str) and source.get("optional") is not True:
            names.add(source["name"])
    return sorted(names)


def facts(resource: Resource) -> dict[str, Any] | None:
    """ConfigMaps are looked up by name; workloads record the ConfigMaps they mount."""
    if resource.kind_key == "ConfigMap":
        return {"configmap": resource.name}
    if resource.kind_key in KINDS:
        return {"mounts": _mounted(resource)}
    return None


def _configmap_name(entry: ScopeEntry) -> Iterable[str]:
    name = entry.facts.get("configmap")
    return (name,) if name else ()


def check(subject: ScopeEntry, ctx: CheckContext) -> Iterator[Violation]:
    if ctx.scope is None:
        return
    for name in subject.facts.get("mounts", ()):
        if not any(ctx.scope.lookup("configmaps", _configmap_name, name, subject.namespace)):
            yield Violation(f"mounts ConfigMap {name!r}, which no manifest in its namespace defines", VOLUMES, name)
