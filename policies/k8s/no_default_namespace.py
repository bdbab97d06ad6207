"""Namespaced objects should not be placed in the `default` namespace.

The `default` namespace is where everything lands that nobody thought about: objects there share
quotas, network policies and RBAC grants with every stray resource in the cluster, and it is the first
namespace an attacker with a leaked kubeconfig looks at. Applications belong in namespaces of their
own, where access and limits can be set for them alone.

An object whose `metadata.namespace` is `default` fails, reported at that line. An object without
`metadata.namespace` passes by default, because it is usually applied with `kubectl -n`, Kustomize's
`namespace:` or a Helm release namespace; set the option `require-namespace: true` to demand that every
namespaced object names its namespace in the manifest (then reported at `metadata`).

Cluster-scoped kinds (Namespace, Node, PersistentVolume, StorageClass, ClusterRole, ClusterRoleBinding,
CustomResourceDefinition, the webhook configurations, PriorityClass, IngressClass, RuntimeClass,
APIService, CSIDriver, and the other built-in kinds that live outside namespaces) are exempt from both
checks: Kubernetes ignores a namespace written on them. Cluster-scoped custom resources can be added
with the `cluster-scoped-kinds` option.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.api import CheckContext, Resource, Violation

ID = "k8s/no-default-namespace"
TITLE = "Objects should not be placed in the default namespace"
SEVERITY = "warning"
NO_FIX = "which namespace a workload belongs in is a deployment decision"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
FIX = "Set `metadata.namespace` to the application's own namespace (or apply it with `-n <namespace>`)."
EXAMPLE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: payments
"""
KINDS = None
OPTIONS = {
    "require-namespace": {
        "default": False,
        "description": "Also report namespaced objects that do not set metadata.namespace.",
        "schema": {"type": "boolean"},
    },
    "cluster-scoped-kinds": {
        "default": [],
        "description": "Extra kinds to treat as cluster-scoped (for cluster-scoped custom resources).",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}

CLUSTER_SCOPED_KINDS = frozenset(
    {
        # core
        "Namespace",
        "Node",
        "PersistentVolume",
        "ComponentStatus",
        # RBAC and authentication/authorization reviews
        "ClusterRole",
        "ClusterRoleBinding",
        "TokenReview",
        "SelfSubjectReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "SubjectAccessReview",
        # API machinery and admission
        "APIService",
        "CustomResourceDefinition",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "StorageVersion",
        "StorageVersionMigration",
        # scheduling, nodes, networking
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "IPAddress",
        "ServiceCIDR",
        "PodSecurityPolicy",
        "CertificateSigningRequest",
        "ClusterTrustBundle",
        # storage
        "StorageClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "VolumeAttributesClass",
        # dynamic resource allocation
        "DeviceClass",
        "ResourceSlice",
    }
)
"""Built-in kinds that do not live in a namespace (``kubectl api-resources --namespaced=false``)."""


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    extra = ctx.options.get("cluster-scoped-kinds") or ()
    if resource.kind in CLUSTER_SCOPED_KINDS or resource.kind in extra:
        return
    if resource.namespace == "default":
        yield Violation(
            "the object is placed in the 'default' namespace",
            ("metadata", "namespace"),
        )
    elif not resource.namespace and ctx.options.get("require-namespace", False):
        yield Violation(
            "metadata.namespace is not set",
            ("metadata",),
        )
