"""The Kubernetes view of a document: resources, pod specs and containers, as plain helper functions.

Policy authors use :func:`pod_spec` and :func:`containers`; the engine uses :func:`resources_of` to turn a
loaded document into resources (``kind: List`` items become resources of their own) and
:func:`shape_problems` to refuse objects whose fields have the wrong shape before any policy sees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conformance.model import Path, ResourceId
from conformance.targets import kinds
from conformance.targets.apiview import api_view, extend_to_null_key

POD_SPEC_PATHS: Mapping[str, Path] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
"""Where each pod-bearing kind keeps its pod spec."""

POD_BEARING_KINDS = tuple(POD_SPEC_PATHS)
LONG_RUNNING_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController")
CONTAINER_TYPES = ("containers", "initContainers", "ephemeralContainers")

INHERITED_SECURITY_FIELDS = (
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
    "appArmorProfile",
)
"""Pod-level securityContext fields that are the default for every container (container settings win)."""


@dataclass(frozen=True)
class Resource:
    """One Kubernetes object from a document (or an item of a ``kind: List``)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None
    labels: Mapping[str, Any]
    annotations: Mapping[str, Any]
    file: str
    document_index: int
    data: Mapping[str, Any] = field(repr=False, compare=False)
    base_path: Path = ()
    """Where the object sits inside its document: ``()``, or ``("items", i)`` for a List item."""
    workload: kinds.Workload | None = field(default=None, repr=False, compare=False)
    """Where its pods are described (set by the adapter from the scan's table; None: the shipped table)."""
    nulls: frozenset[Path] = field(default=frozenset(), repr=False, compare=False)
    """Paths of the keys written with a null value, which :attr:`data` does not have (see :func:`api_view`)."""

    @property
    def id(self) -> ResourceId:
        return ResourceId(self.kind, self.name, self.namespace, self.api_version)

    @cached_property
    def kind_key(self) -> str:
        """``Deployment`` for Kubernetes' own kind, ``argoproj.io/Rollout`` for a custom one (see
        :mod:`conformance.targets.kinds`)."""
        return kinds.kind_key(self.api_version, self.kind)


@dataclass(frozen=True)
class Container:
    """A container of a pod spec with its effective security context (pod defaults applied)."""

    name: str
    container_type: str
    index: int
    path: Path
    """Path of the container inside the resource (not the document)."""
    data: Mapping[str, Any] = field(repr=False)
    """The container as written, except ``securityContext`` which holds the effective settings."""
    inherited: frozenset[str] = frozenset()
    """securityContext fields whose effective value comes from the pod."""
    pod_spec_path: Path = ()
    """Path of the pod spec inside the resource, where inherited securityContext fields are written."""

    @property
    def label(self) -> str:
        """How messages name it: ``container 'web'``, ``init container 'x'``, ``sidecar container 'proxy'``."""
        if self.container_type == "ephemeralContainers":
            kind = "ephemeral container"
        elif self.container_type == "initContainers":
            kind = "sidecar container" if self.data.get("restartPolicy") == "Always" else "init container"
        else:
            kind = "container"
        return f"{kind} '{self.name}'"

    def source_path(self, sub_path: Path) -> Path:
        """Map a path inside :attr:`data` to where the value is written in the resource."""
        if len(sub_path) >= 2 and sub_path[0] == "securityContext" and sub_path[1] in self.inherited:
            return (*self.pod_spec_path, *sub_path)
        return (*self.path, *sub_path)


def is_kubernetes_object(data: Any) -> bool:
    """A mapping with string apiVersion and kind; anything else is not a Kubernetes object."""
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
        and bool(data.get("kind"))
    )


def resources_of(data: Any, file: str, document_index: int) -> Iterator[tuple[Path, Any]]:
    """Yield (path, object) for each Kubernetes object in a document; List items are objects of their own.

    Each object is yielded as the API server reads it (:func:`api_view`): a field whose value is null is not
    there at all.
    """
    if not is_kubernetes_object(data):
        return
    items = data.get("items")
    if data["kind"].endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            if is_kubernetes_object(item):
                yield ("items", i), api_view(item)
        return
    yield (), api_view(data)


