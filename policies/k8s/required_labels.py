"""Workloads and their pod templates must carry the required labels.

Labels are how people and tools find what belongs together: dashboards, cost reports, `kubectl get -l`,
network policies and alert routing all select on them. A workload without the agreed labels, or whose
pods lack them, drops out of every such view. The recommended `app.kubernetes.io/name` label is the
default requirement; the `labels` option sets the list (for example adding `app.kubernetes.io/part-of`
or a team label).

Every pod-bearing resource (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
CronJob, PodTemplate) must have each required label in its own `metadata.labels` and in its pod
template's `metadata.labels` (for a CronJob, the template inside `jobTemplate`), because labels on a
workload are not copied to its pods. A bare Pod is checked once, on its own metadata. A label counts as
present when its key is there, whatever its value.

One finding is reported per missing label and per place, naming the label, at the `labels` line (or at
`metadata` when there are no labels).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.api import (
    CheckContext,
    Path,
    Resource,
    Violation,
    get_path,
    pod_spec_paths,
)

ID = "k8s/required-labels"
TITLE = "Workloads and pod templates must carry the required labels"
SEVERITY = "warning"
NO_FIX = "label values (team, owner) are facts only the authors know"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
FIX = "Add each required label to the workload's `metadata.labels` and to its pod template's labels."
EXAMPLE = """\
metadata:
  name: api
  labels:
    app.kubernetes.io/name: api
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: api
"""
KINDS = ("pod-bearing",)
OPTIONS = {
    "labels": {
        "default": ["app.kubernetes.io/name"],
        "description": "Label keys every workload and pod template must carry.",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
    },
}


def _missing(data: Any, metadata_path: Path, required: list[str]) -> Iterator[tuple[str, Path]]:
    labels = get_path(data, (*metadata_path, "labels"))
    present = labels if isinstance(labels, Mapping) else {}
    for label in required:
        if label not in present:
            yield label, (*metadata_path, "labels")


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    required = [str(label) for label in ctx.options.get("labels", ["app.kubernetes.io/name"])]
    for label, path in _missing(resource.data, ("metadata",), required):
        yield Violation(f"the object is missing the label '{label}'", path)
    if resource.kind_key == "Pod":
        return
    for index, spec_path in enumerate(pod_spec_paths(resource)):  # a LeaderWorkerSet has two templates
        template = spec_path[:-1]
        if index and not isinstance(get_path(resource.data, template), Mapping):
            continue  # an optional template left out (the leader's: then leaders use the worker template)
        for label, path in _missing(resource.data, (*template, "metadata"), required):
            yield Violation(f"the pod template is missing the label '{label}'", path)
