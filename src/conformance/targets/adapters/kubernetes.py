"""The Kubernetes target: every object of every YAML document (items of a ``kind: List`` each on their own)."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from conformance import yamlio
from conformance.model import Location, Origin, Path
from conformance.targets import kinds
from conformance.targets import kubernetes as k8s
from conformance.targets.adapters import YAML_FORMAT, Subject, path_label

if TYPE_CHECKING:
    from conformance.catalog.policy import Policy
    from conformance.engine.findings import Place

CONTAINER_LISTS = frozenset(k8s.CONTAINER_TYPES)
_CONTAINER_KEY = re.compile(r"^(?:containers|initContainers|ephemeralContainers)\[([^\]]*)\](?:#.*)?$")


def span_location(display: str, span: yamlio.NodeSpan) -> Location:
    """A location from a node's span in a file."""
    return Location(display, span.line, span.column, span.end_line, span.end_column)


class KubernetesAdapter:
    name = "kubernetes"
    reads = YAML_FORMAT
    syntax = "yaml"
    default_files = ()
    needs_files = False
    cross_resource = True
    walks_manifests = True

    def __init__(self, table: kinds.KindTable | None = None) -> None:
        self.table = table
        """Built-in kinds and workloads (None: the shipped table; a scan's configuration may extend it)."""

    def configured(self, workloads: tuple[Any, ...]) -> KubernetesAdapter:
        """This adapter with the configuration's ``workloads`` added to the shipped table."""
        return KubernetesAdapter(kinds.shipped().extended(workloads)) if workloads else self

    def meets(self, path: str, is_directory: bool, diff_aware: bool) -> bool:
        return True  # any YAML or JSON file, and standard input, may hold objects

    def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
        display = origin.display
        document_origin = replace(origin, document=document.index)
        table = self.table or kinds.shipped()
        for base_path, data in k8s.resources_of(document.data, display, document.index):
            workload, shape = k8s.checked_shape(data, table.lookup(data["apiVersion"], data["kind"]))
            if shape:
                from conformance.engine.findings import loose_id

                problems = tuple((path, f"invalid {data.get('kind')}: {message}") for path, message in shape)
                rid = loose_id(data)
                yield Subject(
                    None, document_origin, document, str(rid), data, base_path, rid, str(data.get("kind")), problems
                )
                continue
            resource = k8s.make_resource(data, display, document.index, base_path, workload)
            key = table.key(resource.api_version, resource.kind)
            yield Subject(resource, document_origin, document, "", data, base_path, resource.id, key)

    def selection_key(self, subject: Subject, relative: str) -> Hashable:
        return subject.kind, _traits(subject)

    def selects(self, policy: Policy, subject: Subject, relative: str) -> bool:
        """By kind key (``Deployment``, ``argoproj.io/Rollout``) and kind groups (``pod-bearing``, ...)."""
        return policy.applies_to(subject.kind, _traits(subject))

    def place(self, subject: Subject, path: Path) -> Place:
        from conformance.engine.findings import Place

        span = yamlio.locate(subject.source.node, (*subject.base_path, *path))
        return Place(span_location(subject.origin.display, span), path_label(subject.data, path), subject.origin)

    def fault_location(self, subject: Subject) -> Location:
        return span_location(subject.origin.display, yamlio.locate(subject.source.node, subject.base_path))

    def exact_location(self, subject: Subject, path: Path) -> Location | None:
        full = (*subject.base_path, *path)
        span = yamlio.locate(subject.source.node, full)
        return span_location(subject.origin.display, span) if span.matched == len(full) else None

    def container(self, subject: Subject, path: Path, key: str) -> str | None:
        """From the violation's key (``containers[web]``, how a pod-level value inherited by a container is
        told apart), else from the path: the name of the container it passes through, or its index."""
        if key and _CONTAINER_KEY.match(key):
            return container_in_key(key)
        return container_on_path(subject.data, path)


def _traits(subject: Subject) -> frozenset[str]:
    target = subject.target
    return k8s.kind_traits(target) if isinstance(target, k8s.Resource) else kinds.NO_TRAITS


def container_in_key(key: str) -> str | None:
    """The container a violation key names (``containers[web]`` gives ``web``), if it names one."""
    match = _CONTAINER_KEY.match(key) if key else None
    return (match.group(1) or None) if match else None


def container_on_path(data: Any, path: Path) -> str | None:
    """The container a path inside an object passes through: its name, or its index when it has none."""
    node = data
    for position, step in enumerate(path):
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            if position and path[position - 1] in CONTAINER_LISTS:
                name = item.get("name") if isinstance(item, Mapping) else None
                return (name if isinstance(name, str) else str(step)) or None
            node = item
        else:
            node = node.get(step) if isinstance(node, Mapping) else None
    return None


KUBERNETES = KubernetesAdapter()