def at_null_key(resource: Resource, path: Path, *keys: Any) -> Path:
    """Where to report that ``keys`` are missing under ``path``: at the first of them written with a null value
    (``memory:`` left empty), so the finding gets that key's line; else at ``path`` itself."""
    for key in keys:
        if (*path, key) in resource.nulls:
            return (*path, key)
    return path


def toward_written_null(resource: Resource, path: Path, message: str) -> Path:
    """The path of a "required property" violation, extended by the missing key when that key is written
    with a null value, so the finding points at the null key's line rather than at its parent."""
    return extend_to_null_key(resource.nulls, path, message)


def make_resource(
    data: Mapping[str, Any], file: str, document_index: int, base_path: Path, workload: kinds.Workload | None = None
) -> Resource:
    """Build a resource from an object that passed :func:`shape_problems` (``workload``: from the scan's
    kind table; by default the shipped one)."""
    metadata = data.get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str):
        name = str(metadata.get("generateName") or "") + ("" if name is None else str(name))
    namespace = metadata.get("namespace")
    return Resource(
        api_version=data["apiVersion"],
        kind=data["kind"],
        name=name,
        namespace=None if namespace is None else str(namespace),
        labels=metadata.get("labels") or {},
        annotations=metadata.get("annotations") or {},
        file=file,
        document_index=document_index,
        data=data,
        base_path=base_path,
        workload=workload or kinds.shipped().lookup(data["apiVersion"], data["kind"]),
        nulls=getattr(data, "nulls", frozenset()),
    )


def get_path(data: Any, path: Path, default: Any = None) -> Any:
    """The value at a path, or ``default`` when any step is missing."""
    node = data
    for step in path:
        if isinstance(node, Mapping):
            if step not in node:
                return default
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return default
    return node


def workload_of(resource: Resource) -> kinds.Workload:
    """Where the resource's pods are described (by its API group and kind)."""
    if resource.workload is not None:
        return resource.workload
    return kinds.shipped().lookup(resource.api_version, resource.kind)


def kind_traits(resource: Resource) -> frozenset[str]:
    """The kind groups (``pod-bearing``, ``long-running``) the resource belongs to."""
    return workload_of(resource).traits


def pod_spec_paths(resource: Resource) -> tuple[Path, ...]:
    """Paths of every pod spec of the resource (a LeaderWorkerSet has two), none for kinds that run no pods."""
    return workload_of(resource).pod_specs


def pod_spec_path(resource: Resource) -> Path | None:
    """Path of the (main) pod spec inside the resource, or None for kinds that have none."""
    paths = pod_spec_paths(resource)
    return paths[0] if paths else None


def pod_specs(resource: Resource) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """(path, pod spec) for each pod spec the resource holds."""
    for path in pod_spec_paths(resource):
        spec = get_path(resource.data, path)
        if isinstance(spec, Mapping):
            yield path, spec


def pod_spec(resource: Resource) -> Mapping[str, Any] | None:
    """The pod spec of a pod-bearing resource (Deployment, CronJob via jobTemplate, Pod, a Rollout, ...), else
    None; for kinds with several, the main one."""
    path = pod_spec_path(resource)
    if path is None:
        return None
    spec = get_path(resource.data, path)
    return spec if isinstance(spec, Mapping) else None


def pod_template_metadata_path(resource: Resource) -> Path | None:
    """Path of the (main) pod template's metadata (the Pod's own metadata for a bare Pod)."""
    path = pod_spec_path(resource)
    if path is None:
        return None
    return (*path[:-1], "metadata")


def pod_label_sets(resource: Resource) -> list[Mapping[str, Any]]:
    """The labels of each kind of pod the resource runs: each pod template's, a Pod's own, or for an operator's
    object the labels it gives its pods plus those the operator adds. Empty when it runs no pods."""
    if resource.kind_key == "Pod":
        return [resource.labels]
    workload = workload_of(resource)
    found: list[Mapping[str, Any]] = []
    for path in workload.pod_specs:
        if isinstance(get_path(resource.data, path), Mapping):
            labels = get_path(resource.data, (*path[:-1], "metadata", "labels"))
            found.append(labels if isinstance(labels, Mapping) else {})
    if workload.pod_metadata is not None:
        labels = get_path(resource.data, (*workload.pod_metadata, "labels"))
        given = dict(labels) if isinstance(labels, Mapping) else {}
        added = {key: value.replace("{name}", resource.name) for key, value in workload.pod_labels.items()}
        found.append({**given, **added})
    return found


