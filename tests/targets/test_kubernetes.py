"""The Kubernetes view of documents: resources, pod specs, containers with inherited context, shapes."""

from __future__ import annotations

from typing import Any

import pytest

from conformance import yamlio
from conformance.engine import FileScanner, ScanOptions
from conformance.model import INVALID_OBJECT, Location, ResourceId
from conformance.targets import kubernetes as k8s
from conformance.targets.kubernetes import (
    Container,
    containers,
    make_resource,
    pod_labels,
    pod_spec,
    pod_spec_path,
    pod_template_metadata_path,
    resources_of,
    shape_problems,
)

POD_SPEC = {"containers": [{"name": "app", "image": "nginx"}]}


def resource_of(data: dict[str, Any], base_path: tuple[Any, ...] = ()) -> k8s.Resource:
    assert shape_problems(data) == []
    return make_resource(data, "f.yaml", 0, base_path)


def nest(path: tuple[str, ...], value: Any) -> Any:
    for step in reversed(path):
        value = {step: value}
    return value


def object_with_pod_spec(kind: str, spec: Any = POD_SPEC, labels: Any = None) -> dict[str, Any]:
    path = k8s.POD_SPEC_PATHS[kind]
    data: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}}
    data.update(nest(path, spec))
    if labels is not None:
        if kind == "Pod":
            data["metadata"]["labels"] = labels
        else:
            parent: Any = data
            for step in path[:-1]:
                parent = parent[step]
            parent["metadata"] = {"labels": labels}
    return data


def load_one(text: str) -> tuple[yamlio.LoadedDocument, dict[str, Any]]:
    result = yamlio.load(text)
    assert result.problems == ()
    [document] = result.documents
    return document, document.data


# --- pod specs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("Pod", ("spec",)),
        ("PodTemplate", ("template", "spec")),
        ("Deployment", ("spec", "template", "spec")),
        ("StatefulSet", ("spec", "template", "spec")),
        ("DaemonSet", ("spec", "template", "spec")),
        ("ReplicaSet", ("spec", "template", "spec")),
        ("ReplicationController", ("spec", "template", "spec")),
        ("Job", ("spec", "template", "spec")),
        ("CronJob", ("spec", "jobTemplate", "spec", "template", "spec")),
    ],
)
def test_pod_spec_of_every_pod_bearing_kind(kind: str, path: tuple[str, ...]) -> None:
    resource = resource_of(object_with_pod_spec(kind))
    assert pod_spec_path(resource) == path
    assert pod_spec(resource) == POD_SPEC
    assert pod_template_metadata_path(resource) == (*path[:-1], "metadata")
    [container] = containers(resource)
    assert container.path == (*path, "containers", 0)
    assert container.pod_spec_path[: len(path)] == path


def test_pod_bearing_kinds_list() -> None:
    assert set(k8s.POD_BEARING_KINDS) == {
        "Pod",
        "PodTemplate",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
    }


CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: ops
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    metadata:
      labels: {job: outer}
    spec:
      template:
        metadata:
          labels: {app: nightly}
        spec:
          restartPolicy: OnFailure
          containers:
            - name: run
              image: busybox
