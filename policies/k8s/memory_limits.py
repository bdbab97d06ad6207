"""Every container should have a memory limit.

Memory, unlike CPU, cannot be throttled: a container without a memory limit can grow until the node runs
out, and then the kernel or the kubelet picks victims, often pods that did nothing wrong. With a limit,
only the leaking container is OOM-killed and restarted. CPU limits are deliberately not required: an
unlimited container can only use spare CPU cycles, and CPU limits cause throttling even on idle nodes.

Checked: the regular containers (`spec.containers`) of every pod-bearing kind; `resources.limits.memory`
must be set. A pod-level memory limit (`spec.resources.limits.memory`, Kubernetes 1.32+) bounds all
containers together and also counts. Defaults from a namespace's LimitRange are not known to the scan and
do not count.

Init containers are checked only with the option `include-init-containers` (this includes native
sidecars, which are init containers with `restartPolicy: Always`). Ephemeral debug containers are never
checked: Kubernetes does not allow resources on them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.api import (
    INCLUDE_INIT_CONTAINERS,
    CheckContext,
    Resource,
    Violation,
    at_null_key,
    checked_container_types,
    containers,
    get_path,
    include_init_containers_option,
)

ID = "k8s/memory-limits"
TITLE = "Containers should have a memory limit"
SEVERITY = "warning"
NO_FIX = "a memory quantity depends on the workload: conformance never invents one"
CATEGORY = "reliability"
PROFILES = ("reliability",)
FIX = """
Set `resources.limits.memory` on the container, with headroom above its peak usage. Setting it equal to
the memory request makes the container's memory guaranteed and its OOM behaviour predictable.
"""
EXAMPLE = """
containers:
  - name: api
    image: registry.example.com/api:1.4.2
    resources:
      requests:
        cpu: 250m
        memory: 512Mi
      limits:
        memory: 512Mi
"""
KINDS = ("pod-bearing",)
OPTIONS = {INCLUDE_INIT_CONTAINERS: include_init_containers_option("a memory limit")}


def _has_memory_limit(resources: Any) -> bool:
    limits = resources.get("limits") if isinstance(resources, Mapping) else None
    return isinstance(limits, Mapping) and limits.get("memory") is not None


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    for container in containers(resource, checked_container_types(ctx.options)):
        spec = get_path(resource.data, container.pod_spec_path)  # its own pod's (a LeaderWorkerSet has two)
        if _has_memory_limit(spec.get("resources")) or _has_memory_limit(container.data.get("resources")):
            continue
        yield Violation(
            f"{container.label} has no memory limit",
            at_null_key(resource, container.source_path(("resources", "limits")), "memory"),
        )
