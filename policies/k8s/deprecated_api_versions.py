"""Objects must not use an apiVersion that the target Kubernetes version no longer serves.

Beta API versions are withdrawn a few releases after their stable replacement ships. Once a version is
removed, the API server refuses manifests that use it, so an upgrade (or a fresh cluster) breaks
deployments that worked the day before. Catching the old versions in review gives time to migrate.

The policy compares each object's `apiVersion` and `kind` with a table of removals from Kubernetes 1.16
to 1.32 (the `extensions`, `apps/v1beta1` and `apps/v1beta2` workloads in 1.16; the large beta clean-up
of 1.22 covering admission webhooks, CRDs, API services, reviews, CSRs, leases, Ingress and
IngressClass, RBAC, priority classes and storage; CronJob, EndpointSlice, Event, autoscaling/v2beta1,
PodDisruptionBudget, PodSecurityPolicy and RuntimeClass betas in 1.25; flow control and
autoscaling/v2beta2 in 1.26; CSIStorageCapacity in 1.27; and the later flow-control betas in 1.29 and
1.32). Only removals in or before the `kubernetes-version` option (a "major.minor" string, default
"1.31") are reported, so set it to the newest version your clusters run or will be upgraded to.

The finding is reported at the `apiVersion` line and names the release that removed the version and
the apiVersion to use instead. When that replacement was itself removed by the target version, the
newest replacement is named (PodSecurityPolicy has none: it was replaced by Pod Security Admission).
Alpha API versions and custom resources are not covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from conformance.api import CheckContext, Resource, Violation

ID = "k8s/deprecated-api-versions"
TITLE = "Objects must not use API versions removed from Kubernetes"
SEVERITY = "error"
NO_FIX = "moving to a newer API version can change required fields; kubectl-convert does it with the schemas"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
FIX = (
    "Change `apiVersion` to the replacement named in the finding and adapt the fields that changed "
    "between versions (`kubectl convert` can help)."
)
EXAMPLE = """\
apiVersion: networking.k8s.io/v1   # not extensions/v1beta1 or networking.k8s.io/v1beta1
kind: Ingress
"""
OPTIONS = {
    "kubernetes-version": {
        "default": "1.31",
        "description": 'Kubernetes version to check against, a "major.minor" string (quote it in YAML).',
        "schema": {"type": "string", "pattern": r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?$"},
    },
}

FLOWCONTROL = ("FlowSchema", "PriorityLevelConfiguration")
REMOVALS: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    # (removed in, apiVersion, kinds, replacement apiVersion or None)
    ("1.16", "extensions/v1beta1", ("Deployment", "DaemonSet", "ReplicaSet"), "apps/v1"),
    ("1.16", "extensions/v1beta1", ("NetworkPolicy",), "networking.k8s.io/v1"),
    ("1.16", "extensions/v1beta1", ("PodSecurityPolicy",), "policy/v1beta1"),
    ("1.16", "apps/v1beta1", ("Deployment", "StatefulSet", "ReplicaSet", "ControllerRevision"), "apps/v1"),
    (
        "1.16",
        "apps/v1beta2",
        ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"),
        "apps/v1",
    ),
    (
        "1.22",
        "admissionregistration.k8s.io/v1beta1",
        ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"),
        "admissionregistration.k8s.io/v1",
    ),
    ("1.22", "apiextensions.k8s.io/v1beta1", ("CustomResourceDefinition",), "apiextensions.k8s.io/v1"),
    ("1.22", "apiregistration.k8s.io/v1beta1", ("APIService",), "apiregistration.k8s.io/v1"),
    ("1.22", "authentication.k8s.io/v1beta1", ("TokenReview",), "authentication.k8s.io/v1"),
    (
        "1.22",
        "authorization.k8s.io/v1beta1",
        (
            "SubjectAccessReview",
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
        ),
        "authorization.k8s.io/v1",
    ),
    ("1.22", "certificates.k8s.io/v1beta1", ("CertificateSigningRequest",), "certificates.k8s.io/v1"),
    ("1.22", "coordination.k8s.io/v1beta1", ("Lease",), "coordination.k8s.io/v1"),
    ("1.22", "extensions/v1beta1", ("Ingress",), "networking.k8s.io/v1"),
    ("1.22", "networking.k8s.io/v1beta1", ("Ingress", "IngressClass"), "networking.k8s.io/v1"),
    (
        "1.22",
        "rbac.authorization.k8s.io/v1beta1",
        ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"),
        "rbac.authorization.k8s.io/v1",
    ),
    ("1.22", "scheduling.k8s.io/v1beta1", ("PriorityClass",), "scheduling.k8s.io/v1"),
    (
        "1.22",
        "storage.k8s.io/v1beta1",
        ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"),
        "storage.k8s.io/v1",
    ),
    ("1.25", "batch/v1beta1", ("CronJob",), "batch/v1"),
    ("1.25", "discovery.k8s.io/v1beta1", ("EndpointSlice",), "discovery.k8s.io/v1"),
    ("1.25", "events.k8s.io/v1beta1", ("Event",), "events.k8s.io/v1"),
    ("1.25", "autoscaling/v2beta1", ("HorizontalPodAutoscaler",), "autoscaling/v2"),
    ("1.25", "policy/v1beta1", ("PodDisruptionBudget",), "policy/v1"),
    ("1.25", "policy/v1beta1", ("PodSecurityPolicy",), None),
    ("1.25", "node.k8s.io/v1beta1", ("RuntimeClass",), "node.k8s.io/v1"),
    ("1.26", "flowcontrol.apiserver.k8s.io/v1beta1", FLOWCONTROL, "flowcontrol.apiserver.k8s.io/v1beta3"),
    ("1.26", "autoscaling/v2beta2", ("HorizontalPodAutoscaler",), "autoscaling/v2"),
    ("1.27", "storage.k8s.io/v1beta1", ("CSIStorageCapacity",), "storage.k8s.io/v1"),
    ("1.29", "flowcontrol.apiserver.k8s.io/v1beta2", FLOWCONTROL, "flowcontrol.apiserver.k8s.io/v1"),
    ("1.32", "flowcontrol.apiserver.k8s.io/v1beta3", FLOWCONTROL, "flowcontrol.apiserver.k8s.io/v1"),
)
"""Removed API versions: stable data, ordered by release. Add new removals here."""

NO_REPLACEMENT_ADVICE = {
    "PodSecurityPolicy": "Pod Security Admission (pod-security.kubernetes.io labels on the namespace)",
}

VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


def parse_version(text: str) -> tuple[int, int]:
    """``"1.31"`` (also ``"v1.31"`` and ``"1.31.2"``) as ``(1, 31)``."""
    match = VERSION.match(str(text).strip())
    if match is None:
        raise ValueError(f'kubernetes-version must be a "major.minor" string such as "1.31", not {text!r}')
    return int(match.group(1)), int(match.group(2))


def removal_table() -> Mapping[tuple[str, str], tuple[tuple[int, int], str | None]]:
    """(apiVersion, kind) -> (release that removed it, replacement apiVersion or None)."""
    table: dict[tuple[str, str], tuple[tuple[int, int], str | None]] = {}
    for removed_in, api_version, kinds, replacement in REMOVALS:
        for kind in kinds:
            table[(api_version, kind)] = (parse_version(removed_in), replacement)
    return table


TABLE = removal_table()
KINDS = tuple(sorted({kind for _, kind in TABLE}))


def replacement_for(kind: str, replacement: str | None, target: tuple[int, int]) -> str | None:
    """Follow replacements that the target version has removed too, up to one that it still serves."""
    seen: set[str] = set()
    while replacement is not None and replacement not in seen:
        seen.add(replacement)
        entry = TABLE.get((replacement, kind))
        if entry is None or entry[0] > target:
            return replacement
        replacement = entry[1]
    return replacement


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    entry = TABLE.get((resource.api_version, resource.kind))
    if entry is None:
        return
    target = parse_version(ctx.options.get("kubernetes-version", "1.31"))
    removed_in, replacement = entry
    if removed_in > target:
        return
    release = f"{removed_in[0]}.{removed_in[1]}"
    instead = replacement_for(resource.kind, replacement, target)
    if instead is not None:
        advice = f"use {instead}"
    else:
        advice = "it has no replacement; use " + NO_REPLACEMENT_ADVICE.get(resource.kind, "another mechanism")
    yield Violation(
        f"{resource.api_version} {resource.kind} was removed in Kubernetes {release}: {advice}",
        ("apiVersion",),
    )
