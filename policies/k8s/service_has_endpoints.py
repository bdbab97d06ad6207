"""A Service's selector should match the pods of some workload.

A Service routes to the pods its selector matches. When no pod carries the selected labels, the Service has
no endpoints: clients get connection refused or time out, and nothing in the manifests looks wrong. The
usual causes are a typo in a label, a label renamed on the workload but not on the Service, or a value
(`tier: frontend` vs `tier: front-end`) that drifted.

Checked: every Service with a non-empty `spec.selector`. Some pod source in the same scan and the same
namespace must carry all of the selector's labels with the same values: the pod template of a Deployment,
StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob, a bare Pod, or a custom workload
of the kind table (an Argo Rollout, an OpenKruise CloneSet, a LeaderWorkerSet's leader and worker templates,
... and those the configuration's `workloads` add). Kinds are matched with their API group: a `Service` of
`serving.knative.dev` is not selected, and an `example.com/v1` Deployment is not a Deployment. A
PodTemplate object on its own runs no pods and does not count.

Operators that build pods from fields of their own count through the same table: the pods of a
prometheus-operator `Alertmanager`, `Prometheus` or `PrometheusAgent` carry its `spec.podMetadata.labels`
and the labels the operator adds (`app.kubernetes.io/name: alertmanager`, `app.kubernetes.io/instance` and
`alertmanager` set to the object's name, `app.kubernetes.io/managed-by: prometheus-operator`, ...).

Exempt: Services of type ExternalName (a DNS alias, no endpoints) and Services without a selector or with
an empty one, whose endpoints are managed by hand or by another controller.

Pods get labels their manifests never spell out, so those count too: a Job's pods carry `job-name` and
`batch.kubernetes.io/job-name`, and each StatefulSet pod carries `statefulset.kubernetes.io/pod-name`
(`<name>-<ordinal>`) and `apps.kubernetes.io/pod-index`. A custom resource the table does not know (an
operator's database cluster, a Gateway) counts as a pod source twice over: through every pod template nested
anywhere inside it, and — because operators label the pods they create with the name of the object that owns them —
as the owner of the pods a selector names it in: when the selector uses a label key that no pod template in
the scan carries (an operator's own key such as `cnpg.io/cluster`), a value equal to the name of a custom
resource in the same namespace satisfies it.

Because the scan only sees the manifests it is given, a Service whose pods are deployed from another
repository or chart is reported too; scan them together, or suppress the finding for that Service.
The finding points at `spec.selector`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from conformance.api import (
    CheckContext,
    Resource,
    ScopeEntry,
    Violation,
    get_path,
    map_matches,
    normalize_labels,
    pod_label_sets,
    workload_of,
)

ID = "k8s/service-has-endpoints"
TITLE = "Services should select the pods of a workload"
SEVERITY = "warning"
CATEGORY = "reliability"
PROFILES = ("reliability",)
FIX = """
Make the Service's `spec.selector` a subset of the labels in the workload's pod template
(`spec.template.metadata.labels`), in the same namespace. Selecting on one or two stable labels such as
`app.kubernetes.io/name` and `app.kubernetes.io/instance` avoids drift.
"""
EXAMPLE = """
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app.kubernetes.io/name: api
  ports:
    - port: 80
      targetPort: http
