"""The container a finding is about."""

from __future__ import annotations

import pytest

from conformance.suppress import (
    container_of,
)

# --- containers of findings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key", "container"),
    [
        ("spec.template.spec.containers[web].securityContext.privileged", "", "web"),
        ("spec.containers[app].image", "", "app"),
        ("spec.jobTemplate.spec.template.spec.initContainers[init-db].image", "", "init-db"),
        ("spec.ephemeralContainers[debug]", "", "debug"),
        ("spec.template.spec.securityContext.runAsUser", "containers[web]", "web"),
        ("spec.securityContext.runAsUser", "initContainers[setup]", "setup"),
        ("spec.template.spec.containers[web].securityContext", "containers[web]", "web"),
        ("spec.containers[app].env[DB_PASSWORD].value", "DB_PASSWORD", "app"),  # another kind of key
        ("spec.containers[0].image", "", "0"),  # a container without a name: its index
        ("spec.template.spec.hostNetwork", "", None),
        ("metadata.labels", "", None),
        ("spec.sidecarContainers[x]", "", None),
        ("spec.securityContext.runAsUser", "containers[]", None),
    ],
)
def test_container_of(path: str, key: str, container: str | None) -> None:
    assert container_of(path, key) == container
