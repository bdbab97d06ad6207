"""Kinds belong to API groups: which objects are Kubernetes' own kinds, and where custom workloads keep pods.

Every object gets a *kind key*: the bare kind (``Deployment``) when its API group serves that kind in
Kubernetes itself (``apps/v1`` or the removed ``extensions/v1beta1``), else ``<group>/<Kind>``
(``argoproj.io/Rollout``, ``example.com/Deployment``; ``core/Deployment`` for ``apiVersion: v1``). Policies name
kinds the same way in ``KINDS`` (see :class:`KindSelector`).

A :class:`Workload` says where an object's pods are described: the pod specs of built-in workloads, and of
the custom resources in the shipped table (``kinds.yaml``) plus the ``workloads`` of the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path as FsPath
from typing import Any

from conformance.model import Path

POD_BEARING = "pod-bearing"
LONG_RUNNING = "long-running"
KIND_GROUPS = (POD_BEARING, LONG_RUNNING)
"""Names of kind groups a policy may give among its kinds: objects with a pod spec, and those whose pods run
until stopped (not Jobs). They cover built-in and custom workloads alike."""
CORE = "core"
"""How kind keys and policy kinds name the core group (``apiVersion: v1``)."""

NO_TRAITS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Workload:
    """Where the pods of one kind are described."""

    key: str
    pod_specs: tuple[Path, ...] = ()
    """Paths of its pod specs (``spec.template.spec``), the ones a policy checks; in order, the main first."""
    long_running: bool = False
    pod_metadata: Path | None = None
    """For operators that build pods from fields of their own: where the pods' ``labels`` are given."""
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels the controller adds to every pod; ``{name}`` stands for the object's name."""

    @property
    def traits(self) -> frozenset[str]:
        found = {POD_BEARING} if self.pod_specs else set()
        if self.long_running:
            found.add(LONG_RUNNING)
        return frozenset(found)


NOT_A_WORKLOAD = Workload("")


def group_of(api_version: str) -> str:
    """The API group of an apiVersion: ``apps`` for ``apps/v1``, ``""`` for ``v1``."""
    group, slash, _version = api_version.rpartition("/")
    return group if slash else ""


def dotted(path: str) -> Path:
    """``spec.template`` as a path."""
    return tuple(step for step in path.split(".") if step)


@dataclass(frozen=True)
class KindTable:
    """The built-in kinds per group and the workloads by kind key."""

    builtin: Mapping[str, frozenset[str]]
    workloads: Mapping[str, Workload]

    @cached_property
    def builtin_names(self) -> frozenset[str]:
        """Every kind Kubernetes serves, in any of its groups."""
        return frozenset().union(*self.builtin.values())

    def key(self, api_version: str, kind: str) -> str:
        """The kind key: the bare kind for an object of one of Kubernetes' own groups naming one of its kinds
        (``apps/v1`` Deployment; also ``v1`` Deployment, a slip the API server refuses but whose meaning is
        plain), else ``<group>/<Kind>``."""
        group = group_of(api_version)
        if group in self.builtin and kind in self.builtin_names:
            return kind
        return f"{group or CORE}/{kind}"

    def is_builtin_name(self, kind: str) -> bool:
        """Whether Kubernetes serves a kind of this name in some group."""
        return kind in self.builtin_names

    def lookup(self, api_version: str, kind: str) -> Workload:
        return self.workloads.get(self.key(api_version, kind), NOT_A_WORKLOAD)

    def extended(self, entries: Iterable[Mapping[str, Any]]) -> KindTable:
        """This table with more workload entries (in the ``workloads`` format); an entry replaces the one of
        its kind."""
        workloads = dict(self.workloads)
        for entry in entries:
            workload = workload_from_entry(entry)
            workloads[workload.key] = workload
        return KindTable(self.builtin, workloads)


