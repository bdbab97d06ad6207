"""The ``include-init-containers`` option, shared by policies that check only regular containers by default.

Init containers (native sidecars too: init containers with ``restartPolicy: Always``) are checked only when
the option is on; ephemeral debug containers never are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INCLUDE_INIT_CONTAINERS = "include-init-containers"


def include_init_containers_option(requirement: str) -> dict[str, Any]:
    """The option's spec, for a policy's ``OPTIONS``: ``requirement`` is what it requires (``"requests"``)."""
    return {
        "default": False,
        "description": f"Also require {requirement} on init containers (including native sidecars).",
        "schema": {"type": "boolean"},
    }


def checked_container_types(options: Mapping[str, Any]) -> tuple[str, ...]:
    """The container types to check under a policy's effective options (see :func:`containers`)."""
    return ("containers", "initContainers") if options.get(INCLUDE_INIT_CONTAINERS) else ("containers",)
