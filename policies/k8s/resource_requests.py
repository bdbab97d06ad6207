"""Every container should declare how much CPU and memory it needs.

The scheduler places a pod by its resource requests. A container without requests is scheduled as if it
needed nothing: nodes get overcommitted, the pod lands in the BestEffort (or a weak Burstable) quality of
service class and is among the first evicted under memory pressure, and a HorizontalPodAutoscaler that
scales on utilisation has nothing to compute the utilisation from.

Checked: the regular containers (`spec.containers`) of every pod-bearing kind. Both `cpu` and `memory`
must be requested; one finding per container names whatever is missing. A request counts as present when
Kubernetes would fill it in from the manifest alone: a container limit without a request becomes the
request, and a pod-level `spec.resources` (Kubernetes 1.32+) covers every container. Defaults from a
namespace's LimitRange are not known to the scan and do not count.

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

ID = "k8s/resource-requests"
TITLE = "Containers should request CPU and memory"
SEVERITY = "warning"
NO_FIX = "resource quantities depend on the workload: conformance never invents them"
CATEGORY = "reliability"
PROFILES = ("reliability",)
FIX = """
Set `resources.requests.cpu` and `resources.requests.memory` on the container, sized from observed usage
(for example the p90 of the last weeks), so that the scheduler reserves what the container really uses.
"""
EXAMPLE = """
containers:
  - name: api
    image: registry.example.com/api:1.4.2
    resources:
      requests:
        cpu: 250m
        memory: 256Mi
      limits:
        memory: 512Mi
"""
KINDS = ("pod-bearing",)
OPTIONS = {INCLUDE_INIT_CONTAINERS: include_init_containers_option("requests")}

REQUIRED = ("cpu", "memory")


def _quantities(resources: Any, *sections: str) -> set[str]:
    """Resource names set (not null) in the given sections of a `resources` block."""
    names: set[str] = set()
    if not isinstance(resources, Mapping):
        return names
    for section in sections:
        values = resources.get(section)
        if isinstance(values, Mapping):
            names.update(str(name) for name, value in values.items() if value is not None)
    return names


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    for container in containers(resource, checked_container_types(ctx.options)):
        spec = get_path(resource.data, container.pod_spec_path)  # its own pod's (a LeaderWorkerSet has two)
        pod_level = _quantities(spec.get("resources"), "requests", "limits")
        declared = _quantities(container.data.get("resources"), "requests", "limits") | pod_level
        missing = [name for name in REQUIRED if name not in declared]
        if not missing:
            continue
        what = " and ".join(missing) + (" requests" if len(missing) > 1 else " request")
        yield Violation(
            f"{container.label} has no {what}",
            at_null_key(resource, container.source_path(("resources", "requests")), *missing),
        )