"""


def test_cronjob_pod_spec_via_job_template() -> None:
    document, data = load_one(CRONJOB)
    resource = resource_of(data)
    spec = pod_spec(resource)
    assert spec == {"restartPolicy": "OnFailure", "containers": [{"name": "run", "image": "busybox"}]}
    assert pod_labels(resource) == {"app": "nightly"}
    [container] = containers(resource)
    assert container.path == ("spec", "jobTemplate", "spec", "template", "spec", "containers", 0)
    assert yamlio.locate(document.node, container.path) == yamlio.NodeSpan(18, 15, 20, 1, 7)


def test_pod_template_kind() -> None:
    _, data = load_one(
        "apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\n"
        "template:\n  metadata: {labels: {app: t}}\n  spec:\n    containers: [{name: c, image: i}]\n"
    )
    resource = resource_of(data)
    assert pod_spec(resource) == {"containers": [{"name": "c", "image": "i"}]}
    assert pod_labels(resource) == {"app": "t"}
    assert [c.path for c in containers(resource)] == [("template", "spec", "containers", 0)]


@pytest.mark.parametrize("kind", ["Service", "ConfigMap", "Namespace", "CustomThing"])
def test_kinds_without_pod_spec(kind: str) -> None:
    resource = resource_of({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}, "spec": POD_SPEC})
    assert pod_spec_path(resource) is None
    assert pod_spec(resource) is None
    assert pod_template_metadata_path(resource) is None
    assert pod_labels(resource) == {}
    assert list(containers(resource)) == []


def test_missing_pod_spec() -> None:
    resource = resource_of({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}})
    assert pod_spec(resource) is None
    assert list(containers(resource)) == []
    # pod_spec never returns a non-mapping, even for an object that skipped shape checks
    broken = make_resource({"apiVersion": "v1", "kind": "Pod", "spec": ["x"]}, "f.yaml", 0, ())
    assert pod_spec(broken) is None
    assert list(containers(broken)) == []


# --- containers ------------------------------------------------------------------------------------


def test_containers_of_every_type_with_paths() -> None:
    spec = {
        "initContainers": [{"name": "init", "image": "i"}],
        "containers": [{"name": "app", "image": "a"}, {"name": "side", "image": "s"}],
        "ephemeralContainers": [{"name": "debug", "image": "d"}],
    }
    resource = resource_of(object_with_pod_spec("Deployment", spec))
    base = ("spec", "template", "spec")
    found = [(c.name, c.container_type, c.index, c.path) for c in containers(resource)]
    assert found == [
        ("app", "containers", 0, (*base, "containers", 0)),
        ("side", "containers", 1, (*base, "containers", 1)),
        ("init", "initContainers", 0, (*base, "initContainers", 0)),
        ("debug", "ephemeralContainers", 0, (*base, "ephemeralContainers", 0)),
    ]
    assert [c.name for c in containers(resource, ("initContainers",))] == ["init"]
    assert [c.name for c in containers(resource, ("ephemeralContainers", "containers"))] == [
        "debug",
        "app",
        "side",
    ]
    [app, *_] = containers(resource)
    assert app.data == {"name": "app", "image": "a"}
    assert app.inherited == frozenset()
    assert app.source_path(("image",)) == (*base, "containers", 0, "image")


def test_containers_skip_non_mappings_but_keep_indices() -> None:
    data = {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": ["oops", None, {"name": "c"}]}}
    resource = make_resource(data, "f.yaml", 0, ())
    assert [(c.name, c.index, c.path) for c in containers(resource)] == [("c", 2, ("spec", "containers", 2))]


def test_container_without_name() -> None:
    resource = resource_of({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": "x"}]}})
    [container] = containers(resource)
    assert container.name == ""


POD_CONTEXT = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    fsGroup: 2000
    supplementalGroups: [3000]
    seLinuxOptions: {level: "s0:c1,c2", user: pod}
  containers:
    - name: plain
      image: nginx
    - name: root
      image: nginx
      securityContext:
        runAsNonRoot: false
        seLinuxOptions: {type: spc_t}
    - name: privileged
      image: nginx
      securityContext:
        privileged: true
  initContainers:
    - name: setup
      image: busybox
      securityContext: {}
"""


def test_pod_security_context_is_inherited() -> None:
    document, data = load_one(POD_CONTEXT)
    resource = resource_of(data)
    plain, root, privileged, setup = containers(resource)

    assert plain.inherited == frozenset({"runAsNonRoot", "runAsUser", "seLinuxOptions"})
    assert plain.data["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "seLinuxOptions": {"level": "s0:c1,c2", "user": "pod"},
    }
    # fields that only exist at pod level are not copied into the container
    assert "fsGroup" not in plain.data["securityContext"]
    assert "supplementalGroups" not in plain.data["securityContext"]

    # the container's own setting wins; seLinuxOptions is replaced as a whole, not merged
    assert root.inherited == frozenset({"runAsUser"})
    assert root.data["securityContext"] == {
        "runAsNonRoot": False,
        "runAsUser": 1000,
        "seLinuxOptions": {"type": "spc_t"},
    }

    # a container field like privileged stays the container's; the pod fields are added beside it
    assert privileged.inherited == frozenset({"runAsNonRoot", "runAsUser", "seLinuxOptions"})
    assert privileged.data["securityContext"] == {
        "privileged": True,
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "seLinuxOptions": {"level": "s0:c1,c2", "user": "pod"},
    }

    # an empty securityContext inherits everything
    assert setup.container_type == "initContainers"
    assert setup.data["securityContext"] == plain.data["securityContext"]

    # the resource's own data is not changed by the effective view
    assert data["spec"]["containers"][0] == {"name": "plain", "image": "nginx"}
    assert data["spec"]["containers"][2]["securityContext"] == {"privileged": True}
    assert data["spec"]["initContainers"][0]["securityContext"] == {}

    # source paths: inherited fields map to the pod's securityContext, own fields to the container
    assert root.source_path(("securityContext", "runAsNonRoot")) == (
        "spec",
        "containers",
        1,
        "securityContext",
        "runAsNonRoot",
    )
    assert yamlio.locate(document.node, root.source_path(("securityContext", "runAsNonRoot"))) == (
        yamlio.NodeSpan(18, 9, 18, 28, 5)
    )
    assert plain.source_path(("securityContext",)) == ("spec", "containers", 0, "securityContext")
    assert plain.source_path(("image",)) == ("spec", "containers", 0, "image")


