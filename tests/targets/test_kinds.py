"""Kinds belong to API groups: kind keys, policy kind selection, the shipped workload table and its config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.catalog.policy import Policy
from conformance.cli import cli
from conformance.model import PolicyInfo
from conformance.targets import kinds
from conformance.targets.kinds import KindSelector, kind_key
from conformance.targets.kubernetes import (
    checked_shape,
    containers,
    kind_traits,
    make_resource,
    pod_label_sets,
    pod_spec_paths,
)

SCHEMAS = Path(kinds.__file__).parent.parent / "schemas"


@pytest.mark.parametrize(
    ("api_version", "kind", "key"),
    [
        ("apps/v1", "Deployment", "Deployment"),
        ("extensions/v1beta1", "Deployment", "Deployment"),
        ("apps/v1beta2", "DaemonSet", "DaemonSet"),
        ("batch/v1", "CronJob", "CronJob"),
        ("v1", "Pod", "Pod"),
        ("v1", "Service", "Service"),
        ("networking.k8s.io/v1", "Ingress", "Ingress"),
        ("example.com/v1", "Deployment", "example.com/Deployment"),
        ("apps.kruise.io/v1alpha1", "DaemonSet", "apps.kruise.io/DaemonSet"),
        ("serving.knative.dev/v1", "Service", "serving.knative.dev/Service"),
        ("gateway.networking.k8s.io/v1", "Gateway", "gateway.networking.k8s.io/Gateway"),
        ("argoproj.io/v1alpha1", "Rollout", "argoproj.io/Rollout"),
        ("v1", "Widget", "core/Widget"),
    ],
)
def test_kinds_are_keyed_by_their_api_group(api_version: str, kind: str, key: str) -> None:
    assert kind_key(api_version, kind) == key


def test_every_removed_api_version_is_a_builtin_kind_of_its_group() -> None:
    import importlib.util

    path = Path(kinds.__file__).parents[3] / "policies" / "k8s" / "deprecated_api_versions.py"
    spec = importlib.util.spec_from_file_location("_deprecated_api_versions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    selector = KindSelector(module.KINDS)
    for api_version, kind in module.TABLE:
        assert kind_key(api_version, kind) == kind, (api_version, kind)
        assert selector.matches(kind_key(api_version, kind), ())


@pytest.mark.parametrize(
    ("names", "key", "traits", "selected"),
    [
        (["Deployment"], "Deployment", (), True),
        (["Deployment"], "example.com/Deployment", (), False),
        (["apps/Deployment"], "Deployment", (), True),
        (["argoproj.io/Rollout"], "argoproj.io/Rollout", (), True),
        (["argoproj.io/Rollout"], "example.com/Rollout", (), False),
        (["Rollout"], "argoproj.io/Rollout", (), True),  # a name Kubernetes does not use: any group
        (["Service"], "serving.knative.dev/Service", (), False),
        (["core/Pod"], "Pod", (), True),
        (["pod-bearing"], "argoproj.io/Rollout", ("pod-bearing", "long-running"), True),
        (["long-running"], "keda.sh/ScaledJob", ("pod-bearing",), False),
        (["pod-bearing"], "ConfigMap", (), False),
    ],
)
def test_policies_name_kinds_with_their_group(
    names: list[str], key: str, traits: tuple[str, ...], selected: bool
) -> None:
    assert KindSelector(names).matches(key, traits) is selected


def test_a_policy_of_builtin_kinds_skips_a_custom_kind_of_the_same_name() -> None:
    info = PolicyInfo("acme/x", "x", "error", "general", (), "", "", "")
    policy = Policy(info=info, kinds=frozenset({"Deployment"}), check=lambda resource, ctx: ())
    assert policy.applies_to("Deployment")
    assert not policy.applies_to("example.com/Deployment")
    pod_bearing = Policy(info=info, kinds=frozenset({"pod-bearing"}), check=lambda resource, ctx: ())
    assert pod_bearing.applies_to("CronJob")  # traits from the shipped table when none are given
    assert pod_bearing.applies_to("argoproj.io/Rollout")
    assert not pod_bearing.applies_to("Service")


def _resource(document: dict):
    return make_resource(document, "f.yaml", 0, ())


def test_a_leaderworkerset_has_two_pod_specs_and_both_are_checked() -> None:
    lws = _resource(
        {
            "apiVersion": "leaderworkerset.x-k8s.io/v1",
            "kind": "LeaderWorkerSet",
            "metadata": {"name": "vllm"},
            "spec": {
                "leaderWorkerTemplate": {
                    "leaderTemplate": {
                        "metadata": {"labels": {"role": "leader"}},
                        "spec": {"containers": [{"name": "l"}]},
                    },
                    "workerTemplate": {
                        "metadata": {"labels": {"role": "worker"}},
                        "spec": {"containers": [{"name": "w"}]},
                    },
                }
            },
        }
    )
    template = ("spec", "leaderWorkerTemplate")
    assert pod_spec_paths(lws) == ((*template, "workerTemplate", "spec"), (*template, "leaderTemplate", "spec"))
    assert [(c.name, c.path) for c in containers(lws)] == [
        ("w", (*template, "workerTemplate", "spec", "containers", 0)),
        ("l", (*template, "leaderTemplate", "spec", "containers", 0)),
    ]
    assert pod_label_sets(lws) == [{"role": "worker"}, {"role": "leader"}]
    assert kind_traits(lws) == {"pod-bearing", "long-running"}


def test_operator_pods_carry_the_given_labels_and_the_operator_s() -> None:
    alertmanager = _resource(
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "Alertmanager",
            "metadata": {"name": "main"},
            "spec": {"podMetadata": {"labels": {"team": "sre", "alertmanager": "overridden"}}},
        }
    )
    assert pod_label_sets(alertmanager) == [
        {
            "team": "sre",
            "alertmanager": "main",
            "app.kubernetes.io/name": "alertmanager",
            "app.kubernetes.io/managed-by": "prometheus-operator",
            "app.kubernetes.io/instance": "main",
        }
    ]
    assert kind_traits(alertmanager) == {"long-running"}  # no pod spec of its own to check
    assert list(containers(alertmanager)) == []


def test_a_custom_kind_named_like_a_builtin_one_has_no_pod_spec() -> None:
    custom = _resource({"apiVersion": "example.com/v1", "kind": "Deployment", "spec": {"template": {"spec": {}}}})
    assert pod_spec_paths(custom) == ()
    assert kind_traits(custom) == frozenset()


def test_a_custom_pod_template_of_another_shape_is_no_invalid_object() -> None:
    table = kinds.shipped()
    broken = {"containers": {"name": "agent"}}
    kruise = {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "DaemonSet", "spec": {"template": {"spec": broken}}}
    workload, problems = checked_shape(kruise, table.lookup(kruise["apiVersion"], kruise["kind"]))
    assert (workload, problems) == (kinds.NOT_A_WORKLOAD, [])
    builtin = {**kruise, "apiVersion": "apps/v1"}
    workload, problems = checked_shape(builtin, table.lookup(builtin["apiVersion"], builtin["kind"]))
    assert workload.key == "DaemonSet"
    assert problems == [
        (("spec", "template", "spec", "containers"), "spec.template.spec.containers must be a list, not dict")
    ]
    bad_metadata = {**kruise, "metadata": {"labels": ["x"]}}
    assert checked_shape(bad_metadata, table.lookup(kruise["apiVersion"], kruise["kind"]))[1] == [
        (("metadata", "labels"), "metadata.labels must be a mapping, not list")
    ]


def test_the_shipped_table_has_the_configuration_s_format() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMAS / "config.schema.json").read_text("utf-8"))
    data = kinds.shipped_data()
    Draft202012Validator(schema).validate({"workloads": data["workloads"]})
    keys = [entry["kind"] for entry in data["workloads"]]
    assert len(keys) == len(set(keys))
    for required in (
        "argoproj.io/Rollout",
        "apps.kruise.io/CloneSet",
        "apps.kruise.io/DaemonSet",
        "apps.kruise.io/StatefulSet",
        "serving.knative.dev/Service",
        "apps.openshift.io/DeploymentConfig",
        "keda.sh/ScaledJob",
        "leaderworkerset.x-k8s.io/LeaderWorkerSet",
        "monitoring.coreos.com/Alertmanager",
        "monitoring.coreos.com/Prometheus",
    ):
        assert required in keys


def _scan(*args: str):
    return CliRunner().invoke(cli, ["scan", "--no-color", *args], catch_exceptions=False)


MANIFESTS = """\
apiVersion: example.com/v1
kind: Deployment
metadata: {name: edge}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: app, image: registry.example.com/app:1.0.0}]
---
apiVersion: acme.example.com/v1
kind: Worker
metadata: {name: batch}
spec:
  podTemplate:
    spec:
      hostNetwork: true
      containers: [{name: worker, image: registry.example.com/worker:1.0.0}]
