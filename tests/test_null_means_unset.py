"""Null and empty values mean "unset", as the API server decodes them, for every policy; findings about a null
field point at the null key's line; only PodSecurityContext fields are inherited by containers."""

from __future__ import annotations

import pytest

from conformance import yamlio
from conformance.model import INVALID_OBJECT
from conformance.targets.apiview import api_view
from conformance.targets.kubernetes import containers, make_resource, resources_of
from k8s_scan import scan_text

RESTRICTED = (
    "k8s/drop-all-capabilities",
    "k8s/no-privilege-escalation",
    "k8s/run-as-non-root",
    "k8s/seccomp-profile-required",
    "k8s/read-only-root-filesystem",
)


def pod(spec: str) -> str:
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + spec


def test_empty_container_security_context_fails_every_restricted_check_at_its_line() -> None:
    text = pod(
        "  containers:\n"
        "    - name: app\n"  # line 7
        "      image: registry.example.com/app:1.0\n"
        "      securityContext:\n"  # line 9
    )
    found = scan_text(text, RESTRICTED)
    assert found == {(policy_id, 9) for policy_id in RESTRICTED}


@pytest.mark.parametrize(
    ("context", "line"),
    [
        ("      securityContext:\n        capabilities:\n", 10),
        ("      securityContext:\n        capabilities:\n          drop:\n", 11),
        ("      securityContext:\n        capabilities: {drop: ~}\n", 10),
    ],
)
def test_empty_capabilities_or_drop_fails_drop_all(context: str, line: int) -> None:
    text = pod("  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n" + context)
    assert scan_text(text, ("k8s/drop-all-capabilities",)) == {("k8s/drop-all-capabilities", line)}


def test_empty_container_seccomp_profile_falls_back_to_the_pods_unconfined() -> None:
    text = pod(
        "  securityContext:\n"
        "    seccompProfile:\n"
        "      type: Unconfined\n"  # line 8
        "  containers:\n"
        "    - name: app\n"
        "      image: registry.example.com/app:1.0\n"
        "      securityContext:\n"
        "        seccompProfile:\n"
    )
    found = scan_text(text, ("k8s/seccomp-profile-required", "k8s/no-unconfined-seccomp"))
    assert found == {("k8s/seccomp-profile-required", 8), ("k8s/no-unconfined-seccomp", 8)}


def test_empty_pod_seccomp_profile_is_not_a_profile() -> None:
    text = pod(
        "  securityContext:\n"
        "    seccompProfile:\n"  # line 7
        "  containers:\n"
        "    - name: app\n"  # line 9
        "      image: registry.example.com/app:1.0\n"
    )
    assert scan_text(text, ("k8s/seccomp-profile-required",)) == {("k8s/seccomp-profile-required", 9)}


@pytest.mark.parametrize("value", ["RuntimeDefault", "'{type: RuntimeDefault}'", "[RuntimeDefault]", "1"])
def test_pod_seccomp_profile_of_the_wrong_shape_is_an_invalid_object(value: str) -> None:
    text = pod(
        "  securityContext:\n"
        f"    seccompProfile: {value}\n"  # line 7
        "  containers:\n"
        "    - name: app\n"
        "      image: registry.example.com/app:1.0\n"
    )
    assert scan_text(text) == {(INVALID_OBJECT, 7)}


def test_container_null_falls_back_to_the_pods_value() -> None:
    text = pod(
        "  securityContext:\n"
        "    runAsNonRoot: true\n"
        "    runAsUser: 0\n"  # line 8
        "  containers:\n"
        "    - name: app\n"
        "      image: registry.example.com/app:1.0\n"
        "      securityContext:\n"
        "        runAsNonRoot:\n"
        "        runAsUser: null\n"
    )
    assert scan_text(text, ("k8s/run-as-non-root",)) == {("k8s/run-as-non-root", 8)}
    passing = text.replace("    runAsUser: 0\n", "    runAsUser: 1000\n")
    assert scan_text(passing, ("k8s/run-as-non-root",)) == set()


def test_container_value_that_is_set_wins_over_the_pods() -> None:
    text = pod(
        "  securityContext:\n"
        "    runAsNonRoot: true\n"
        "  containers:\n"
        "    - name: app\n"
        "      image: registry.example.com/app:1.0\n"
        "      securityContext:\n"
        "        runAsNonRoot: false\n"  # line 12
    )
    assert scan_text(text, ("k8s/run-as-non-root",)) == {("k8s/run-as-non-root", 12)}


