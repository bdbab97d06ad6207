"""A Service's selector should match the pods of some workload.

A Service routes to the pods its selector matches. When no pod carries the selected labels, the Service has
no endpoints: clients get connection refused or time out, and nothing in the manifests looks wrong. The
usual causes are a typo in a label, a label renamed on the workload but not on the Service, or a value
(`tier: frontend` vs `tier: front-end`) that drifted.

Checked: every Service with a non-empty `spec.selector`. Some pod source in the same scan and the same
namespace must carry all of the selector's labels with the same values: the pod template of a Deployment,
StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob, a bare Pod, or a workload of
another API (an Argo Rollout, an OpenKruise CloneSet, ...) that keeps a pod template at `spec.template`.
A PodTemplate object on its own runs no pods and does not count.

Exempt: Services of type ExternalName (a DNS alias, no endpoints) and Services without a selector or with
an empty one, whose endpoints are managed by hand or by another controller.

Because the scan only sees the manifests it is given, a Service whose pods are deployed from another
repository or chart is reported too; scan them together, or suppress the finding for that Service.
The finding points at `spec.selector`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from conformance.catalog.policy import CheckContext, ScopeEntry
from conformance.model import Violation
from conformance.targets.kubernetes import POD_SPEC_PATHS, Resource, get_path, pod_labels
from conformance.targets.selectors import map_matches, normalize_labels

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


def _labels_of_pods(resource: Resource) -> Mapping[str, Any] | None:
    """The labels of the pods a resource runs, or None when it runs no pods."""
    if resource.kind in NOT_POD_SOURCES:
        return None
    if resource.kind in POD_SPEC_PATHS:
        return pod_labels(resource)
    template = get_path(resource.data, ("spec", "template"))
    if isinstance(template, Mapping) and isinstance(get_path(template, ("spec", "containers")), list):
        labels = get_path(template, ("metadata", "labels"))
        return labels if isinstance(labels, Mapping) else {}
    return None


def facts(resource: Resource) -> dict[str, Any] | None:
    if resource.kind == "Service" and resource.api_version == "v1":
        spec = resource.data.get("spec")
        spec = spec if isinstance(spec, Mapping) else {}
        selector = spec.get("selector")
        return {
            "type": spec.get("type"),
            "selector": normalize_labels(selector) if isinstance(selector, Mapping) else {},
        }
    labels = _labels_of_pods(resource)
    return None if labels is None else {"pod_labels": normalize_labels(labels)}


def _label_pairs(entry: ScopeEntry) -> Iterable[tuple[str, str]]:
    labels = entry.facts.get("pod_labels")
    return labels.items() if labels else ()


def check(subject: ScopeEntry, ctx: CheckContext) -> Iterator[Violation]:
    selector = subject.facts.get("selector")  # None for a Service of another API group (Knative)
    if not selector or subject.facts["type"] == "ExternalName" or ctx.scope is None:
        return
    # Look up pods through the selector's rarest label: linear in the scan, not in every pair of resources.
    rarest = min(selector.items(), key=lambda pair: ctx.scope.count("pod-labels", _label_pairs, pair))
    for entry in ctx.scope.lookup("pod-labels", _label_pairs, rarest, subject.namespace):
        if map_matches(selector, entry.facts["pod_labels"]):
            return
    wanted = ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
    yield Violation(
        f"the Service selects pods labelled {wanted}, but no workload or Pod in its namespace carries them",
        ("spec", "selector"),
    )