def test_inherited_source_path_points_at_the_pod_line() -> None:
    # SRC BUG (kubernetes.containers): Container.pod_spec_path is built as (*spec_path, "securityContext"),
    # and source_path() appends sub_path, which starts with "securityContext" again.
    document, data = load_one(POD_CONTEXT)
    plain = next(iter(containers(resource_of(data))))
    path = plain.source_path(("securityContext", "runAsNonRoot"))
    assert path == ("spec", "securityContext", "runAsNonRoot")
    assert yamlio.locate(document.node, path) == yamlio.NodeSpan(7, 5, 7, 23, 3)
    assert plain.source_path(("securityContext", "seLinuxOptions", "level")) == (
        "spec",
        "securityContext",
        "seLinuxOptions",
        "level",
    )


def test_inherited_source_path_in_a_cronjob() -> None:
    # SRC BUG: same as above, for a deeper pod spec
    spec = {"securityContext": {"runAsUser": 1}, "containers": [{"name": "c", "image": "i"}]}
    [container] = containers(resource_of(object_with_pod_spec("CronJob", spec)))
    assert container.inherited == frozenset({"runAsUser"})
    assert container.source_path(("securityContext", "runAsUser")) == (
        "spec",
        "jobTemplate",
        "spec",
        "template",
        "spec",
        "securityContext",
        "runAsUser",
    )


def test_no_pod_security_context_means_nothing_inherited() -> None:
    spec = {"securityContext": {"fsGroup": 1, "sysctls": []}, "containers": [{"name": "c"}]}
    [container] = containers(resource_of(object_with_pod_spec("Pod", spec)))
    assert container.inherited == frozenset()
    assert "securityContext" not in container.data


def test_container_dataclass_source_path_directly() -> None:
    container = Container("c", "containers", 0, ("spec", "containers", 0), {}, frozenset({"runAsUser"}), ("spec",))
    assert container.source_path(("securityContext", "runAsUser")) == ("spec", "securityContext", "runAsUser")
    assert container.source_path(("securityContext", "privileged")) == (
        "spec",
        "containers",
        0,
        "securityContext",
        "privileged",
    )


# --- resources_of / make_resource ------------------------------------------------------------------


def test_single_object() -> None:
    data = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
    assert list(resources_of(data, "f.yaml", 0)) == [((), data)]


def test_list_items_are_resources() -> None:
    first = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    second = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "b"}}
    data = {"apiVersion": "v1", "kind": "List", "items": [first, "junk", {"kind": "NoVersion"}, second]}
    assert list(resources_of(data, "f.yaml", 0)) == [(("items", 0), first), (("items", 3), second)]
    typed = {"apiVersion": "v1", "kind": "ConfigMapList", "items": [first]}
    assert list(resources_of(typed, "f.yaml", 0)) == [(("items", 0), first)]
    assert list(resources_of({"apiVersion": "v1", "kind": "List", "items": []}, "f.yaml", 0)) == []


