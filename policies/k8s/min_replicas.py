"""Deployments and StatefulSets should run more than one replica.

A single replica is a single point of failure: a node drain, a node failure, an eviction or a rollout of
a StatefulSet (which stops the old pod before starting the new one) takes the workload down completely.
Two or more replicas, spread over nodes, keep it available through such events.

Checked: every Deployment and StatefulSet. `spec.replicas` must be at least the option `min-replicas`
(default 2); a manifest that does not set `spec.replicas` gets 1. A workload below the minimum still passes
when a HorizontalPodAutoscaler in the same scan and namespace targets it (`scaleTargetRef` kind and name)
with `minReplicas` at least the minimum: the autoscaler then owns the replica count. An autoscaler without
`minReplicas` has a minimum of 1 and does not help. (`spec.replicas` is taken as written even when an
autoscaler with a low `minReplicas` also targets the workload; that autoscaler is named in the message
only when the workload fails.)

Exempt: a workload with `spec.replicas: 0` written explicitly. Scaling to zero is a deliberate way to park
a workload (a disabled feature, a standby copy in another region); it serves nothing, so there is nothing
to keep available.

The finding points at `spec.replicas`, or at `spec` when the field is not written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.api import HPA, CheckContext, Resource, ScopeEntry, Violation, as_integer, autoscalers_of, hpa_facts

ID = "k8s/min-replicas"
TITLE = "Deployments and StatefulSets should run at least two replicas"
SEVERITY = "warning"
NO_FIX = "the number of replicas is a capacity decision"
CATEGORY = "reliability"
PROFILES = ("reliability",)
FIX = """
Set `spec.replicas` to 2 or more (and spread the pods with `topologySpreadConstraints` or pod
anti-affinity), or let a HorizontalPodAutoscaler with `minReplicas` of 2 or more manage the count.
"""
EXAMPLE = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
  ...
"""
KINDS = ("Deployment", "StatefulSet")
OPTIONS = {
    "min-replicas": {
        "default": 2,
        "description": "The fewest replicas a Deployment or StatefulSet may run.",
        "schema": {"type": "integer", "minimum": 1},
    },
}
SCOPE = True
LOCATE = (("spec", "replicas"), ("spec",))


def facts(resource: Resource) -> dict[str, Any] | None:
    spec = resource.data.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    if resource.kind_key in KINDS:
        return {"replicas": spec.get("replicas")}
    return hpa_facts(resource)


def check(subject: ScopeEntry, ctx: CheckContext) -> Iterator[Violation]:
    minimum = int(ctx.options["min-replicas"])
    raw = subject.facts["replicas"]
    replicas = 1 if raw is None else as_integer(raw)
    if replicas is None or replicas == 0:
        return  # not a number (the API server refuses it), or parked at zero on purpose
    if replicas >= minimum:
        return
    managing = autoscalers_of(subject, ctx.scope) if ctx.scope is not None else []
    if any(entry.facts["min"] >= minimum for entry in managing):
        return
    count = "1 replica (spec.replicas is not set)" if raw is None else _replicas(replicas)
    message = f"the workload runs {count}; at least {minimum} are needed to stay available"
    if managing:
        lowest = min(managing, key=lambda entry: entry.facts["min"])
        message += f", and {HPA} '{lowest.name}' may scale it down to {_replicas(lowest.facts['min'])}"
    yield Violation(message, ("spec", "replicas"))


def _replicas(count: int) -> str:
    return f"{count} replica" if count == 1 else f"{count} replicas"