@pytest.mark.parametrize("path", ["", "~", "null", "2375", "{}"])
def test_host_path_without_a_string_path_is_not_a_runtime_socket(path: str) -> None:
    text = pod(
        "  containers:\n"
        "    - name: app\n"
        "      image: registry.example.com/app:1.0\n"
        "  volumes:\n"
        "    - name: v\n"
        "      hostPath:\n"
        f"        path: {path}\n"  # line 12
    )
    found = scan_text(text, ("k8s/no-container-runtime-socket",))
    assert found == ({(INVALID_OBJECT, 12)} if path in ("2375", "{}") else set())


def test_only_pod_security_context_fields_are_inherited() -> None:
    text = pod(
        "  securityContext:\n"
        "    runAsUser: 1000\n"
        "    fsGroup: 2000\n"
        "    supplementalGroups: [3000]\n"
        "    sysctls: [{name: net.ipv4.ip_forward, value: '1'}]\n"
        "    seLinuxOptions: {level: 's0:c1'}\n"
        "    appArmorProfile: {type: RuntimeDefault}\n"
        "    windowsOptions: {runAsUserName: app}\n"
        "    runAsGroup: 10\n"
        "  containers:\n"
        "    - name: app\n"
        "      image: registry.example.com/app:1.0\n"
        "      securityContext:\n"
        "        runAsGroup:\n"
        "        windowsOptions: {runAsUserName: other}\n"
    )
    document = yamlio.load(text).documents[0]
    [(_, data)] = list(resources_of(document.data, "t.yaml", 0))
    [container] = containers(make_resource(data, "t.yaml", 0, ()))
    assert container.inherited == frozenset({"runAsUser", "seLinuxOptions", "appArmorProfile", "runAsGroup"})
    assert container.data["securityContext"] == {
        "runAsUser": 1000,
        "runAsGroup": 10,
        "seLinuxOptions": {"level": "s0:c1"},
        "appArmorProfile": {"type": "RuntimeDefault"},
        "windowsOptions": {"runAsUserName": "other"},
    }
    assert container.source_path(("securityContext", "runAsGroup")) == ("spec", "securityContext", "runAsGroup")


def test_api_view_drops_null_keys_and_keeps_string_maps() -> None:
    data = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": None, "labels": {"team": None}, "annotations": None},
        "spec": {
            "nodeSelector": {"disk": None},
            "securityContext": None,
            "containers": [None, {"name": "a", "resources": {"limits": {"memory": None}}, "args": [None, "x"]}],
            "template": {"metadata": {"labels": {"app": None}}},
        },
    }
    view = api_view(data)
    assert view == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"team": ""}},
        "spec": {
            "nodeSelector": {"disk": ""},
            "containers": [None, {"name": "a", "resources": {"limits": {}}, "args": [None, "x"]}],
            "template": {"metadata": {"labels": {"app": ""}}},
        },
    }
    assert view.nulls == {
        ("metadata", "namespace"),
        ("metadata", "annotations"),
        ("spec", "securityContext"),
        ("spec", "containers", 1, "resources", "limits", "memory"),
    }
    assert list(view["metadata"]) == ["name", "labels"]  # order kept
    unchanged = {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a"}]}}
    assert api_view(unchanged)["spec"] is unchanged["spec"]  # nothing null: nothing copied
    assert api_view(unchanged).nulls == frozenset()
    config_map = api_view({"apiVersion": "v1", "kind": "ConfigMap", "data": {"key": None}})
    assert config_map["data"] == {"key": ""}


def test_a_null_container_is_an_invalid_object() -> None:
    text = pod("  containers:\n    -\n    - name: app\n      image: registry.example.com/app:1.0\n")
    assert (INVALID_OBJECT, 7) in scan_text(text)


def test_yaml_policies_of_other_files_still_see_nulls() -> None:
    # a workflow's `workflow_dispatch:` is an event with no settings: only Kubernetes objects drop nulls
    data = yamlio.load("on:\n  workflow_dispatch:\n  pull_request_target:\n").documents[0].data
    assert data == {True: {"workflow_dispatch": None, "pull_request_target": None}}