def pod_labels(resource: Resource) -> Mapping[str, Any]:
    """The labels pods of this resource carry: the (main) template's labels, or a Pod's own."""
    found = pod_label_sets(resource)
    return found[0] if found else {}


def containers(resource: Resource, types: tuple[str, ...] = CONTAINER_TYPES) -> Iterator[Container]:
    """Each container of the pod spec, of the given types, with pod securityContext defaults applied.

    The containers are built once per resource and shared by every policy: treat them as read-only.
    """
    every = resource.__dict__.get("_containers")
    if every is None:
        every = resource.__dict__["_containers"] = tuple(_build_containers(resource))
    for container_type in types:
        for container in every:
            if container.container_type == container_type:
                yield container


def _build_containers(resource: Resource) -> Iterator[Container]:
    for spec_path, spec in pod_specs(resource):
        yield from _pod_containers(spec_path, spec)


def _pod_containers(spec_path: Path, spec: Mapping[str, Any]) -> Iterator[Container]:
    pod_context = spec.get("securityContext")
    pod_context = pod_context if isinstance(pod_context, Mapping) else {}
    defaults = {k: pod_context[k] for k in INHERITED_SECURITY_FIELDS if k in pod_context}
    for container_type in CONTAINER_TYPES:
        items = spec.get(container_type)
        if not isinstance(items, list):
            continue
        for index, container in enumerate(items):
            if not isinstance(container, Mapping):
                continue
            own = container.get("securityContext")
            own = own if isinstance(own, Mapping) else None
            inherited = frozenset(k for k in defaults if own is None or k not in own)
            data = dict(container)
            if inherited:
                data["securityContext"] = {**defaults, **(own or {})}
            yield Container(
                name=str(container.get("name", "")),
                container_type=container_type,
                index=index,
                path=(*spec_path, container_type, index),
                data=data,
                inherited=inherited,
                pod_spec_path=spec_path,
            )


def _expect(
    problems: list[tuple[Path, str]],
    data: Any,
    path: Path,
    kind: type | tuple[type, ...],
    what: str,
    base: Path = (),
) -> Any:
    """The value at ``path`` inside ``data`` (which sits at ``base`` in the object), or None when it is absent
    or of the wrong shape (then recorded as a problem)."""
    value = get_path(data, path)
    path = (*base, *path) if base else path
    if value is not None and (not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind))):
        dotted = ".".join(str(p) for p in path)
        problems.append((path, f"{dotted} must be {what}, not {type(value).__name__}"))
        return None
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _expect_item(problems: list[tuple[Path, str]], data: Any, path: Path) -> Any:
    """A list item must be a mapping; a null one is the zero value, which the API server refuses."""
    value = get_path(data, path)
    if value is None:
        problems.append((path, f"{'.'.join(str(p) for p in path)} must be a mapping, not null"))
        return None
    return _expect(problems, data, path, Mapping, "a mapping")


_SECURITY_CONTEXT_SHAPE: tuple[tuple[Path, type | tuple[type, ...], str], ...] = (
    (("runAsUser",), int, "an integer"),
    (("runAsGroup",), int, "an integer"),
    (("runAsNonRoot",), bool, "a boolean"),
    (("seccompProfile",), Mapping, "a mapping"),
    (("seLinuxOptions",), Mapping, "a mapping"),
    (("windowsOptions",), Mapping, "a mapping"),
    (("appArmorProfile",), Mapping, "a mapping"),
)
"""The fields a pod's and a container's securityContext share (the ones containers inherit)."""

