"""Ignore annotations on Kubernetes objects and pod templates."""

from __future__ import annotations

import pytest

from conformance.suppress import (
    GENERIC_ANNOTATION,
    AnnotationIgnore,
    annotation_for,
    annotation_key,
    annotations_of,
    parse_annotations,
    parse_resource_annotations,
)

KNOWN = frozenset({"k8s/no-host-network", "k8s/no-privileged-containers", "k8s/image-tag-pinned", "docker/no-root"})


# --- annotations -----------------------------------------------------------------------------------------------


def test_annotation_keys_name_policies() -> None:
    assert annotation_key("k8s/no-host-network") == "conformance.dev/ignore.k8s.no-host-network"
    long_id = "k8s/" + "x" * 60
    assert annotation_key(long_id) == GENERIC_ANNOTATION
    assert annotation_for("k8s/no-host-network", "node agent", ["web"]) == (
        "conformance.dev/ignore.k8s.no-host-network",
        "reason=node agent; container=web",
    )
    key, value = annotation_for(long_id, "long")
    assert (key, value) == (GENERIC_ANNOTATION, f"policy={long_id}; reason=long")
    parsed = parse_annotations({key: value})
    assert [(i.policy_id, i.reason) for i in parsed.ignores] == [(long_id, "long")]


def test_annotation_values() -> None:
    markers = parse_annotations(
        {
            "conformance.dev/ignore.k8s.no-host-network": "node agent: needs the host's network",
            "conformance.dev/ignore.k8s.image-tag-pinned": "container = sidecar , init ; reason=pinned; see T-12",
            "conformance.dev/ignore.k8s.no-privileged-containers": "reason=needs /dev",
            "app.kubernetes.io/name": "web",
            "conformance.dev/other": "not an ignore",
        }
    )
    assert markers.problems == ()
    network, image, privileged = markers.ignores
    assert network == AnnotationIgnore(
        "k8s/no-host-network",
        "node agent: needs the host's network",
        None,
        "conformance.dev/ignore.k8s.no-host-network",
        ("metadata", "annotations", "conformance.dev/ignore.k8s.no-host-network"),
    )
    assert image.reason == "pinned; see T-12" and image.containers == {"sidecar", "init"}
    assert privileged.reason == "needs /dev" and privileged.containers is None
    assert network.covers("k8s/no-host-network", None) and network.covers("k8s/no-host-network", "web")
    assert not network.covers("k8s/image-tag-pinned", None)
    assert image.covers("k8s/image-tag-pinned", "sidecar")
    assert not image.covers("k8s/image-tag-pinned", "web")
    assert not image.covers("k8s/image-tag-pinned", None)  # scoped to containers: not the pod's own findings
    assert markers.covering("k8s/image-tag-pinned", "init") is image
    assert markers.covering("k8s/image-tag-pinned", "web") is None
    assert privileged.suppression("deploy.yaml:7").to_dict()["kind"] == "annotation"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("conformance.dev/ignore.k8s.no-host-network", "", "the reason is empty"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=  ; container=web", "the reason is empty"),
        ("conformance.dev/ignore.k8s.no-host-network", "container=web", "the reason is empty"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; owner=me", "unknown field 'owner'"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; reason=y", "given twice"),
        ("conformance.dev/ignore.k8s.no-host-network", "container=web; legacy", "'legacy' is not a field"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; container=web,", "container names"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; policy=k8s/a", "unknown field 'policy'"),
        ("conformance.dev/ignore.k8s.no-host-network", True, "must be a string"),
        ("conformance.dev/ignore.k8s.no-host-network", None, "must be a string"),
        ("conformance.dev/ignore.k8s", "x", "is not an ignore annotation"),
        ("conformance.dev/ignore-k8s.no-host-network", "x", "is not an ignore annotation"),
        ("conformance.dev/ignore.K8s.No-Host", "x", "is not an ignore annotation"),
        ("conformance.dev/ignore.k8s." + "x" * 56, "reason=x", "over Kubernetes' limit of 63"),
        (GENERIC_ANNOTATION, "reason=x", "needs policy="),
        (GENERIC_ANNOTATION, "no fields at all", "needs policy="),
        (GENERIC_ANNOTATION, "policy=k8s; reason=x", "'k8s' is not a policy id"),
    ],
)
def test_annotation_problems(key: str, value: object, message: str) -> None:
    markers = parse_annotations({key: value}, ("spec", "template", "metadata", "annotations"))
    assert markers.ignores == ()
    assert len(markers.problems) == 1
    problem = markers.problems[0]
    assert message in problem.message
    assert problem.key == key and problem.path == ("spec", "template", "metadata", "annotations", key)


def test_generic_annotation_lists_several_policies() -> None:
    markers = parse_annotations(
        {GENERIC_ANNOTATION: "policy=k8s/no-host-network, k8s/bogus; reason=agent; container=a"}
    )
    assert [(i.policy_id, i.containers) for i in markers.ignores] == [
        ("k8s/no-host-network", frozenset({"a"})),
        ("k8s/bogus", frozenset({"a"})),
    ]
    checked = markers.validated(KNOWN)
    assert checked.ignores == ()  # one unknown id refuses the whole annotation
    assert [p.message for p in checked.problems] == ["unknown policy id 'k8s/bogus'"]


def test_annotations_of_pod_templates() -> None:
    own = {"conformance.dev/ignore.k8s.no-host-network": "agent"}
    template = {"conformance.dev/ignore.k8s.image-tag-pinned": "reason=pinned by digest upstream; container=web"}
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "a", "annotations": own},
        "spec": {"template": {"metadata": {"annotations": template}, "spec": {}}},
    }
    assert annotations_of(deployment) == [
        (("metadata", "annotations"), own),
        (("spec", "template", "metadata", "annotations"), template),
    ]
    cronjob = {
        "kind": "CronJob",
        "metadata": {"name": "a"},
        "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"annotations": template}}}}},
    }
    template_path = ("spec", "jobTemplate", "spec", "template", "metadata", "annotations")
    assert annotations_of(cronjob) == [(template_path, template)]
    pod = {"kind": "Pod", "metadata": {"annotations": own}}
    assert annotations_of(pod) == [(("metadata", "annotations"), own)]
    service = {"kind": "Service", "metadata": {"annotations": "not a mapping"}, "spec": {"template": template}}
    assert annotations_of(service) == []

    markers = parse_resource_annotations(deployment)
    assert markers.covering("k8s/no-host-network") is not None
    assert markers.covering("k8s/image-tag-pinned", "web") is not None
    assert markers.covering("k8s/image-tag-pinned", "sidecar") is None
    assert markers.ignores[1].path == ("spec", "template", "metadata", "annotations", *template)


def test_annotation_unknown_ids() -> None:
    markers = parse_annotations({"conformance.dev/ignore.k8s.no-host-networks": "typo"})
    problems = markers.unknown_ids(KNOWN)
    assert [p.message for p in problems] == [
        "unknown policy id 'k8s/no-host-networks' (did you mean 'k8s/no-host-network'?)"
    ]
    assert markers.validated(KNOWN).ignores == ()
