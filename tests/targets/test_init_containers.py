from __future__ import annotations

from conformance.targets.init_containers import (
    INCLUDE_INIT_CONTAINERS,
    checked_container_types,
    include_init_containers_option,
)


def test_the_option_spec() -> None:
    assert include_init_containers_option("requests") == {
        "default": False,
        "description": "Also require requests on init containers (including native sidecars).",
        "schema": {"type": "boolean"},
    }


def test_checked_container_types() -> None:
    assert checked_container_types({}) == ("containers",)
    assert checked_container_types({INCLUDE_INIT_CONTAINERS: False}) == ("containers",)
    assert checked_container_types({INCLUDE_INIT_CONTAINERS: True}) == ("containers", "initContainers")