"""
KINDS = ("Service",)
SCOPE = True
LOCATE = (("spec", "selector"),)

NOT_POD_SOURCES = frozenset({"PodTemplate"})
MAX_ORDINALS = 64
"""StatefulSet pod names are generated for at most this many replicas."""


def _generated_labels(resource: Resource) -> list[dict[str, str]]:
    """Labels controllers add to the pods of a Job or a StatefulSet, one dict per distinct pod."""
    if resource.kind_key == "Job":
        return [{"job-name": resource.name, "batch.kubernetes.io/job-name": resource.name}]
    if resource.kind_key == "StatefulSet":
        replicas = get_path(resource.data, ("spec", "replicas"), 1)
        count = replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1
        return [
            {"statefulset.kubernetes.io/pod-name": f"{resource.name}-{i}", "apps.kubernetes.io/pod-index": str(i)}
            for i in range(max(1, min(count, MAX_ORDINALS)))
        ]
    return [{}]


def _nested_pod_templates(data: Any) -> Iterator[Mapping[str, Any]]:
    """Labels of every pod template (a mapping with ``metadata`` and ``spec.containers``) inside ``data``."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            spec = node.get("spec")
            if isinstance(spec, Mapping) and isinstance(spec.get("containers"), list):
                labels = get_path(node, ("metadata", "labels"))
                yield labels if isinstance(labels, Mapping) else {}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _pod_label_sets(resource: Resource) -> list[dict[str, str]] | None:
    """The label sets of the pods a resource runs, or None when it runs no pods."""
    key = resource.kind_key
    if key in NOT_POD_SOURCES:
        return None
    workload = workload_of(resource)
    if workload.pod_specs or workload.pod_metadata is not None:  # a workload, built-in or of the kind table
        sets = [normalize_labels(labels) for labels in pod_label_sets(resource)]
        return [{**base, **extra} for base in sets for extra in _generated_labels(resource)] or None
    if "/" not in key:  # Kubernetes' own kinds that run no pods
        return None
    return [normalize_labels(labels) for labels in _nested_pod_templates(resource.data)] or None


def facts(resource: Resource) -> dict[str, Any] | None:
    if resource.kind_key == "Service":
        spec = resource.data.get("spec")
        spec = spec if isinstance(spec, Mapping) else {}
        selector = spec.get("selector")
        return {
            "type": spec.get("type"),
            "selector": normalize_labels(selector) if isinstance(selector, Mapping) else {},
        }
    label_sets = _pod_label_sets(resource)
    custom = "/" in resource.kind_key
    if label_sets is None and not custom:
        return None
    return {"pod_label_sets": label_sets or [], "owner": resource.name if custom else None}


def _label_pairs(entry: ScopeEntry) -> Iterable[tuple[str, str]]:
    for labels in entry.facts.get("pod_label_sets") or ():
        yield from labels.items()


def _label_keys(entry: ScopeEntry) -> Iterable[str]:
    return {key for labels in entry.facts.get("pod_label_sets") or () for key in labels}


def _owner(entry: ScopeEntry) -> Iterable[str]:
    owner = entry.facts.get("owner")
    return (owner,) if owner else ()


def _served(selector: Mapping[str, str], subject: ScopeEntry, ctx: CheckContext) -> bool:
    assert ctx.scope is not None
    scope = ctx.scope
    # Look up pods through the selector's rarest label: linear in the scan, not in every pair of resources.
    rarest = min(selector.items(), key=lambda pair: scope.count("pod-labels", _label_pairs, pair))
    for entry in scope.lookup("pod-labels", _label_pairs, rarest, subject.namespace):
        if any(map_matches(selector, labels) for labels in entry.facts["pod_label_sets"]):
            return True
    # Operators label their pods with the owning object's name under keys of their own. Trust that only for
    # a selector with a key no pod template in the scan uses, so a typo in a common label is still caught.
    if all(scope.count("pod-label-keys", _label_keys, key) for key in selector):
        return False
    return any(
        any(True for _ in scope.lookup("owners", _owner, value, subject.namespace)) for value in set(selector.values())
    )


def check(subject: ScopeEntry, ctx: CheckContext) -> Iterator[Violation]:
    selector = subject.facts.get("selector")  # None for a Service of another API group (Knative)
    if not selector or subject.facts["type"] == "ExternalName" or ctx.scope is None:
        return
    if _served(selector, subject, ctx):
        return
    wanted = ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
    yield Violation(
        f"the Service selects pods labelled {wanted}, but no workload or Pod in its namespace carries them",
        ("spec", "selector"),
    )
