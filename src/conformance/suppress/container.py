"""The container a finding is about, from its path label and its violation key."""

from __future__ import annotations

import re

_CONTAINER_STEP = re.compile(r"(?:^|\.)(?:containers|initContainers|ephemeralContainers)\[([^\]]*)\]")
_CONTAINER_KEY = re.compile(r"^(?:containers|initContainers|ephemeralContainers)\[([^\]]*)\](?:#.*)?$")


def container_of(finding_path: str, key: str = "") -> str | None:
    """The container a finding is about, from its path label and its violation key.

    A pod-level value inherited by containers (``spec.securityContext.runAsUser``) carries the container in
    the key (``containers[web]``, as YAML policies set it); otherwise the label names it
    (``spec.template.spec.containers[web].securityContext.privileged``). A container without a name is
    labelled by its index (``containers[0]`` gives ``"0"``).
    """
    match = _CONTAINER_KEY.match(key) if key else None
    if match is None:
        match = _CONTAINER_STEP.search(finding_path)
    return match.group(1) or None if match else None