_CONTAINER_SHAPE: tuple[tuple[Path, type | tuple[type, ...], str], ...] = (
    (("name",), str, "a string"),
    (("image",), str, "a string"),
    (("securityContext",), Mapping, "a mapping"),
    *((("securityContext", *sub), kind, what) for sub, kind, what in _SECURITY_CONTEXT_SHAPE),
    (("securityContext", "privileged"), bool, "a boolean"),
    (("securityContext", "allowPrivilegeEscalation"), bool, "a boolean"),
    (("securityContext", "readOnlyRootFilesystem"), bool, "a boolean"),
    (("securityContext", "capabilities"), Mapping, "a mapping"),
    (("securityContext", "capabilities", "add"), list, "a list"),
    (("securityContext", "capabilities", "drop"), list, "a list"),
    (("resources",), Mapping, "a mapping"),
    (("resources", "requests"), Mapping, "a mapping"),
    (("resources", "limits"), Mapping, "a mapping"),
    (("ports",), list, "a list"),
    (("env",), list, "a list"),
)


def shape_problems(data: Mapping[str, Any], workload: kinds.Workload | None = None) -> list[tuple[Path, str]]:
    """Fields a Kubernetes decoder would refuse because of their type, as (path, message). Only the fields
    of the pod specs its kind is known to have (``workload``; by default the shipped table's) are checked:
    an object of a group the table does not know is a custom resource of its own shape."""
    problems: list[tuple[Path, str]] = []
    metadata = _expect(problems, data, ("metadata",), Mapping, "a mapping")
    if metadata is not None:
        for key in ("labels", "annotations"):
            _expect(problems, data, ("metadata", key), Mapping, "a mapping")
        _expect(problems, data, ("metadata", "name"), str, "a string")
        _expect(problems, data, ("metadata", "namespace"), str, "a string")
    if workload is None:
        workload = kinds.shipped().lookup(str(data.get("apiVersion", "")), str(data.get("kind", "")))
    for spec_path in workload.pod_specs:
        _pod_shape_problems(problems, data, spec_path)
    return problems


def checked_shape(data: Mapping[str, Any], workload: kinds.Workload) -> tuple[kinds.Workload, list[tuple[Path, str]]]:
    """The workload to check an object as, and the problems that make it invalid. A custom resource whose pod
    template does not have a pod template's shape is its controller's business (its schema may differ from
    the version the table knows): it is checked as a custom resource without pods, never called invalid."""
    problems = shape_problems(data, workload)
    if problems and "/" in workload.key:
        return kinds.NOT_A_WORKLOAD, shape_problems(data, kinds.NOT_A_WORKLOAD)
    return workload, problems


def _pod_shape_problems(problems: list[tuple[Path, str]], data: Mapping[str, Any], spec_path: Path) -> None:
    for depth in range(1, len(spec_path) + 1):
        if _expect(problems, data, spec_path[:depth], Mapping, "a mapping") is None:
            return
    template_metadata = (*spec_path[:-1], "metadata")
    if spec_path != ("spec",) and _expect(problems, data, template_metadata, Mapping, "a mapping"):
        _expect(problems, data, (*template_metadata, "labels"), Mapping, "a mapping")
    if _expect(problems, data, (*spec_path, "securityContext"), Mapping, "a mapping") is not None:
        for sub_path, kind, what in _SECURITY_CONTEXT_SHAPE:
            _expect(problems, data, (*spec_path, "securityContext", *sub_path), kind, what)
    for field_name in ("hostNetwork", "hostPID", "hostIPC"):
        _expect(problems, data, (*spec_path, field_name), bool, "a boolean")
    volumes = _expect(problems, data, (*spec_path, "volumes"), list, "a list")
    for i, _volume in enumerate(volumes or ()):
        volume = (*spec_path, "volumes", i)
        if _expect_item(problems, data, volume) is None:
            continue
        if _expect(problems, data, (*volume, "hostPath"), Mapping, "a mapping") is not None:
            _expect(problems, data, (*volume, "hostPath", "path"), str, "a string")
    for container_type in CONTAINER_TYPES:
        items = _expect(problems, data, (*spec_path, container_type), list, "a list")
        for i, _ in enumerate(items or ()):
            base = (*spec_path, container_type, i)
            container = _expect_item(problems, data, base)
            if container is None:
                continue
            for sub_path, kind, what in _CONTAINER_SHAPE:
                if sub_path[0] in container:
                    _expect(problems, container, sub_path, kind, what, base)