"""


def test_the_configuration_adds_custom_workloads(tmp_path: Path) -> None:
    (tmp_path / "objects.yaml").write_text(MANIFESTS, "utf-8")
    result = _scan(str(tmp_path), "--policy", "k8s/no-host-network")
    assert result.exit_code == 0, result.output  # neither is a pod: example.com's Deployment is its own kind
    (tmp_path / ".conformance.yaml").write_text(
        "workloads:\n  - kind: acme.example.com/Worker\n    pod-templates: [spec.podTemplate]\n", "utf-8"
    )
    result = _scan(str(tmp_path), "--policy", "k8s/no-host-network")
    assert result.exit_code == 1, result.output
    assert "objects.yaml:16:7 error k8s/no-host-network" in result.output
    assert "Worker/batch" in result.output
    assert "Deployment/edge" not in result.output


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("- kind: Worker\n    pod-templates: [spec.template]", "key workloads[0].kind: 'Worker' is not <group>/<Kind>"),
        ("- kind: acme.example.com/Worker", "key workloads[0]: {'kind': 'acme.example.com/Worker'} is not a workload"),
        ("- kind: a.example/W\n    pod-templates: [spec]\n    replicas: 2", "is not a workload"),
        ("- kind: acme.example.com/Worker\n    pod-templates: ['spec..x']", "is not a dotted path"),
    ],
)
def test_a_malformed_workload_entry_is_a_configuration_error(tmp_path: Path, entry: str, message: str) -> None:
    (tmp_path / "objects.yaml").write_text(MANIFESTS, "utf-8")
    (tmp_path / ".conformance.yaml").write_text(f"workloads:\n  {entry}\n", "utf-8")
    result = _scan(str(tmp_path))
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("name", ["Deployment", "argoproj.io/Rollout", "apps/Deployment", "pod-bearing"])
def test_kind_names_policies_may_use(name: str) -> None:
    assert kinds.kind_name_problem(name) is None


def test_a_kind_name_that_selects_nothing_is_a_policy_error(tmp_path: Path) -> None:
    from conformance.catalog.python_policy import load_python_policy
    from conformance.errors import PolicyDefinitionError

    module = tmp_path / "rollouts.py"
    module.write_text(
        'ID = "acme/rollouts"\nTITLE = "t"\nSEVERITY = "note"\nKINDS = ("argoproj.io/rollout",)\n'
        "def check(resource, ctx):\n    return ()\n",
        "utf-8",
    )
    with pytest.raises(PolicyDefinitionError, match=r"field KINDS: 'argoproj\.io/rollout' is not a kind"):
        load_python_policy(module)