def test_list_from_yaml_with_positions() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: one, labels: {app: x}}\n"
        "    spec: {containers: [{name: c, image: i}]}\n"
        "  - apiVersion: v1\n    kind: Service\n    metadata: {name: two, namespace: ns}\n"
    )
    document, data = load_one(text)
    found = list(resources_of(data, "f.yaml", document.index))
    assert [path for path, _ in found] == [("items", 0), ("items", 1)]
    pod = make_resource(found[0][1], "f.yaml", document.index, found[0][0])
    assert pod.base_path == ("items", 0)
    assert pod.id == ResourceId("Pod", "one", None, "v1")
    assert pod_labels(pod) == {"app": "x"}
    [container] = containers(pod)
    assert yamlio.locate(document.node, (*pod.base_path, *container.path, "image")) == yamlio.NodeSpan(7, 35, 7, 43, 6)
    service = make_resource(found[1][1], "f.yaml", document.index, found[1][0])
    assert service.id == ResourceId("Service", "two", "ns", "v1")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "apiVersion: v1",
        42,
        True,
        ["apiVersion", "kind"],
        [{"apiVersion": "v1", "kind": "Pod"}],
        {},
        {"kind": "Pod"},
        {"apiVersion": "v1"},
        {"apiVersion": "v1", "kind": ""},
        {"apiVersion": "v1", "kind": 5},
        {"apiVersion": 1, "kind": "Pod"},
        {"apiVersion": None, "kind": "Pod"},
        {"name": "not kubernetes", "values": {"a": 1}},
    ],
)
def test_non_kubernetes_documents_yield_nothing(data: Any) -> None:
    assert k8s.is_kubernetes_object(data) is False
    assert list(resources_of(data, "f.yaml", 0)) == []


def test_make_resource_fields() -> None:
    data = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"app": "web"},
            "annotations": {"note": "x"},
        },
    }
    resource = make_resource(data, "dir/f.yaml", 3, ("items", 1))
    assert resource.api_version == "apps/v1"
    assert resource.kind == "Deployment"
    assert resource.name == "web"
    assert resource.namespace == "shop"
    assert resource.labels == {"app": "web"}
    assert resource.annotations == {"note": "x"}
    assert resource.file == "dir/f.yaml"
    assert resource.document_index == 3
    assert resource.base_path == ("items", 1)
    assert resource.data is data
    assert resource.id == ResourceId("Deployment", "web", "shop", "apps/v1")


def test_make_resource_defaults_and_generate_name() -> None:
    bare = make_resource({"apiVersion": "v1", "kind": "Pod"}, "f.yaml", 0, ())
    assert (bare.name, bare.namespace, bare.labels, bare.annotations) == ("", None, {}, {})
    null_meta = make_resource({"apiVersion": "v1", "kind": "Pod", "metadata": None}, "f.yaml", 0, ())
    assert (null_meta.name, null_meta.labels) == ("", {})
    generated = make_resource(
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "run-", "labels": None}},
        "f.yaml",
        0,
        (),
    )
    assert generated.name == "run-"
    assert generated.labels == {}


# --- pod_labels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
    ],
)
def test_pod_labels(kind: str) -> None:
    resource = resource_of(object_with_pod_spec(kind, labels={"app": "web", "tier": "front"}))
    assert pod_labels(resource) == {"app": "web", "tier": "front"}


def test_pod_labels_ignore_the_controllers_own_labels() -> None:
    data = object_with_pod_spec("Deployment")
    data["metadata"]["labels"] = {"owner": "deployment"}
    assert pod_labels(resource_of(data)) == {}
    data["spec"]["template"]["metadata"] = {"labels": {"app": "pod"}}
    assert pod_labels(resource_of(data)) == {"app": "pod"}


def test_pod_labels_not_a_mapping() -> None:
    data = object_with_pod_spec("Deployment")
    data["spec"]["template"]["metadata"] = {"labels": ["app"]}
    assert pod_labels(make_resource(data, "f.yaml", 0, ())) == {}


# --- shape_problems --------------------------------------------------------------------------------


