"""Replicated Deployments and StatefulSets should be covered by a PodDisruptionBudget.

Node drains during cluster upgrades, autoscaler scale-downs and maintenance evict pods through the eviction
API, which honours PodDisruptionBudgets. Without one, a drain may evict every replica of a workload at the
same time, and a workload that runs several replicas precisely to stay available goes down anyway.

Checked: every Deployment and StatefulSet that runs two or more replicas: `spec.replicas` of 2 or more, or
a HorizontalPodAutoscaler in the same scan and namespace that targets it (`scaleTargetRef` kind and name)
with `minReplicas` of 2 or more, since the autoscaler never goes below that. A workload with one replica
(or without `spec.replicas`, which means one) is not checked: a budget for a single pod either blocks
every drain or protects nothing.

Such a workload needs a PodDisruptionBudget in the scan, in the same namespace, whose selector matches the
labels of its pod template. Selectors are evaluated as Kubernetes does: every `matchLabels` pair and every
`matchExpressions` requirement (`In`, `NotIn`, `Exists`, `DoesNotExist`) must hold. An empty selector
`{}` covers every pod of its namespace (the `policy/v1` rule; a `policy/v1beta1` budget with an empty
selector covers nothing, as it did in the Kubernetes versions that served that API); a budget without a
selector, or with a selector the API server would refuse, covers nothing. Whether the budget's
`minAvailable` or `maxUnavailable` is sensible is not judged here.

The finding points at the workload's `metadata.name`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.api import (
    HPA,
    CheckContext,
    Resource,
    Scope,
    ScopeEntry,
    Violation,
    as_integer,
    autoscalers_of,
    hpa_facts,
    label_selector_matches,
    normalize_labels,
    pod_labels,
    selects_everything,
)

ID = "k8s/pod-disruption-budget"
TITLE = "Replicated workloads should have a PodDisruptionBudget"
SEVERITY = "warning"
NO_FIX = "a PodDisruptionBudget's minAvailable depends on the service's capacity"
CATEGORY = "reliability"
PROFILES = ("reliability",)
FIX = """
Add a `policy/v1` PodDisruptionBudget in the workload's namespace whose `spec.selector` matches the pod
template's labels, with `maxUnavailable: 1` (or a `minAvailable` below the replica count, so drains can
still make progress).
"""
EXAMPLE = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: api
"""
KINDS = ("Deployment", "StatefulSet")
SCOPE = True
LOCATE = (("metadata", "name"),)

PDB = "PodDisruptionBudget"
REPLICATED = 2
"""Workloads that run at least this many replicas need a budget."""


def facts(resource: Resource) -> dict[str, Any] | None:
    spec = resource.data.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    if resource.kind_key in KINDS:
        return {
            "replicas": as_integer(spec.get("replicas")),
            "pod_labels": normalize_labels(pod_labels(resource)),
        }
    if resource.kind_key == HPA:
        return hpa_facts(resource)
    if resource.kind_key == PDB:
        # policy/v1beta1 (removed in Kubernetes 1.25) read an empty selector as "no pods".
        return {"selector": spec.get("selector"), "v1beta1": resource.api_version == "policy/v1beta1"}
    return None


def _replica_floor(subject: ScopeEntry, scope: Scope) -> tuple[int, str]:
    """The fewest replicas the subject runs, and where that number comes from (for the message)."""
    replicas = subject.facts["replicas"]
    floor, reason = (1, "") if replicas is None else (replicas, f"{replicas} replicas")
    for entry in autoscalers_of(subject, scope):
        if entry.facts["min"] > floor:
            floor = entry.facts["min"]
            reason = f"at least {floor} replicas ({HPA} '{entry.name}')"
    return floor, reason


def _budget(entry: ScopeEntry) -> tuple[str, ...]:
    return (PDB,) if entry.kind == PDB else ()


def _covers(budget: ScopeEntry, labels: Mapping[str, str]) -> bool:
    selector = budget.facts["selector"]
    if budget.facts["v1beta1"] and selects_everything(selector):
        return False
    return label_selector_matches(selector, labels)


def check(subject: ScopeEntry, ctx: CheckContext) -> Iterator[Violation]:
    if ctx.scope is None:
        return
    floor, reason = _replica_floor(subject, ctx.scope)
    if floor < REPLICATED:
        return
    labels = subject.facts["pod_labels"]
    for entry in ctx.scope.lookup("budgets", _budget, PDB, subject.namespace):
        if _covers(entry, labels):
            return
    yield Violation(
        f"the workload runs {reason} but no {PDB} in its namespace selects its pods",
        ("metadata", "name"),
    )