def workload_from_entry(entry: Mapping[str, Any]) -> Workload:
    """A workload from one entry of ``workloads`` (validated by the configuration schema)."""
    templates = tuple(dotted(path) for path in entry.get("pod-templates", ()))
    metadata = entry.get("pod-metadata")
    return Workload(
        key=str(entry["kind"]),
        pod_specs=tuple((*template, "spec") for template in templates),
        long_running=bool(entry.get("long-running", False)),
        pod_metadata=dotted(metadata) if isinstance(metadata, str) else None,
        pod_labels={str(k): str(v) for k, v in (entry.get("pod-labels") or {}).items()},
    )


def _builtin_workloads() -> dict[str, Workload]:
    from conformance.targets.kubernetes import LONG_RUNNING_KINDS, POD_SPEC_PATHS

    return {kind: Workload(kind, (path,), kind in LONG_RUNNING_KINDS) for kind, path in POD_SPEC_PATHS.items()}


def shipped_data() -> dict[str, Any]:
    """The shipped table as written (``kinds.yaml`` next to this module)."""
    from conformance import yamlio

    loaded = yamlio.load((FsPath(__file__).parent / "kinds.yaml").read_text("utf-8"))
    return dict(loaded.documents[0].data)


@lru_cache(maxsize=1)
def shipped() -> KindTable:
    """The built-in kinds and the shipped workload table (read once)."""
    data = shipped_data()
    builtin = {str(group): frozenset(kinds) for group, kinds in data["builtin"].items()}
    return KindTable(builtin, _builtin_workloads()).extended(data["workloads"])


def kind_key(api_version: str, kind: str) -> str:
    """The kind key of an object, with the shipped table (see the module docstring)."""
    return shipped().key(api_version, kind)


KIND_NAME = re.compile(r"^(?:(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?)/)?[A-Z][A-Za-z0-9]*$")
"""How a policy names a kind: ``Deployment`` or ``<group>/<Kind>``."""


def kind_name_problem(name: str) -> str | None:
    """Why a policy's kind name selects nothing (a typo of a group name, a lower-case kind), or None."""
    if name in KIND_GROUPS or KIND_NAME.match(name):
        return None
    return f"{name!r} is not a kind (Deployment, argoproj.io/Rollout) nor one of {', '.join(KIND_GROUPS)}"


class KindSelector:
    """Which kinds a policy's ``KINDS`` (or YAML ``target.kinds``) select.

    Each name is one of: a built-in kind (``Deployment``: the one of Kubernetes, in ``apps`` or the removed
    ``extensions``; never ``example.com/v1`` Deployment); a custom kind with its group (``argoproj.io/Rollout``;
    ``apps/Deployment`` is the same as ``Deployment``); a bare name that is no built-in kind (``Rollout``),
    which selects that kind in every group; or a kind group, ``pod-bearing`` or ``long-running``.
    """

    def __init__(self, names: Collection[str], table: KindTable | None = None) -> None:
        table = table or shipped()
        self.exact: set[str] = set()
        self.any_group: set[str] = set()
        self.traits: set[str] = set()
        for name in names:
            if name in KIND_GROUPS:
                self.traits.add(name)
            elif "/" in name:
                group, _, kind = name.rpartition("/")
                group = "" if group == CORE else group
                self.exact.add(table.key(f"{group}/v1" if group else "v1", kind))
            elif table.is_builtin_name(name):
                self.exact.add(name)
            else:
                self.any_group.add(name)

    def matches(self, key: str, traits: Collection[str]) -> bool:
        if key in self.exact or (self.traits and not self.traits.isdisjoint(traits)):
            return True
        return bool(self.any_group) and "/" in key and key.rpartition("/")[2] in self.any_group


def traits_of_key(key: str) -> frozenset[str]:
    """The kind groups a kind key belongs to by the shipped table (for callers that hold no object)."""
    workload = shipped().workloads.get(key)
    return workload.traits if workload is not None else NO_TRAITS