def test_valid_objects_have_no_shape_problems() -> None:
    _, data = load_one(POD_CONTEXT)
    assert shape_problems(data) == []
    _, cron = load_one(CRONJOB)
    assert shape_problems(cron) == []
    assert shape_problems({"apiVersion": "v1", "kind": "ConfigMap", "data": ["anything"]}) == []


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": "web"},
            [(("metadata",), "metadata must be a mapping, not str")],
        ),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": ["app=web"]}},
            [(("metadata", "labels"), "metadata.labels must be a mapping, not list")],
        ),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 5, "namespace": True}},
            [
                (("metadata", "name"), "metadata.name must be a string, not int"),
                (("metadata", "namespace"), "metadata.namespace must be a string, not bool"),
            ],
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": {"name": "app"}}},
            [(("spec", "containers"), "spec.containers must be a list, not dict")],
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "spec": {"securityContext": [{"runAsNonRoot": True}]}},
            [(("spec", "securityContext"), "spec.securityContext must be a mapping, not list")],
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "spec": {"containers": [{"name": "a", "securityContext": ["privileged"]}]},
            },
            [
                (
                    ("spec", "containers", 0, "securityContext"),
                    "spec.containers.0.securityContext must be a mapping, not list",
                )
            ],
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "spec": {"initContainers": ["busybox", {"name": "i", "securityContext": {"capabilities": ["ALL"]}}]},
            },
            [
                (("spec", "initContainers", 0), "spec.initContainers.0 must be a mapping, not str"),
                (
                    ("spec", "initContainers", 1, "securityContext", "capabilities"),
                    "spec.initContainers.1.securityContext.capabilities must be a mapping, not list",
                ),
            ],
        ),
        (
            {"apiVersion": "apps/v1", "kind": "Deployment", "spec": "web"},
            [(("spec",), "spec must be a mapping, not str")],
        ),
        (
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "spec": {"template": {"metadata": {"labels": ["a"]}, "spec": {}}},
            },
            [
                (
                    ("spec", "template", "metadata", "labels"),
                    "spec.template.metadata.labels must be a mapping, not list",
                )
            ],
        ),
        (
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "spec": {"template": {"metadata": "x", "spec": {}}},
            },
            [(("spec", "template", "metadata"), "spec.template.metadata must be a mapping, not str")],
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "spec": {"volumes": {"name": "v"}}},
            [(("spec", "volumes"), "spec.volumes must be a list, not dict")],
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "spec": {"volumes": ["v"]}},
            [(("spec", "volumes", 0), "spec.volumes.0 must be a mapping, not str")],
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "spec": {"containers": [{"name": ["a"], "image": 1, "env": {"A": "1"}, "resources": []}]},
            },
            [
                (("spec", "containers", 0, "name"), "spec.containers.0.name must be a string, not list"),
                (("spec", "containers", 0, "image"), "spec.containers.0.image must be a string, not int"),
                (
                    ("spec", "containers", 0, "resources"),
                    "spec.containers.0.resources must be a mapping, not list",
                ),
                (("spec", "containers", 0, "env"), "spec.containers.0.env must be a list, not dict"),
            ],
        ),
        (
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "spec": {"jobTemplate": {"spec": {"template": ["pod"]}}},
            },
            [
                (
                    ("spec", "jobTemplate", "spec", "template"),
                    "spec.jobTemplate.spec.template must be a mapping, not list",
                )
            ],
        ),
    ],
)
def test_shape_problems(data: dict[str, Any], problems: list[tuple[tuple[Any, ...], str]]) -> None:
    assert shape_problems(data) == problems


def test_shape_problems_reported_by_the_scanner_with_positions() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: ok}\n"
        "  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: bad\n      labels: [app]\n"
        "    spec:\n      containers: {name: app}\n"
    )
    outcome = FileScanner((), ScanOptions()).scan_bytes(text.encode(), "list.yaml")
    assert outcome.documents == 1
    assert outcome.resources == 1
    assert outcome.findings == []
    found = [(e.policy_id, e.message, e.location, e.resource, e.path, e.is_error) for e in outcome.errors]
    rid = ResourceId("Pod", "bad", None, "v1")
    assert found == [
        (
            INVALID_OBJECT,
            "invalid Pod: metadata.labels must be a mapping, not list",
            Location("list.yaml", 11, 7, 11, 20),
            rid,
            "metadata.labels",
            True,
        ),
        (
            INVALID_OBJECT,
            "invalid Pod: spec.containers must be a list, not dict",
            Location("list.yaml", 13, 7, 13, 30),
            rid,
            "spec.containers",
            True,
        ),
    ]
